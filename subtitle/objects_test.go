package subtitle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"captioner/models"
	"captioner/objects"
)

// The objects schema covers every label objects.Labels can give, each
// with its parts: "two people move right" is (move right, person, 2).
func TestObjectsSchema(t *testing.T) {
	labels, s := ObjectsSchema(objects.Classes())
	if len(labels) != 1+80*4*6 || s.width() != 7+81+5 {
		t.Fatalf("%d labels, %d outputs", len(labels), s.width())
	}
	if err := s.Validate(labels); err != nil {
		t.Fatal(err)
	}
	i := -1
	for k, l := range labels {
		if l == "two people move right" {
			i = k
		}
		if _, err := objects.ParseLabel(l); err != nil {
			t.Fatalf("label %q: %v", l, err)
		}
	}
	if i < 0 || !reflect.DeepEqual(s.Parts[i], []int{4, 1, 2}) || !reflect.DeepEqual(s.Parts[0], []int{0, 0, 0}) {
		t.Fatalf("two people move right: label %d, parts %v", i, s.Parts[max(i, 0)])
	}
}

// The per-frame baseline, by hand: a person appears, then moves right,
// then a second person appears, then both vanish.
func TestDenseLabels(t *testing.T) {
	p := func(x float64) objects.Detection {
		return objects.Detection{Object: objects.Object{Class: "person", Box: objects.Box{X0: x, Y0: 0.2, X1: x + 0.1, Y1: 0.6}}, Score: 0.6}
	}
	weak := objects.Detection{Object: objects.Object{Class: "dog", Box: objects.Box{X0: 0, Y0: 0, X1: 0.1, Y1: 0.1}}, Score: 0.2}
	dets := [][]objects.Detection{{}, {p(0.1), weak}, {p(0.2)}, {p(0.2), p(0.6)}, {}}
	var got []string
	for _, l := range DenseLabels(dets, 0.3) {
		got = append(got, l.String())
	}
	want := []string{"nothing moves", "a person appears", "a person moves right", "a person appears", "two people disappear"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// copyBundle copies the default bundle's manifest and Shapes labeller into
// dir.
func copyBundle(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"manifest.json", "subtitle.safetensors"} {
		data, err := fs.ReadFile(models.Default(), f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/"+f, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A tiny labeller trained in seconds on generated videos learns more than
// "nothing moves" everywhere, and its bundle entry loads back.
func TestTrainObjectsTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a labeller")
	}
	ctx := context.Background()
	dir := t.TempDir()
	weights, e, err := TrainObjects(ctx, ObjectsTrainOptions{
		Classes: objects.Classes(), DataSeed: 7, TrainVideos: 60, ValVideos: 10, Seed: 1, Epochs: 2, Out: dir,
		Config: Config{Hidden: 16, Layers: 1, Bidirectional: true, Window: 16, Inputs: []string{InputFeatures, InputChange}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.Domain != "objects" || e.Featurizer.FPS != 2 || len(e.Schema) != 3 || e.Scores["validation"] == nil {
		t.Fatalf("entry %+v", e)
	}
	// Installed into a copy of a bundle, with the other entries untouched.
	b := t.TempDir()
	copyBundle(t, b)
	if err := InstallObjects(b, weights, *e); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(b + "/manifest.json")
	sum := sha256.Sum256(weights)
	if !strings.Contains(string(after), `"objects_subtitle"`) || !strings.Contains(string(after), hex.EncodeToString(sum[:])) {
		t.Fatalf("manifest without the new labeller's entry and checksum")
	}
	m, back, err := LoadObjectsBundle(os.DirFS(b), "copy")
	if err != nil {
		t.Fatal(err)
	}
	if m.Schema == nil || len(m.Labels) != 1921 || back.Presence != e.Presence {
		t.Fatalf("loaded %d labels, presence %+v", len(m.Labels), back.Presence)
	}
	sm, _, err := LoadBundle(os.DirFS(b), "copy")
	if err != nil || len(sm.Labels) != 145 {
		t.Fatalf("the Shapes labeller beside it: %v", err)
	}
	l := &ObjectsLabeller{Model: m, Entry: back}
	test, err := GenerateObjects(ctx, objects.NewGenerator(8, objects.SynthOptions{}), 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := l.Evaluate(ctx, test)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Videos != 5 || rep.Labeller.Track == nil || rep.Baseline.Track == nil {
		t.Fatalf("report %+v", rep)
	}
	if rep.Labeller.ShortestCue < time.Second.Seconds()-1e-9 {
		t.Errorf("a cue of %.2f s", rep.Labeller.ShortestCue)
	}
}
