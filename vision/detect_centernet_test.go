package vision

import (
	"context"
	"os"
	"testing"

	"captioner/internal/realmedia"
	"captioner/media"
)

// centerNetSpec returns the embedded default detector's spec with a size x
// size input or, when $CAPTIONER_CENTERNET_ONNX names a converted CenterNet
// ONNX file, the same spec reading that file instead (to try a new
// conversion before it is embedded).
func centerNetSpec(t testing.TB, size int) Spec {
	t.Helper()
	spec, err := DefaultDetectorSpec()
	if err != nil {
		t.Fatal(err)
	}
	if path := os.Getenv("CAPTIONER_CENTERNET_ONNX"); path != "" {
		spec.Model, spec.ModelData, spec.Source = path, nil, "$CAPTIONER_CENTERNET_ONNX"
	}
	spec.Input.Width, spec.Input.Height = size, size
	if err := spec.Check(); err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestCenterNetDog is a smoke check of the CenterNet on darknet's dog photo
// (768x576): at 512 and 416 it finds a dog whose box covers the dog (about
// x 128-314, y 224-537, as darknet's own demo draws it).
func TestCenterNetDog(t *testing.T) {
	path := realmedia.Path(t, "dog.jpg")
	dog, err := media.LoadImage(context.Background(), path, media.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{512, 416} {
		d, err := NewDetector(centerNetSpec(t, size), Options{})
		if err != nil {
			t.Fatal(err)
		}
		dets, err := d.Detect(context.Background(), []media.Frame{dog})
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d: %v", size, dets[0])
		want := Box{128, 224, 314, 537}
		found := false
		for _, g := range dets[0] {
			if g.Class == "dog" && g.Box.IoU(want) > 0.6 {
				found = true
			}
		}
		if !found {
			t.Errorf("input %d: no dog over %v among %v", size, want, dets[0])
		}
	}
}
