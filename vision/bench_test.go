package vision

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"captioner/media"
)

// The benchmarks compare captioner's feature extraction with the bare OpenCV
// dnn forward pass of the same network on the same batch size, in the same
// run (see BENCHMARKS.md):
//
//	go test -run XXX -bench . -benchtime 40x -count 3 ./vision
//
// Each reports frames/s; the bare pass is the floor for ours.

// BenchmarkBareForward8 is gocv's own Net: a ready blob of 8 frames,
// SetInput, ForwardLayers of the default spec's layers, Close of the outputs.
func BenchmarkBareForward8(b *testing.B) { bareForwardBench(b, 8) }

// BenchmarkFeatures8 is Extractor.Features on 8 frames at the input size
// (224x224, as media delivers them): blob filling, forward pass, copying
// and pooling of the outputs.
func BenchmarkFeatures8(b *testing.B) { featuresBench(b, 8, 224, 224) }

// BenchmarkFeatures8Resize is the same with 320x240 frames, resized first.
func BenchmarkFeatures8Resize(b *testing.B) { featuresBench(b, 8, 320, 240) }

// BenchmarkOverhead8 alternates the two, batch by batch, so that a busy
// machine slows both alike, and reports each one's time per frame and
// captioner's overhead over the bare forward pass.
func BenchmarkOverhead8(b *testing.B) {
	const n = 8
	bare, closeBare := newBareForward(b, n)
	defer closeBare()
	e, err := NewDefault(Options{BatchSize: n})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	frames := shapesFrames(b, n, 224, 224)
	ctx := context.Background()
	bare()
	if _, err := e.Features(ctx, frames); err != nil {
		b.Fatal(err)
	}
	var tBare, tOurs time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		bare()
		t1 := time.Now()
		if _, err := e.Features(ctx, frames); err != nil {
			b.Fatal(err)
		}
		tBare += t1.Sub(t0)
		tOurs += time.Since(t1)
	}
	frames64 := float64(b.N * n)
	b.ReportMetric(float64(tBare.Microseconds())/1000/frames64, "bare-ms/frame")
	b.ReportMetric(float64(tOurs.Microseconds())/1000/frames64, "ours-ms/frame")
	b.ReportMetric(100*(float64(tOurs)/float64(tBare)-1), "overhead-%")
}

func bareForwardBench(b *testing.B, n int) {
	run, closeAll := newBareForward(b, n)
	defer closeAll()
	run() // the first pass allocates
	b.ResetTimer()
	for range b.N {
		run()
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "frames/s")
}

// newBareForward loads the default network with gocv's own ReadNetFromONNXBytes,
// makes a blob of n frames with BlobFromImages and returns a function that
// runs one forward pass to the default spec's output layers.
func newBareForward(b *testing.B, n int) (run func(), closeAll func()) {
	spec, err := DefaultSpec()
	if err != nil {
		b.Fatal(err)
	}
	SetThreads(0)
	net, err := gocv.ReadNetFromONNXBytes(spec.ModelData)
	if err != nil {
		b.Fatal(err)
	}
	frames := shapesFrames(b, n, 224, 224)
	mats := make([]gocv.Mat, n)
	for i, f := range frames {
		m, err := gocv.NewMatFromBytes(f.Height, f.Width, gocv.MatTypeCV8UC3, f.Pix)
		if err != nil {
			b.Fatal(err)
		}
		mats[i] = m
	}
	blob := gocv.NewMat()
	gocv.BlobFromImages(mats, &blob, 1.0/255, spec.Input.Size(), gocv.NewScalar(0, 0, 0, 0), false, false, gocv.MatTypeCV32F)
	var layers []string
	for _, o := range spec.Outputs {
		if !slices.Contains(layers, o.Layer) {
			layers = append(layers, o.Layer)
		}
	}
	run = func() {
		net.SetInput(blob, "")
		for _, m := range net.ForwardLayers(layers) {
			m.Close()
		}
	}
	closeAll = func() {
		blob.Close()
		for _, m := range mats {
			m.Close()
		}
		net.Close()
	}
	return run, closeAll
}

func featuresBench(b *testing.B, n, w, h int) {
	e, err := NewDefault(Options{BatchSize: n})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	frames := shapesFrames(b, n, w, h)
	ctx := context.Background()
	if _, err := e.Features(ctx, frames); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := e.Features(ctx, frames); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkFiles8 adds decoding: 8 PNG files (320x240, as `captioner synth`
// writes them) loaded and resized by media.LoadImage, then Features.
func BenchmarkFiles8(b *testing.B) {
	const n = 8
	dir := b.TempDir()
	var paths []string
	for i, f := range shapesFrames(b, n, 320, 240) {
		p := filepath.Join(dir, fmt.Sprintf("%d.png", i))
		w, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := png.Encode(w, f.Image()); err != nil {
			b.Fatal(err)
		}
		w.Close()
		paths = append(paths, p)
	}
	e, err := NewDefault(Options{BatchSize: n})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	in := e.Spec().Input
	b.ResetTimer()
	for range b.N {
		frames := make([]media.Frame, n)
		for i, p := range paths {
			if frames[i], err = media.LoadImage(ctx, p, media.ImageOptions{Width: in.Width, Height: in.Height}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := e.Features(ctx, frames); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "frames/s")
}
