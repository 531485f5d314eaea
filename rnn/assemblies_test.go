package rnn

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAssemblyGradients checks each assembly's whole backward pass (teacher
// forcing, encoder state hand-over, last-step gather, per-step head) against
// finite differences of its own loss, with padded batches.
func TestAssemblyGradients(t *testing.T) {
	nb := NativeBLAS()
	cases := []struct {
		name  string
		build func(rng *rand.Rand) (Module, func() float64)
	}{
		{"OneToMany", func(rng *rand.Rand) (Module, func() float64) {
			m := NewOneToMany(nb, 3, 6, 4, 5, rng)
			feats := randSlice(rng, 2*3)
			caps := [][]int{{1, 2, 5}, {3, 5}}
			return m, func() float64 { return m.Loss(feats, caps) }
		}},
		{"EncoderDecoder", func(rng *rand.Rand) (Module, func() float64) {
			m := NewEncoderDecoder(nb, 3, 6, 4, 5, 0, rng)
			x := randSlice(rng, 3*2*3)
			caps := [][]int{{1, 2, 5}, {4, 5}}
			return m, func() float64 { return m.Loss(x, 3, 2, []int{3, 2}, caps) }
		}},
		{"ManyToOne/GRU", func(rng *rand.Rand) (Module, func() float64) {
			m := NewManyToOne(nb, NewGRU(nb, 3, 4, rng), 3, rng)
			x := randSlice(rng, 4*3*3)
			return m, func() float64 { return m.Loss(x, 4, 3, []int{4, 1, 3}, []int{2, 0, 1}) }
		}},
		{"Synced/bidirectional", func(rng *rand.Rand) (Module, func() float64) {
			enc := NewBidirectional(NewLSTM(nb, 3, 4, rng), NewGRU(nb, 3, 3, rng))
			m := NewSynced(nb, enc, 3, rng)
			x := randSlice(rng, 3*2*3)
			labels := []int{0, 2, 1, 1, 2, -1}
			return m, func() float64 { return m.Loss(x, 3, 2, []int{3, 2}, labels) }
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, loss := c.build(newTestRand())
			ZeroGrads(m.Params())
			loss()
			// Loss also runs backward, so take every analytic gradient first.
			var ana [][]float32
			for _, p := range m.Params() {
				ana = append(ana, append([]float32(nil), p.G...))
			}
			var res fdResult
			for i, p := range m.Params() {
				fdCheck(t, c.name+"."+p.Name, loss, p.W, ana[i], &res)
			}
			t.Logf("%s: largest |numeric - analytic| = %.2e at %s", c.name, res.maxAbs, res.where)
		})
	}
}

// TestOneToManyLearnsAndDecodes teaches three captions to three feature
// vectors, then checks greedy and beam decoding reproduce them.
func TestOneToManyLearnsAndDecodes(t *testing.T) {
	const F, V, eos = 4, 8, 7
	rng := newTestRand()
	m := NewOneToMany(nil, F, V, 8, 16, rng)
	feats := []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}
	caps := [][]int{{1, 2, 3, eos}, {4, 4, 5, 6, eos}, {2, eos}}
	tr := &Trainer{Params: m.Params(), Opt: NewAdamW(3e-2, 1e-4), Schedule: Cosine{Base: 3e-2, Min: 1e-3, Warmup: 10, Total: 300}, ClipNorm: 5}
	var last float64
	if err := tr.Run(context.Background(), 300, func(int) (float64, error) { return m.Loss(feats, caps), nil },
		func(s StepStats) { last = s.Loss }); err != nil {
		t.Fatal(err)
	}
	if last > 0.05 {
		t.Fatalf("training loss %.4f after 300 steps, want < 0.05", last)
	}
	s := NewSearcher(m.Dec, DecodeOptions{MaxLen: 8, EOS: eos, Beam: 3, LengthAlpha: 0.7})
	g := NewSearcher(m.Dec, DecodeOptions{MaxLen: 8, EOS: eos, Beam: 1})
	var prefix, out []float32
	_ = out
	for b, want := range caps {
		prefix = m.Prefix(feats[b*F:(b+1)*F], prefix)
		if got := g.Greedy(prefix, nil, nil); !slices.Equal(got, want) {
			t.Errorf("caption %d: greedy %v, want %v", b, got, want)
		}
		hyps := s.Beam(prefix, nil)
		if len(hyps) == 0 || !slices.Equal(hyps[0].Tokens, want) {
			t.Errorf("caption %d: beam best %v, want %v", b, hyps, want)
		}
		for i := 1; i < len(hyps); i++ {
			if hyps[i].Score > hyps[i-1].Score {
				t.Errorf("caption %d: hypotheses not sorted by score", b)
			}
		}
	}
}

// uniformDecoder has a projection of zeros: every token is equally likely,
// so only tie-breaking and penalties decide.
func uniformDecoder() *Decoder {
	d := NewDecoder(nil, 5, 3, 4, newTestRand())
	clear(d.Out.W.W)
	clear(d.Out.B.W)
	return d
}

func TestDecodeTiesAndPenalties(t *testing.T) {
	cases := []struct {
		name    string
		opts    DecodeOptions
		greedy  []int
		beamTop [][]int
	}{
		{"ties to the lowest id", DecodeOptions{MaxLen: 3, EOS: -1, Beam: 3}, []int{0, 0, 0},
			[][]int{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}}},
		{"repetition penalty", DecodeOptions{MaxLen: 4, EOS: -1, Beam: 2, RepetitionPenalty: 1}, []int{0, 1, 2, 3},
			[][]int{{0, 1, 2, 3}, {1, 0, 2, 3}}},
		{"EOS ends early", DecodeOptions{MaxLen: 4, EOS: 0, Beam: 2}, []int{0},
			[][]int{{0}, {1, 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSearcher(uniformDecoder(), c.opts)
			if got := s.Greedy(nil, nil, nil); !slices.Equal(got, c.greedy) {
				t.Errorf("%s: greedy %v, want %v", c.name, got, c.greedy)
			}
			hyps := s.Beam(nil, nil)
			if len(hyps) != len(c.beamTop) {
				t.Fatalf("%s: %d hypotheses, want %d: %v", c.name, len(hyps), len(c.beamTop), hyps)
			}
			for i, want := range c.beamTop {
				if !slices.Equal(hyps[i].Tokens, want) {
					t.Errorf("%s: hypothesis %d = %v, want %v", c.name, i, hyps[i].Tokens, want)
				}
			}
		})
	}
}

func TestLengthNormalisation(t *testing.T) {
	// Uniform over 5 tokens: logP = -len·ln5. With alpha = 1 every length
	// scores -ln5; with alpha = 0 the shorter hypothesis wins.
	for _, c := range []struct {
		alpha float64
		first []int
	}{{0, []int{0}}, {1, []int{0}}} {
		s := NewSearcher(uniformDecoder(), DecodeOptions{MaxLen: 4, EOS: 0, Beam: 2, LengthAlpha: c.alpha})
		hyps := s.Beam(nil, nil)
		if !slices.Equal(hyps[0].Tokens, c.first) {
			t.Errorf("alpha %v: best %v, want %v", c.alpha, hyps[0].Tokens, c.first)
		}
		if c.alpha == 1 && (hyps[0].Score-hyps[1].Score) > 1e-6 {
			t.Errorf("alpha 1: scores %v and %v should tie", hyps[0].Score, hyps[1].Score)
		}
		if c.alpha == 0 && hyps[0].Score <= hyps[1].Score {
			t.Errorf("alpha 0: shorter hypothesis should score higher: %v", hyps)
		}
	}
}

func TestBeamOneIsGreedy(t *testing.T) {
	d := NewDecoder(nil, 50, 8, 16, newTestRand())
	for i := range d.Out.W.W {
		d.Out.W.W[i] *= 8 // sharpen, so there are no near-ties
	}
	s := NewSearcher(d, DecodeOptions{MaxLen: 12, EOS: -1, Beam: 1})
	g := s.Greedy(nil, nil, nil)
	h := s.Beam(nil, nil)
	if !slices.Equal(g, h[0].Tokens) {
		t.Errorf("greedy %v, beam 1 %v", g, h[0].Tokens)
	}
}

func TestDecodeAllocatesNothing(t *testing.T) {
	d := NewDecoder(nil, 100, 8, 16, newTestRand())
	s := NewSearcher(d, DecodeOptions{MaxLen: 10, EOS: -1, Beam: 3, LengthAlpha: 0.7, RepetitionPenalty: 0.5})
	out := make([]int, 0, 10)
	if a := testing.AllocsPerRun(20, func() { out = s.Greedy(nil, nil, out) }); a != 0 {
		t.Errorf("Greedy: %v allocations per call", a)
	}
	if a := testing.AllocsPerRun(20, func() { s.Beam(nil, nil) }); a != 0 {
		t.Errorf("Beam: %v allocations per call", a)
	}
}

// TestSyncedBidirectionalSeesTheFuture labels each step with the next step's
// input symbol: only the bidirectional labeller can know it.
func TestSyncedBidirectionalSeesTheFuture(t *testing.T) {
	const T, B, K = 8, 16, 3
	batch := func(rng *rand.Rand, x []float32, labels []int, lengths []int) {
		clear(x)
		for b := range B {
			lengths[b] = T - b%3
			for tt := range T {
				if tt < lengths[b] {
					x[(tt*B+b)*K+rng.IntN(K)] = 1
				}
			}
		}
		for b := range B {
			for tt := range T {
				labels[tt*B+b] = -1
				if tt+1 < lengths[b] {
					for k := range K {
						if x[((tt+1)*B+b)*K+k] == 1 {
							labels[tt*B+b] = k
						}
					}
				}
			}
		}
	}
	acc := func(bidir bool) float64 {
		rng := newTestRand()
		var enc Recurrent = NewLSTM(nil, K, 12, rng)
		if bidir {
			enc = NewBidirectional(NewLSTM(nil, K, 6, rng), NewLSTM(nil, K, 6, rng))
		}
		m := NewSynced(nil, enc, K, rng)
		tr := &Trainer{Params: m.Params(), Opt: NewAdam(2e-2)}
		x, labels, lengths := make([]float32, T*B*K), make([]int, T*B), make([]int, B)
		if err := tr.Run(context.Background(), 150, func(int) (float64, error) {
			batch(rng, x, labels, lengths)
			return m.Loss(x, T, B, lengths, labels), nil
		}, nil); err != nil {
			t.Fatal(err)
		}
		batch(rng, x, labels, lengths)
		pred := m.Predict(x, T, B, lengths, nil)
		ok, n := 0, 0
		for i, l := range labels {
			if l >= 0 {
				n++
				if pred[i] == l {
					ok++
				}
			}
			if !stepLive(lengths, i/B, i%B) && pred[i] != -1 {
				t.Errorf("padded step %d labelled %d", i, pred[i])
			}
		}
		return float64(ok) / float64(n)
	}
	uni, bi := acc(false), acc(true)
	t.Logf("next-symbol labelling accuracy: unidirectional %.2f, bidirectional %.2f (chance %.2f)", uni, bi, 1.0/K)
	if bi < 0.95 || uni > 0.6 {
		t.Errorf("bidirectional %.2f (want >= 0.95), unidirectional %.2f (want <= 0.6)", bi, uni)
	}
}

// TestEncoderDecoderLearnsToCopy: the encoder reads a sequence of one-hot
// symbols, the decoder must write the same symbols then EOS, from the
// encoder's final state alone.
func TestEncoderDecoderLearnsToCopy(t *testing.T) {
	const K, T, B, bos, eos = 4, 3, 16, 4, 5 // symbols 0..3, vocabulary 6
	rng := newTestRand()
	m := NewEncoderDecoder(nil, K, 6, 8, 32, bos, rng)
	batch := func(x []float32, caps [][]int) {
		clear(x)
		for b := range B {
			caps[b] = caps[b][:0]
			for tt := range T {
				s := rng.IntN(K)
				x[(tt*B+b)*K+s] = 1
				caps[b] = append(caps[b], s)
			}
			caps[b] = append(caps[b], eos)
		}
	}
	x, caps := make([]float32, T*B*K), make([][]int, B)
	tr := &Trainer{Params: m.Params(), Opt: NewAdam(1e-2), ClipNorm: 5}
	if err := tr.Run(context.Background(), 400, func(int) (float64, error) {
		batch(x, caps)
		return m.Loss(x, T, B, nil, caps), nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	s := NewSearcher(m.Dec, DecodeOptions{MaxLen: T + 2, Start: bos, EOS: eos, Beam: 1})
	batch(x, caps)
	st := m.Encode(x, T, B, nil)
	H := m.Enc.Hidden
	ok := 0
	for b := range B {
		got := s.Greedy(nil, [][]float32{st[0][b*H : (b+1)*H], st[1][b*H : (b+1)*H]}, nil)
		if slices.Equal(got, caps[b]) {
			ok++
		}
	}
	t.Logf("encoder-decoder copies %d of %d sequences exactly", ok, B)
	if ok < B-1 {
		t.Errorf("copied %d of %d sequences, want at least %d", ok, B, B-1)
	}
}
