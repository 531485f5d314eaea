package objects

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestGeneratorDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b := NewGenerator(7, SynthOptions{}), NewGenerator(7, SynthOptions{})
	// Drawn in another order, the same index gives the same draw.
	for _, i := range []int{3, 0, 11} {
		if pa, pb := a.Photo(i), b.Photo(i); !reflect.DeepEqual(pa, pb) {
			t.Errorf("photo %d differs between two generators of seed 7", i)
		}
	}
	va, err := a.Video(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	b.Video(ctx, 4)
	vb, _ := b.Video(ctx, 5)
	if !reflect.DeepEqual(va, vb) {
		t.Error("video 5 differs between two generators of seed 7")
	}
	if c := NewGenerator(8, SynthOptions{}).Photo(3); reflect.DeepEqual(c, a.Photo(3)) {
		t.Error("seeds 7 and 8 give the same photo 3")
	}
}

func inFrame(b Box) bool {
	return 0 <= b.X0 && b.X0 <= b.X1 && b.X1 <= 1 && 0 <= b.Y0 && b.Y0 <= b.Y1 && b.Y1 <= 1
}

func TestGeneratorRanges(t *testing.T) {
	g := NewGenerator(1, SynthOptions{})
	known := map[string]bool{}
	for _, c := range cocoClasses {
		known[c] = true
	}
	empty := 0
	for i := range 2000 {
		p := g.Photo(i)
		if n := len(p.Truth.Objects); n > 8 {
			t.Fatalf("photo %d: %d objects, want at most 8", i, n)
		} else if n == 0 {
			empty++
		}
		for _, o := range p.Truth.Objects {
			if !known[o.Class] || !inFrame(o.Box) || boxArea(o.Box) <= 0 {
				t.Fatalf("photo %d: object %+v", i, o)
			}
		}
		for _, d := range p.Dets {
			if !known[d.Class] || !inFrame(d.Box) || d.Score < 0.15 || d.Score > 1 {
				t.Fatalf("photo %d: detection %+v", i, d)
			}
		}
	}
	if empty < 50 || empty > 200 {
		t.Errorf("%d of 2000 photos empty, want about 100 (EmptyRate 0.05)", empty)
	}
	ctx := context.Background()
	for i := range 200 {
		v, err := g.Video(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(v.Steps); n < 8 || n > 40 {
			t.Fatalf("video %d: %d steps, want 8 to 40 (4 to 20 s at 2 a second)", i, n)
		}
		for k, st := range v.Steps {
			if want := (float64(k) + 0.5) / 2; st.Time != want {
				t.Fatalf("video %d step %d: time %v, want %v", i, k, st.Time, want)
			}
			if len(st.IDs) != len(st.Truth.Objects) {
				t.Fatalf("video %d step %d: %d ids for %d objects", i, k, len(st.IDs), len(st.Truth.Objects))
			}
			for j, id := range st.IDs {
				tr := v.Tracks[id]
				if k < tr.Start || k >= tr.End() || tr.Boxes[k-tr.Start] != st.Truth.Objects[j].Box || tr.Class != st.Truth.Objects[j].Class {
					t.Fatalf("video %d step %d: object %d (id %d) disagrees with its track %+v", i, k, j, id, tr)
				}
				if !inFrame(st.Truth.Objects[j].Box) {
					t.Fatalf("video %d step %d: box %+v out of the frame", i, k, st.Truth.Objects[j].Box)
				}
			}
			for _, e := range st.Events {
				tr := v.Tracks[e.ID]
				switch e.Kind {
				case evAppear:
					if tr.Start != k {
						t.Fatalf("video %d step %d: %s appears, track starts at %d", i, k, e.Class, tr.Start)
					}
				case evDisappear:
					if tr.End() != k {
						t.Fatalf("video %d step %d: %s disappears, track ends at %d", i, k, e.Class, tr.End())
					}
				case evMove:
					x0, y0 := boxCenter(tr.Boxes[k-1-tr.Start])
					x1, y1 := boxCenter(tr.Boxes[k-tr.Start])
					dx, dy := x1-x0, y1-y0
					ok := map[string]bool{dirLeft: dx < 0, dirRight: dx > 0, dirUp: dy < 0, dirDown: dy > 0}[e.Dir]
					// A box clipped at the edge may not show its move.
					if !ok && dx == 0 && dy == 0 {
						continue
					}
					if !ok {
						t.Fatalf("video %d step %d: %s moves %s, centre moved %.3f, %.3f", i, k, e.Class, e.Dir, dx, dy)
					}
				default:
					t.Fatalf("video %d step %d: event %+v", i, k, e)
				}
			}
		}
	}
}

func TestGeneratorCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewGenerator(1, SynthOptions{}).Video(ctx, 0); err == nil {
		t.Error("a cancelled context gave no error")
	}
}

// TestNoNoise: without noise, the detections are the true scene.
func TestNoNoise(t *testing.T) {
	g := NewGenerator(3, SynthOptions{NoNoise: true})
	same := func(what string, s Scene, ds []Detection) {
		t.Helper()
		if len(ds) != len(s.Objects) {
			t.Fatalf("%s: %d detections of %d objects", what, len(ds), len(s.Objects))
		}
		left := map[Object]int{}
		for _, o := range s.Objects {
			left[o]++
		}
		for _, d := range ds {
			if d.Score != 1 || left[d.Object] == 0 {
				t.Fatalf("%s: detection %+v is not one of the true objects", what, d)
			}
			left[d.Object]--
		}
	}
	for i := range 300 {
		p := g.Photo(i)
		same("photo", p.Truth, p.Dets)
	}
	for i := range 30 {
		v, err := g.Video(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range v.Steps {
			same("video step", st.Truth, st.Dets)
		}
	}
}

// within fails unless got is within 4 standard errors of want.
func within(t *testing.T, what string, got, want, se float64) {
	t.Helper()
	if math.Abs(got-want) > 4*se {
		t.Errorf("%s: %.4f, want %.4f ± %.4f (4 standard errors)", what, got, want, 4*se)
	}
}

// TestNoiseRates: the miss and false-positive rates of the noise model are
// its parameters, within sampling error.
func TestNoiseRates(t *testing.T) {
	n := Noise{MissStart: 0.2, GapContinue: 0.5, FreeFPs: 1.5, FPClasses: []Weighted{{"clock", 1}}, FPAreaMin: 0.001, FPAreaMax: 0.01}
	r := rand.New(rand.NewPCG(1, 2))
	s := Scene{Objects: []Object{{Class: "dog", Box: Box{0.1, 0.1, 0.5, 0.5}}}}
	const draws = 4000
	missed, fps := 0, 0
	for range draws {
		for _, d := range n.Photo(r, s) {
			if d.Class == "clock" {
				fps++
			}
		}
		if !slicesHas(n.Photo(r, s), "dog") {
			missed++
		}
	}
	p := 0.2 / (0.2 + 0.5)
	within(t, "photo miss rate", float64(missed)/draws, p, math.Sqrt(p*(1-p)/draws))
	within(t, "false positives a photo", float64(fps)/draws, 1.5, math.Sqrt(1.5/draws))

	// In a video: missed after a seen step with MissStart, a gap going on
	// with GapContinue.
	v := n.Video(rand.New(rand.NewPCG(3, 4)))
	prev := true
	starts, seen, cont, gaps := 0, 0, 0, 0
	for range draws {
		now := slicesHas(v.Step(s, []int{0}), "dog")
		if prev {
			seen++
			if !now {
				starts++
			}
		} else {
			gaps++
			if !now {
				cont++
			}
		}
		prev = now
	}
	within(t, "video miss start", float64(starts)/float64(seen), 0.2, math.Sqrt(0.2*0.8/float64(seen)))
	within(t, "video gap continue", float64(cont)/float64(gaps), 0.5, math.Sqrt(0.25/float64(gaps)))
}

func slicesHas(ds []Detection, class string) bool {
	for _, d := range ds {
		if d.Class == class {
			return true
		}
	}
	return false
}

// TestNoiseScores: scores follow the size classes' distributions and the
// threshold holds.
func TestNoiseScores(t *testing.T) {
	n := DefaultNoise()
	n.DupRate, n.PartRate, n.FreeFPs, n.MissStart = 0, 0, 0, 0
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		name string
		box  Box
		lo   float64 // want a mean score at least
		hi   float64 // and at most
	}{
		{"tiny", Box{0.5, 0.5, 0.52, 0.52}, 0.15, 0.22},
		{"small", Box{0.5, 0.5, 0.55, 0.6}, 0.3, 0.45},
		{"large", Box{0.1, 0.1, 0.6, 0.6}, 0.3, 0.45},
	} {
		sum, k := 0.0, 0
		for range 3000 {
			for _, d := range n.Photo(r, Scene{Objects: []Object{{Class: "cat", Box: c.box}}}) {
				if d.Score < n.MinScore {
					t.Fatalf("%s: score %.3f under the threshold", c.name, d.Score)
				}
				sum += d.Score
				k++
			}
		}
		if m := sum / float64(k); m < c.lo || m > c.hi {
			t.Errorf("%s: mean score %.3f, want %.2f to %.2f", c.name, m, c.lo, c.hi)
		}
	}
}
