package vision

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"captioner/media"
	"captioner/world"
)

// shapesFrames returns n generated Shapes-world images of size w x h.
func shapesFrames(t testing.TB, n, w, h int) []media.Frame {
	t.Helper()
	frames := make([]media.Frame, n)
	for i := range frames {
		s, err := world.MakeImage(21, i, w, h)
		if err != nil {
			t.Fatal(err)
		}
		frames[i] = media.Frame{Index: i, Width: w, Height: h, Pix: s.Pix}
	}
	return frames
}

func newDefault(t testing.TB, opts Options) *Extractor {
	t.Helper()
	e, err := NewDefault(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestDefaultDim(t *testing.T) {
	e := newDefault(t, Options{})
	// block_12_add (96 channels) on a 3x3 grid; Conv1_relu (32) max on a
	// 3x3 grid, max and mean overall; then both on 7x7 grids.
	if got, want := e.Dim(), 96*9+32*9+32+32+96*49+32*49; got != want {
		t.Errorf("Dim() = %d, want %d", got, want)
	}
	if got, want := fmt.Sprint(e.Grids()), "[{0 96 3} {864 32 3} {1216 96 7} {5920 32 7}]"; got != want {
		t.Errorf("Grids() = %s, want %s", got, want)
	}
	f, err := e.Features(context.Background(), shapesFrames(t, 1, 224, 224))
	if err != nil {
		t.Fatal(err)
	}
	v := f[0]
	if len(v) != e.Dim() {
		t.Fatalf("vector of %d values, want %d", len(v), e.Dim())
	}
	// Conv1_relu is a ReLU6: per channel 0 <= mean <= max <= 6, each cell's
	// maximum (3x3 and 7x7) at most the overall one and the largest cell
	// maximum equal to it, and some channel responds somewhere.
	cells, maxes, means := v[864:864+288], v[864+288:864+288+32], v[864+288+32:1216]
	fine := v[1216+96*49:]
	var top float32
	for ch := range 32 {
		if !(0 <= means[ch] && means[ch] <= maxes[ch] && maxes[ch] <= 6) {
			t.Errorf("channel %d: mean %g, max %g, want 0 <= mean <= max <= 6", ch, means[ch], maxes[ch])
		}
		var best float32
		for _, c := range cells[ch*9 : ch*9+9] {
			best = max(best, c)
		}
		if best != maxes[ch] {
			t.Errorf("channel %d: largest cell maximum %g, overall maximum %g", ch, best, maxes[ch])
		}
		best = 0
		for _, c := range fine[ch*49 : ch*49+49] {
			best = max(best, c)
		}
		if best != maxes[ch] {
			t.Errorf("channel %d: largest 7x7 cell maximum %g, overall maximum %g", ch, best, maxes[ch])
		}
		top = max(top, maxes[ch])
	}
	if top < 1 {
		t.Errorf("largest Conv1_relu response %g, want at least 1", top)
	}
}

// TestGridHeadAsGrid checks that a grid head's (C, G, G) output read with
// pool "none" is its cells in vision's (C, G, G) order: the same values as
// grid pooling it with G cells of one position each.
func TestGridHeadAsGrid(t *testing.T) {
	spec, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	spec.Outputs = []OutputSpec{{Layer: "Conv1_relu/grid3_max", Pool: PoolNone},
		{Layer: "Conv1_relu/grid3_max", Pool: PoolGrid, Grid: 3},
		{Layer: "Conv1_relu/grid3_max", Pool: PoolGrid, Grid: 3, Stat: StatMax}}
	e, err := New(spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	f, err := e.Features(context.Background(), shapesFrames(t, 3, 224, 224))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range f {
		if len(v) != 3*288 || maxAbsDiff(v[:288], v[288:576]) != 0 || maxAbsDiff(v[:288], v[576:]) != 0 {
			t.Errorf("frame %d: %d values; none and grid pooling of the head differ", i, len(v))
		}
	}
}

// TestBatchingAndWorkers checks that batch size and worker count do not
// change the features.
func TestBatchingAndWorkers(t *testing.T) {
	frames := shapesFrames(t, 11, 224, 224)
	ctx := context.Background()
	one, err := newDefault(t, Options{BatchSize: 1}).Features(ctx, frames)
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{{BatchSize: 4}, {BatchSize: 8, Workers: 2}, {BatchSize: 16, Workers: 3, Threads: 1}} {
		got, err := newDefault(t, opts).Features(ctx, frames)
		if err != nil {
			t.Fatal(err)
		}
		for i := range frames {
			if d := maxAbsDiff(got[i], one[i]); d > 1e-4 {
				t.Errorf("%+v: frame %d differs from batch size 1 by %g", opts, i, d)
			}
		}
	}
	// Different images give different vectors.
	if d := maxAbsDiff(one[0], one[1]); d < 0.1 {
		t.Errorf("frames 0 and 1 differ by only %g", d)
	}
}

// TestResize checks that a frame of another size is stretched to the input
// size: the same picture at 448x448 gives nearly the same vector as at
// 224x224, and a wide frame is handled by every fit.
func TestResize(t *testing.T) {
	ctx := context.Background()
	small := shapesFrames(t, 1, 224, 224)[0]
	big := media.Frame{Width: 448, Height: 448, Pix: make([]byte, 448*448*3)}
	for y := range 448 {
		for x := range 448 {
			copy(big.Pix[(y*448+x)*3:][:3], small.Pix[((y/2)*224+x/2)*3:][:3])
		}
	}
	e := newDefault(t, Options{})
	f, err := e.Features(ctx, []media.Frame{small, big})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(f[0], f[1]); d > 1e-3 {
		t.Errorf("448x448 upscaled copy differs from the 224x224 original by %g", d)
	}
	wide := shapesFrames(t, 1, 320, 180)
	for _, fit := range []string{"stretch", "crop", "letterbox"} {
		spec, err := DefaultSpec()
		if err != nil {
			t.Fatal(err)
		}
		spec.Input.Fit = fit
		e, err := New(spec, Options{})
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.Features(ctx, wide)
		e.Close()
		if err != nil || len(v[0]) != e.Dim() {
			t.Errorf("fit %s: %v", fit, err)
		}
	}
}

func TestFeaturesErrors(t *testing.T) {
	e := newDefault(t, Options{})
	ctx := context.Background()
	if _, err := e.Features(ctx, []media.Frame{{Width: 10, Height: 10, Pix: make([]byte, 299)}}); err == nil || !strings.HasPrefix(err.Error(), "vision: frame 0:") {
		t.Errorf("short frame: error %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.Features(cancelled, shapesFrames(t, 20, 224, 224)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v, want context.Canceled", err)
	}
	if got, err := e.Features(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no frames: %v, %v", got, err)
	}
	e.Close()
	if _, err := e.Features(ctx, shapesFrames(t, 1, 224, 224)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("after Close: error %v", err)
	}
}

// TestLeadingOutputs: Options.Dim keeps the leading outputs, whose values
// are those of the whole vector, and refuses a length no outputs give.
func TestLeadingOutputs(t *testing.T) {
	full := newDefault(t, Options{})
	lead := 96 * 9 // block_12_add on a 3x3 grid, the first output
	part := newDefault(t, Options{Dim: lead})
	if part.Dim() != lead || len(part.Spec().Outputs) != 1 || len(full.Spec().Outputs) < 2 {
		t.Fatalf("Dim() = %d with %d outputs, want %d with 1 (of %d)", part.Dim(), len(part.Spec().Outputs), lead, len(full.Spec().Outputs))
	}
	frames := shapesFrames(t, 2, 224, 224)
	a, err := full.Features(context.Background(), frames)
	if err != nil {
		t.Fatal(err)
	}
	b, err := part.Features(context.Background(), frames)
	if err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		if len(b[i]) != lead || maxAbsDiff(a[i][:lead], b[i]) != 0 {
			t.Errorf("frame %d: leading values differ from the whole vector's", i)
		}
	}
	spec, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(spec, Options{Dim: lead + 1})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("no leading outputs give vectors of %d values", lead+1)) {
		t.Errorf("Dim %d: error %v, want one saying no leading outputs give it", lead+1, err)
	}
}
