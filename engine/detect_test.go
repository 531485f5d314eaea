package engine

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"captioner/internal/realmedia"
)

// TestDetectTask finds the dog and the bicycle of darknet's dog.jpg, with
// boxes inside the picture, best first; a video is refused.
func TestDetectTask(t *testing.T) {
	e := New(Options{})
	defer e.Close()
	task, err := e.DetectTask(0)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := task.Run(context.Background(), Input{Path: realmedia.Path(t, "dog.jpg")})
	if err != nil {
		t.Fatal(err)
	}
	var classes []string
	for i, o := range res.Objects {
		classes = append(classes, o.Class)
		b := o.Box
		if o.Score < 0.3 || o.Score > 1 || b[0] < 0 || b[1] < 0 || b[2] > 1 || b[3] > 1 || b[0] >= b[2] || b[1] >= b[3] {
			t.Errorf("object %d: %+v", i, o)
		}
		if i > 0 && o.Score > res.Objects[i-1].Score {
			t.Errorf("object %d scores %.3f, more than the one before", i, o.Score)
		}
	}
	if res.Kind != "detect" || !slices.Contains(classes, "dog") || !slices.Contains(classes, "bicycle") {
		t.Errorf("dog.jpg: %s %v, want a dog and a bicycle", res.Kind, classes)
	}
	if _, _, err := task.Run(context.Background(), Input{Path: filepath.Join("..", "testdata", "shapes", "missing.png")}); err == nil || !BadInput(err) {
		t.Errorf("a missing file: %v, want a bad-input error", err)
	}
}
