package subtitle

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// onehot makes probabilities that put p on each step's label and share the
// rest evenly among L labels.
func onehot(labels []int, L int, p float32) [][]float32 {
	out := make([][]float32, len(labels))
	for t, l := range labels {
		row := make([]float32, L)
		for k := range row {
			row[k] = (1 - p) / float32(L-1)
		}
		row[l] = p
		out[t] = row
	}
	return out
}

func TestSmooth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		labels  []int
		p       float32
		penalty float64
		want    []int
	}{
		{"argmax at penalty 0", []int{0, 1, 0, 2, 2}, 0.6, 0, []int{0, 1, 0, 2, 2}},
		{"one-step flicker removed", []int{0, 0, 0, 1, 0, 0, 0}, 0.6, 3, []int{0, 0, 0, 0, 0, 0, 0}},
		{"long runs kept", []int{0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0}, 0.6, 2, []int{0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0}},
		{"short run at the end dropped", []int{0, 0, 0, 1, 1}, 0.6, 3, []int{0, 0, 0, 0, 0}},
		{"empty", nil, 0.6, 3, nil},
	} {
		got := Smooth(onehot(tc.labels, 3, tc.p), tc.penalty)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	// A tie between two labels goes to the lower id.
	if got := Smooth([][]float32{{0.5, 0.5}, {0.5, 0.5}}, 1); !slices.Equal(got, []int{0, 0}) {
		t.Errorf("tie: got %v, want [0 0]", got)
	}
}

// Smooth finds the best path: no random path scores higher.
func TestSmoothIsOptimal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 0))
	const T, L, penalty = 8, 3, 1.5
	for trial := 0; trial < 50; trial++ {
		probs := make([][]float32, T)
		for i := range probs {
			probs[i] = make([]float32, L)
			sum := float32(0)
			for k := range probs[i] {
				probs[i][k] = r.Float32() + 0.01
				sum += probs[i][k]
			}
			for k := range probs[i] {
				probs[i][k] /= sum
			}
		}
		best := pathScore(probs, Smooth(probs, penalty), penalty)
		for k := 0; k < 200; k++ {
			path := make([]int, T)
			for i := range path {
				path[i] = r.IntN(L)
			}
			if s := pathScore(probs, path, penalty); s > best+1e-9 {
				t.Fatalf("trial %d: path %v scores %g, more than Smooth's %g", trial, path, s, best)
			}
		}
	}
}

func pathScore(probs [][]float32, path []int, penalty float64) float64 {
	s := 0.0
	for t, l := range path {
		s += logp(probs[t][l])
		if t > 0 && l != path[t-1] {
			s -= penalty
		}
	}
	return s
}

func TestSegments(t *testing.T) {
	times := []time.Duration{125, 375, 625, 875, 1125}
	for i := range times {
		times[i] *= time.Millisecond
	}
	labels := []int{0, 0, 1, 1, 1}
	probs := onehot(labels, 2, 0.8)
	probs[0][0] = 0.6
	segs := Segments(times, labels, probs, 1300*time.Millisecond)
	want := []Segment{
		{Start: 0, End: 500 * time.Millisecond, Label: 0, Confidence: 0.7},
		{Start: 500 * time.Millisecond, End: 1300 * time.Millisecond, Label: 1, Confidence: 0.8},
	}
	if len(segs) != len(want) {
		t.Fatalf("got %+v, want %+v", segs, want)
	}
	for i := range want {
		g, w := segs[i], want[i]
		if g.Start != w.Start || g.End != w.End || g.Label != w.Label || abs(g.Confidence-w.Confidence) > 1e-6 {
			t.Errorf("segment %d: got %+v, want %+v", i, g, w)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
