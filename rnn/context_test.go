package rnn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The context decoder's gradients (of its weights, the context and the
// initial state) agree with finite differences, padding included.
func TestContextDecoderGradients(t *testing.T) {
	const V, E, K, H, B = 6, 3, 2, 4, 2
	rng := rand.New(rand.NewPCG(21, 22))
	d := NewContextDecoder(NativeBLAS(), V, E, K, H, rng)
	ids := []int{1, 4, 2, 0, 5, -1} // (T=3, B=2), the second sequence two steps long
	lengths := []int{3, 2}
	targets := []int{2, 3, 0, 1, 4, -1}
	ctx := randSlice(rng, B*K)
	h0, c0 := randSlice(rng, B*H), randSlice(rng, B*H)
	loss := func() float64 {
		logits := d.ForwardContext(ctx, ids, B, lengths, [][]float32{h0, c0})
		l, _ := SoftmaxCrossEntropy(logits, len(ids), V, targets, nil)
		return l
	}
	for _, p := range d.Params() {
		clear(p.G)
	}
	logits := d.ForwardContext(ctx, ids, B, lengths, [][]float32{h0, c0})
	SoftmaxCrossEntropy(logits, len(ids), V, targets, logits)
	dctx, ds0 := d.BackwardContext(logits, nil)
	dctx = slices.Clone(dctx)
	dh0, dc0 := slices.Clone(ds0[0]), slices.Clone(ds0[1])
	var res fdResult
	for _, p := range d.Params() {
		fdCheck(t, p.Name, loss, p.W, p.G, &res)
	}
	fdCheck(t, "ctx", loss, ctx, dctx, &res)
	fdCheck(t, "h0", loss, h0, dh0, &res)
	fdCheck(t, "c0", loss, c0, dc0, &res)
	t.Logf("context decoder: largest diff %.2e at %s", res.maxAbs, res.where)
	if dot64(dctx, dctx) == 0 {
		t.Errorf("the context got no gradient")
	}
}

// A bound decoder steps exactly as the context decoder does with the
// context at every step: greedy decoding through it gives the tokens, and
// the logits, of teacher forcing the context decoder on those tokens.
func TestBinderMatchesContextDecoder(t *testing.T) {
	const V, E, K, H, L = 7, 5, 3, 8, 6
	rng := rand.New(rand.NewPCG(31, 32))
	d := NewContextDecoder(NativeBLAS(), V, E, K, H, rng)
	binder := NewBinder(d)
	for trial := range 3 {
		ctx := randSlice(rng, K)
		h0, c0 := randSlice(rng, H), randSlice(rng, H)
		s := NewSearcher(binder.Bind(ctx), DecodeOptions{MaxLen: L, Start: 0, EOS: -1, Beam: 1})
		s.BLAS = NativeBLAS()
		toks := s.Greedy(nil, [][]float32{h0, c0}, nil)
		if len(toks) != L {
			t.Fatalf("trial %d: %d tokens, want %d", trial, len(toks), L)
		}
		// Teacher forcing on Start then the tokens but the last gives the
		// logits each greedy step chose from.
		ids := append([]int{0}, toks[:L-1]...)
		logits := d.ForwardContext(ctx, ids, 1, []int{L}, [][]float32{h0, c0})
		for step, tok := range toks {
			row := logits[step*V : (step+1)*V]
			best := 0
			for v := range row {
				if row[v] > row[best] {
					best = v
				}
			}
			if best != tok {
				t.Errorf("trial %d step %d: greedy token %d, teacher forcing's best %d", trial, step, tok, best)
			}
		}
		// The bound decoder's one step equals the context decoder's.
		bound := binder.Bind(ctx)
		h, c := slices.Clone(h0), slices.Clone(c0)
		bound.Cell.Step(NativeBLAS(), bound.Embed.Row(0), h, c, 1, make([]float32, 5*H))
		d.ForwardContext(ctx, []int{0}, 1, []int{1}, [][]float32{h0, c0})
		fh := d.Cell.FinalState()[0]
		for j := range H {
			if math.Abs(float64(h[j]-fh[j])) > 1e-5 {
				t.Fatalf("trial %d: bound step h[%d] = %g, context decoder's %g", trial, j, h[j], fh[j])
			}
		}
	}
}

// Precomputed input products decode as the plain steps do: the same
// tokens and, to float32 rounding, the same log-probabilities, greedy and
// beam, from a start token or a prefix vector, and through a Binder.
func TestPrecomputedInputsDecodeAlike(t *testing.T) {
	const V, E, K, H, L = 9, 6, 3, 16, 8
	rng := rand.New(rand.NewPCG(41, 42))
	plain := NewDecoder(NativeBLAS(), V, E, H, rng)
	withCtx := NewContextDecoder(NativeBLAS(), V, E, K, H, rng)
	binder := NewBinder(withCtx)
	for trial := range 12 {
		d := plain
		if trial%2 == 1 {
			d = binder.Bind(randSlice(rng, K))
		}
		var prefix []float32
		if trial%3 == 2 {
			prefix = randSlice(rng, E)
		}
		s0 := [][]float32{randSlice(rng, H), randSlice(rng, H)}
		eos := -1 // every hypothesis L tokens long, or ended by token 1
		if trial%4 == 3 {
			eos = 1
		}
		opts := DecodeOptions{MaxLen: L, Start: 0, EOS: eos, Beam: 3, LengthAlpha: 1, RepetitionPenalty: 0.3}
		a, b := NewSearcher(d, opts), NewSearcher(d, opts)
		b.PrecomputeInputs()
		ha, hb := a.Beam(prefix, s0), b.Beam(prefix, s0)
		if len(ha) != len(hb) {
			t.Fatalf("trial %d: %d and %d hypotheses", trial, len(ha), len(hb))
		}
		for i := range ha {
			if !slices.Equal(ha[i].Tokens, hb[i].Tokens) || math.Abs(ha[i].LogProb-hb[i].LogProb) > 1e-4 {
				t.Errorf("trial %d, hypothesis %d: plain %v (%.6f), precomputed %v (%.6f)", trial, i, ha[i].Tokens, ha[i].LogProb, hb[i].Tokens, hb[i].LogProb)
			}
		}
		ga, gb := a.Greedy(prefix, s0, nil), b.Greedy(prefix, s0, nil)
		if !slices.Equal(ga, gb) {
			t.Errorf("trial %d: greedy plain %v, precomputed %v", trial, ga, gb)
		}
		if eos < 0 && len(ha[0].Tokens) != L {
			t.Errorf("trial %d: best hypothesis %v, want %d tokens", trial, ha[0].Tokens, L)
		}
	}
}
