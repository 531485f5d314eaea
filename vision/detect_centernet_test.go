package vision

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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

// featurizer is the interface the captioner and labeller consume (doc.go).
type featurizer interface {
	Features(ctx context.Context, frames []media.Frame) ([][]float32, error)
	Dim() int
}

var _ featurizer = (*Detector)(nil)

// TestDetectorRuntime runs the CenterNet at a small input (128: 32x32 maps)
// with two workers: concurrent calls agree, frames of another size are
// resized, DetectFrames carries each frame's index and time, Features
// equals DetectAndFeatures' vectors, a cancelled context and a closed
// detector are errors.
func TestDetectorRuntime(t *testing.T) {
	d, err := NewDetector(centerNetSpec(t, 128), Options{Workers: 2, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d.Dim() != 80*17 {
		t.Errorf("Dim %d, want %d", d.Dim(), 80*17)
	}
	ctx := context.Background()
	frames := []media.Frame{dogFrame(t, 128), dogFrame(t, 128), dogFrame(t, 200)}
	frames[1].Index, frames[1].Time = 7, 3*time.Second
	o := DetectOptions{MinScore: 0.05}
	want, wantFeats, err := d.DetectAndFeatures(ctx, frames, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 || len(want[0]) == 0 || !slices.Equal(want[0], want[1]) {
		t.Fatalf("detections %v", want)
	}
	if len(want[0]) > DefaultMaxDetections {
		t.Errorf("%d detections, more than %d", len(want[0]), DefaultMaxDetections)
	}
	for _, g := range want[2] {
		if g.Box.X1 > 200 || g.Box.Y1 > 200 || g.Score < 0.05 {
			t.Errorf("200x200 frame: %v", g)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := d.DetectWith(ctx, frames, o)
			if err == nil && (!slices.Equal(got[0], want[0]) || !slices.Equal(got[2], want[2])) {
				err = fmt.Errorf("concurrent call: %v, want %v", got[0], want[0])
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	feats, err := d.Features(ctx, frames)
	if err != nil {
		t.Fatal(err)
	}
	for i := range feats {
		if !slices.Equal(feats[i], wantFeats[i]) {
			t.Errorf("frame %d: Features differs from DetectAndFeatures", i)
		}
	}
	fds, err := d.DetectFrames(ctx, frames, DetectOptions{MinScore: 0.05, MaxDetections: 2})
	if err != nil {
		t.Fatal(err)
	}
	if fd := fds[1]; fd.Index != 7 || fd.Time != 3*time.Second || fd.Width != 128 || fd.Height != 128 || !slices.Equal(fd.Objects, want[1][:2]) {
		t.Errorf("DetectFrames[1] = %+v", fd)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Detect(cancelled, frames); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := d.DetectWith(ctx, frames, DetectOptions{MinScore: 2}); err == nil {
		t.Error("min score 2: no error")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Detect(ctx, frames); err == nil {
		t.Error("Detect after Close: no error")
	}
}

// TestCenterNetSpecMismatch: specs that do not fit the network are refused
// at NewDetector, naming the model file and what is wrong.
func TestCenterNetSpecMismatch(t *testing.T) {
	base := centerNetSpec(t, 128)
	for _, tc := range []struct {
		name string
		edit func(*DetectorSpec)
		want string
	}{
		{"79 labels", func(d *DetectorSpec) { d.Labels = d.Labels[:79] }, "tower_0/keypoints has 80 classes, but model spec"},
		{"missing layer", func(d *DetectorSpec) { d.Extents = "tower_0/box" }, `no layer "tower_0/box" (the extents of model spec`},
		{"swapped", func(d *DetectorSpec) { d.Heatmap, d.Extents = d.Extents, d.Heatmap; d.Labels = d.Labels[:4] },
			"extents tower_0/keypoints has 80 channels, want 4"},
		{"stride", func(d *DetectorSpec) { d.Stride = 8 }, "not stride 8"},
	} {
		spec := base
		det := *base.Detector
		tc.edit(&det)
		spec.Detector = &det
		_, err := NewDetector(spec, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), spec.modelName()) {
			t.Errorf("%s: error %v, want one naming %s and saying %q", tc.name, err, spec.modelName(), tc.want)
		}
	}
}
