package describe

import (
	"math/rand/v2"
	"slices"
)

// win is a training window: a span of a video's input rows and its
// description.
type win struct {
	rows [][]float32
	text string
}

// windows draws up to perVideo windows of each video: the whole video
// when it has at most maxEvents events (a short clip is described whole),
// then, at random, spans of 1 to maxEvents consecutive events and spans
// of still stretches. A span's edges fall where chapters are cut at run
// time (the video's ends, the middle of the still stretch beside it, or
// an event boundary) or anywhere in that stretch, and half the time a
// step off, so that the model tolerates cuts a step early or late.
func windows(m *Model, vids []video, perVideo int, rng *rand.Rand) []win {
	maxEvents, still := m.Config.MaxEvents, m.Config.Still
	var out []win
	type cand struct{ i, n int } // events [i, i+n); n 0: still run i
	var cands []cand
	for vi := range vids {
		v := &vids[vi]
		T := len(v.rows)
		var ev []int
		for i, r := range v.runs {
			if r.Event {
				ev = append(ev, i)
			}
		}
		texts := func(i, n int) string {
			var ts []string
			for _, k := range ev[i : i+n] {
				ts = append(ts, v.runs[k].Text)
			}
			return joinEvents(ts, "")
		}
		k := perVideo
		if len(ev) <= maxEvents {
			out = append(out, win{v.span(m, 0, T), still})
			if len(ev) > 0 {
				out[len(out)-1].text = texts(0, len(ev))
			}
			k--
		}
		cands = cands[:0]
		for i := range ev {
			for n := 1; n <= maxEvents && i+n <= len(ev); n++ {
				cands = append(cands, cand{i, n})
			}
		}
		for i, r := range v.runs {
			if !r.Event && r.To-r.From >= 4 {
				cands = append(cands, cand{i, 0})
			}
		}
		rng.Shuffle(len(cands), func(a, b int) { cands[a], cands[b] = cands[b], cands[a] })
		for _, c := range cands[:min(k, len(cands))] {
			if c.n == 0 {
				r := v.runs[c.i]
				from := r.From + rng.IntN(r.To-r.From-2)
				to := from + 3 + rng.IntN(r.To-from-2)
				out = append(out, win{v.span(m, from, to), still})
				continue
			}
			first, last := v.runs[ev[c.i]], v.runs[ev[c.i+c.n-1]]
			lo, hi := 0, first.From
			if c.i > 0 {
				lo = v.runs[ev[c.i-1]].To
			}
			from := edge(rng, lo, hi, c.i == 0)
			lo, hi = last.To, T
			if c.i+c.n < len(ev) {
				hi = v.runs[ev[c.i+c.n]].From
			}
			to := edge(rng, lo, hi, c.i+c.n == len(ev))
			from = min(max(from, 0), first.To-1)
			to = max(min(to, T), last.From+1, from+2)
			out = append(out, win{v.span(m, from, min(to, T)), texts(c.i, c.n)})
		}
	}
	return out
}

// edge draws a window edge in the still stretch [lo, hi] (lo == hi: an
// event boundary): the video's end when the stretch reaches it (end),
// its middle, or anywhere in it, then a step either way half the time.
func edge(rng *rand.Rand, lo, hi int, end bool) int {
	var e int
	switch r := rng.Float64(); {
	case end && r < 0.4:
		if lo == 0 {
			e = 0
		} else {
			e = hi
		}
		return e
	case r < 0.7:
		e = (lo + hi) / 2
	default:
		e = lo + rng.IntN(hi-lo+1)
	}
	if rng.IntN(2) == 0 {
		e += rng.IntN(3) - 1
	}
	return e
}

// batches shuffles windows into batches of b, each of windows of
// similar lengths (sorted within groups of 16 batches) so that little of
// a batch is padding.
func batches(ws []win, b int, rng *rand.Rand) [][]win {
	rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
	var out [][]win
	for lo := 0; lo < len(ws); lo += 16 * b {
		g := ws[lo:min(lo+16*b, len(ws))]
		slices.SortStableFunc(g, func(x, y win) int { return len(x.rows) - len(y.rows) })
		for i := 0; i < len(g); i += b {
			out = append(out, g[i:min(i+b, len(g))])
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// layout lays a batch out time-major for the encoder, each window's rows
// backwards (see Model): x (T,B,D), zero past each window's length.
func layout(x []float32, ws []win, D int) ([]float32, int, []int) {
	T := 0
	for _, w := range ws {
		T = max(T, len(w.rows))
	}
	B := len(ws)
	if cap(x) < T*B*D {
		x = make([]float32, T*B*D)
	}
	x = x[:T*B*D]
	clear(x)
	lengths := make([]int, B)
	for b, w := range ws {
		lengths[b] = len(w.rows)
		n := len(w.rows)
		for t, r := range w.rows {
			copy(x[((n-1-t)*B+b)*D:((n-1-t)*B+b+1)*D], r) // read backwards
		}
	}
	return x, T, lengths
}
