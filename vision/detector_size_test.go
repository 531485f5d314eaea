package vision

import (
	"context"
	"os"
	"testing"
	"time"

	"captioner/internal/realmedia"
	"captioner/media"
)

// sizePhotos are the real photos the input-size table is measured on.
var sizePhotos = []string{
	"dog.jpg", "person.jpg", "horses.jpg", "giraffe.jpg", "eagle.jpg", "kite.jpg",
	"astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "messi5.jpg",
	"fruits.jpg", "basketball1.png", "home.jpg",
}

// sizeAgreement counts how many of ref's objects got has (same class, boxes
// overlapping by IoU 0.5 or more, each matched once) and how many of got's
// objects ref has.
func sizeAgreement(ref, got []Detection) (matched int) {
	used := make([]bool, len(got))
	for _, r := range ref {
		for j, g := range got {
			if !used[j] && g.ClassID == r.ClassID && g.Box.IoU(r.Box) >= 0.5 {
				used[j] = true
				matched++
				break
			}
		}
	}
	return matched
}

// TestDetectorInputSizes measures, for the embedded detector at input sizes
// from 512 down to 256, the time per frame and how much of what it finds at
// 512 it still finds (recall) and how much of what it finds is found at 512
// too (precision), on real photos: the table behind detect's defaults
// (vision/BENCHMARKS.md, "Input size"). It runs only with
// CAPTIONER_MEASURE=1, since it times things.
func TestDetectorInputSizes(t *testing.T) {
	if testing.Short() || !measuring() {
		t.Skip("set CAPTIONER_MEASURE=1 to measure")
	}
	spec, err := DefaultDetectorSpec()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var frames []media.Frame
	for _, name := range sizePhotos {
		fr, err := media.LoadImage(ctx, realmedia.Path(t, name), media.ImageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, fr)
	}
	run := func(size int) ([][]Detection, time.Duration) {
		s := spec
		s.Input.Width, s.Input.Height = size, size
		d, err := NewDetector(s, Options{BatchSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.Detect(ctx, frames[:1]); err != nil { // warm up
			t.Fatal(err)
		}
		best := time.Duration(1 << 62)
		var out [][]Detection
		for range 3 {
			start := time.Now()
			out, err = d.Detect(ctx, frames)
			if err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
		}
		return out, best / time.Duration(len(frames))
	}
	ref, refTime := run(512)
	t.Logf("| input | ms a frame | speed vs 512 | objects | recall of 512's | precision vs 512 |")
	t.Logf("| --- | --- | --- | --- | --- | --- |")
	for _, size := range []int{512, 448, 416, 384, 320, 256} {
		got, per := ref, refTime
		if size != 512 {
			got, per = run(size)
		}
		nRef, nGot, m := 0, 0, 0
		for i := range ref {
			nRef += len(ref[i])
			nGot += len(got[i])
			m += sizeAgreement(ref[i], got[i])
		}
		t.Logf("| %d | %.0f | %.2fx | %d | %.2f | %.2f |", size, float64(per)/1e6, float64(refTime)/float64(per), nGot,
			float64(m)/float64(max(nRef, 1)), float64(m)/float64(max(nGot, 1)))
	}
}

// measuring reports whether CAPTIONER_MEASURE asks for the measurements
// that time things.
func measuring() bool { return os.Getenv("CAPTIONER_MEASURE") == "1" }
