package subtitle

import (
	"fmt"
	"math"
	"time"
)

// T = steps (sampled frames), L = labels.

// Smooth picks one label per step from per-step probabilities, probs (T, L),
// maximising
//
//	sum_t log p_t(label_t) - penalty * #{t : label_t != label_(t-1)}
//
// by dynamic programming (Viterbi). A penalty of 0 is the per-step argmax; a
// larger one removes flicker: a run of k steps survives only if it gains more
// than 2*penalty in log-probability over the labels around it. Ties go to the
// lower label id. It panics if rows differ in length.
func Smooth(probs [][]float32, penalty float64) []int {
	T := len(probs)
	if T == 0 {
		return nil
	}
	L := len(probs[0])
	score := make([]float64, L) // best score of a path ending in label l at step t
	next := make([]float64, L)
	back := make([][]int32, T) // back[t][l]: label at t-1 on the best path to l at t
	for l := 0; l < L; l++ {
		score[l] = logp(probs[0][l])
	}
	for t := 1; t < T; t++ {
		if len(probs[t]) != L {
			panic(fmt.Sprintf("subtitle: Smooth: step %d has %d labels, want %d", t, len(probs[t]), L))
		}
		best, bestL := math.Inf(-1), 0 // best previous score, for a switch
		for l, s := range score {
			if s > best {
				best, bestL = s, l
			}
		}
		back[t] = make([]int32, L)
		for l := 0; l < L; l++ {
			stay, sw := score[l], best-penalty
			if stay >= sw {
				next[l], back[t][l] = stay, int32(l)
			} else {
				next[l], back[t][l] = sw, int32(bestL)
			}
			next[l] += logp(probs[t][l])
		}
		score, next = next, score
	}
	last, best := 0, math.Inf(-1)
	for l, s := range score {
		if s > best {
			best, last = s, l
		}
	}
	out := make([]int, T)
	out[T-1] = last
	for t := T - 1; t > 0; t-- {
		out[t-1] = int(back[t][out[t]])
	}
	return out
}

// logp is log(p) with p floored, so that a zero probability is very unlikely
// rather than impossible.
func logp(p float32) float64 {
	return math.Log(math.Max(float64(p), 1e-12))
}

// Segment is a run of steps with one label.
type Segment struct {
	Start, End time.Duration
	Label      int
	// Confidence is the mean probability the labeller gave Label over the
	// segment's steps, in [0, 1].
	Confidence float64
}

// Segments groups consecutive equal labels into segments on the timeline of
// a video of the given duration. times[t] is the presentation time of step t
// (increasing). A boundary between two segments lies midway between the last
// step of one and the first of the next; the first segment starts at 0 and
// the last ends at duration. probs (T, L) gives the confidences.
func Segments(times []time.Duration, labels []int, probs [][]float32, duration time.Duration) []Segment {
	if len(times) != len(labels) || len(probs) != len(labels) {
		panic(fmt.Sprintf("subtitle: Segments: %d times, %d labels, %d prob rows", len(times), len(labels), len(probs)))
	}
	var segs []Segment
	sum, n := 0.0, 0
	for t, l := range labels {
		if t == 0 || l != labels[t-1] {
			if t > 0 {
				mid := (times[t-1] + times[t]) / 2
				segs[len(segs)-1].End = mid
				segs[len(segs)-1].Confidence = sum / float64(n)
			}
			start := time.Duration(0)
			if t > 0 {
				start = segs[len(segs)-1].End
			}
			segs = append(segs, Segment{Start: start, Label: l})
			sum, n = 0, 0
		}
		sum += float64(probs[t][l])
		n++
	}
	if len(segs) > 0 {
		last := &segs[len(segs)-1]
		last.End = max(duration, last.Start)
		last.Confidence = sum / float64(n)
	}
	return segs
}
