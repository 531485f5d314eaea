package vision

import (
	"context"
	"slices"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"captioner/internal/realmedia"
	"captioner/media"
)

// The detector benchmarks compare OpenCV's bare forward pass of the
// CenterNet ONNX (the embedded default, or $CAPTIONER_CENTERNET_ONNX) with
// Detector.Detect on the same 512x512 frame, darknet's dog photo, in the
// same run (issue 12: decoding may add at most 5 %):
//
//	go test -run XXX -bench CenterNet -benchtime 20x -count 3 ./vision

// BenchmarkCenterNetBare512 is gocv's own Net: a ready blob, SetInput,
// ForwardLayers of the heat map and extents, Close of the outputs.
func BenchmarkCenterNetBare512(b *testing.B) {
	run, closeAll := newBareCenterNet(b, 512)
	defer closeAll()
	run()
	b.ResetTimer()
	for range b.N {
		run()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}

// BenchmarkCenterNetDetect512 is Detector.Detect on the frame: blob
// filling, forward pass, copying the outputs, peaks, boxes, suppression.
func BenchmarkCenterNetDetect512(b *testing.B) {
	d, frames := newCenterNetDetector(b, 512)
	defer d.Close()
	ctx := context.Background()
	if _, err := d.Detect(ctx, frames); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := d.Detect(ctx, frames); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}

// BenchmarkCenterNetDecode512 is the decoding alone (peaks, boxes,
// suppression) of the frame's outputs, and the feature vector alone.
func BenchmarkCenterNetDecode512(b *testing.B)   { centerNetDecodeBench(b, false) }
func BenchmarkCenterNetFeatures512(b *testing.B) { centerNetDecodeBench(b, true) }

// BenchmarkCenterNetOverhead512 alternates the bare pass and Detect, frame
// by frame, so that a busy machine slows both alike, and reports each one's
// time per frame and Detect's overhead over the bare pass: the median of
// the frame pairs' ratios (a burst of load on one pair moves it little) and
// the ratio of the totals.
func BenchmarkCenterNetOverhead512(b *testing.B) {
	bare, closeBare := newBareCenterNet(b, 512)
	defer closeBare()
	d, frames := newCenterNetDetector(b, 512)
	defer d.Close()
	ctx := context.Background()
	bare()
	if _, err := d.Detect(ctx, frames); err != nil {
		b.Fatal(err)
	}
	var tBare, tOurs time.Duration
	ratios := make([]float64, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		bare()
		t1 := time.Now()
		if _, err := d.Detect(ctx, frames); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		tBare += t1.Sub(t0)
		tOurs += t2.Sub(t1)
		ratios = append(ratios, float64(t2.Sub(t1))/float64(t1.Sub(t0)))
	}
	slices.Sort(ratios)
	n := float64(b.N)
	b.ReportMetric(float64(tBare.Microseconds())/1000/n, "bare-ms/frame")
	b.ReportMetric(float64(tOurs.Microseconds())/1000/n, "ours-ms/frame")
	b.ReportMetric(100*(float64(tOurs)/float64(tBare)-1), "overhead-%")
	b.ReportMetric(100*(ratios[len(ratios)/2]-1), "median-overhead-%")
}

// dogFrame is darknet's dog photo brought to size x size.
func dogFrame(b testing.TB, size int) media.Frame {
	b.Helper()
	f, err := media.LoadImage(context.Background(), realmedia.Path(b, "dog.jpg"), media.ImageOptions{Width: size, Height: size})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func newCenterNetDetector(b *testing.B, size int) (*Detector, []media.Frame) {
	d, err := NewDetector(centerNetSpec(b, size), Options{})
	if err != nil {
		b.Fatal(err)
	}
	return d, []media.Frame{dogFrame(b, size)}
}

// newBareCenterNet loads the CenterNet with gocv's own ReadNetFromONNXBytes,
// makes a blob of the dog frame with BlobFromImage (RGB, 0..255) and returns
// a function that runs one forward pass to the heat map and extents.
func newBareCenterNet(b *testing.B, size int) (run func(), closeAll func()) {
	spec := centerNetSpec(b, size)
	model, _, err := spec.readFiles()
	if err != nil {
		b.Fatal(err)
	}
	SetThreads(0)
	net, err := gocv.ReadNetFromONNXBytes(model)
	if err != nil {
		b.Fatal(err)
	}
	f := dogFrame(b, size)
	m, err := gocv.NewMatFromBytes(f.Height, f.Width, gocv.MatTypeCV8UC3, f.Pix)
	if err != nil {
		b.Fatal(err)
	}
	blob := gocv.BlobFromImage(m, 1, spec.Input.Size(), gocv.NewScalar(0, 0, 0, 0), false, false)
	layers := []string{spec.Detector.Heatmap, spec.Detector.Extents}
	run = func() {
		net.SetInput(blob, "")
		for _, o := range net.ForwardLayers(layers) {
			o.Close()
		}
	}
	closeAll = func() {
		blob.Close()
		m.Close()
		net.Close()
	}
	return run, closeAll
}

func centerNetDecodeBench(b *testing.B, features bool) {
	d, frames := newCenterNetDetector(b, 512)
	defer d.Close()
	w := rawWorker(b, d)
	defer w.close()
	shapes, err := w.forward(frames)
	if err != nil {
		b.Fatal(err)
	}
	hw := shapes[0][1] * shapes[0][2] * shapes[0][3]
	outs := [][]float32{w.outBuf[:hw], w.outBuf[hw:]}
	t := d.det.resolve(DetectOptions{})
	feats := make([]float32, d.Dim())
	var cands []candidate
	var dets []Detection
	b.ResetTimer()
	for range b.N {
		if features {
			d.dec.features(feats, outs)
		} else {
			dets, cands = d.detections(outs, t, 512, 512, cands[:0])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
	if !features && len(dets) == 0 {
		b.Fatal("nothing detected on the dog photo")
	}
}
