//go:build matprofile

package vision

import (
	"context"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"captioner/media"
)

// TestMatProfileNoLeaks runs a thousand frames, most of them of another size
// than the network's input (so every resize path runs), through two workers
// and checks with gocv's MatProfile that every Mat was closed. Run with
//
//	go test -count=1 -tags matprofile -run MatProfile ./vision
func TestMatProfileNoLeaks(t *testing.T) {
	before := gocv.MatProfile.Count()
	sizes := [][2]int{{224, 224}, {320, 240}, {160, 200}}
	base := make([]media.Frame, len(sizes))
	for i, s := range sizes {
		base[i] = shapesFrames(t, 1, s[0], s[1])[0]
	}
	spec, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const total = 1000
	for _, fit := range []string{"stretch", "crop", "letterbox"} {
		spec.Input.Fit = fit
		e, err := New(spec, Options{Workers: 2, BatchSize: 8})
		if err != nil {
			t.Fatal(err)
		}
		n := total / 3
		if fit == "stretch" {
			n = total - 2*(total/3)
		}
		for done := 0; done < n; {
			batch := make([]media.Frame, min(37, n-done)) // not a multiple of the batch size
			for i := range batch {
				batch[i] = base[(done+i)%len(base)]
			}
			if _, err := e.Features(ctx, batch); err != nil {
				t.Fatal(err)
			}
			done += len(batch)
		}
		e.Close()
	}
	if after := gocv.MatProfile.Count(); after != before {
		var b strings.Builder
		gocv.MatProfile.WriteTo(&b, 1)
		t.Errorf("%d Mats leaked over %d frames; profile:\n%s", after-before, total, b.String())
	}
}
