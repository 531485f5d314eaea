package vision

import (
	"context"
	"slices"
	"testing"

	"gocv.io/x/gocv"
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

func bareForwardBench(b *testing.B, n int) {
	spec, err := DefaultSpec()
	if err != nil {
		b.Fatal(err)
	}
	SetThreads(0)
	net, err := gocv.ReadNetFromONNXBytes(spec.ModelData)
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	frames := shapesFrames(b, n, 224, 224)
	mats := make([]gocv.Mat, n)
	for i, f := range frames {
		m, err := gocv.NewMatFromBytes(f.Height, f.Width, gocv.MatTypeCV8UC3, f.Pix)
		if err != nil {
			b.Fatal(err)
		}
		mats[i] = m
		defer m.Close()
	}
	blob := gocv.NewMat()
	defer blob.Close()
	gocv.BlobFromImages(mats, &blob, 1.0/255, spec.Input.Size(), gocv.NewScalar(0, 0, 0, 0), false, false, gocv.MatTypeCV32F)
	var layers []string
	for _, o := range spec.Outputs {
		if !slices.Contains(layers, o.Layer) {
			layers = append(layers, o.Layer)
		}
	}
	run := func() {
		net.SetInput(blob, "")
		for _, m := range net.ForwardLayers(layers) {
			m.Close()
		}
	}
	run() // the first pass allocates
	b.ResetTimer()
	for range b.N {
		run()
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "frames/s")
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
