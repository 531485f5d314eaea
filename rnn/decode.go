package rnn

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
)

// K = beam width, H = hidden, E = embedding dim, V = vocabulary, L = MaxLen.

// DecodeOptions configures greedy and beam decoding.
type DecodeOptions struct {
	MaxLen int // tokens generated at most (L)
	Start  int // token fed at the first step when there is no prefix vector
	EOS    int // end-of-sequence token, or -1 for none (always L tokens)
	Beam   int // beam width K (1 for greedy)
	// LengthAlpha normalises finished beam scores: score = logP / len^alpha
	// (0 disables normalisation, 1 is the mean log-probability per token).
	LengthAlpha float64
	// RepetitionPenalty is subtracted from the log-probability (logit, in
	// greedy decoding) of any token already in the hypothesis.
	RepetitionPenalty float32
}

// Hypothesis is one decoded sequence.
type Hypothesis struct {
	Tokens  []int   // generated tokens, EOS included when produced
	LogProb float64 // sum of log-probabilities (with penalties)
	Score   float64 // LogProb length-normalised; hypotheses are sorted by it
}

// Searcher decodes with a Decoder. It owns every buffer a search needs, so
// decoding allocates nothing per step (nor per call once warm); slices it
// returns are valid until its next call. Not safe for concurrent use.
type Searcher struct {
	Dec  *Decoder
	Opts DecodeOptions
	// BLAS does the per-step products (LSTM step and the (K,V) vocabulary
	// projection). The default is OpenBLAS, whose threaded Sgemv streams
	// the 10000×512 projection and the LSTM weights fastest for one beam
	// on a quiet machine (BENCHMARKS.md), wrapped so that two to four
	// beams' products are fused: each matrix is read once a step for all
	// beams (fused.go), split with a helper goroutine. Any blas.Float32 may
	// be set instead (its products of several beams are then fused on the
	// calling goroutine).
	BLAS blas.Float32

	h, c, h2, c2 []float32 // (K,H) states and their reordered copies
	x            []float32 // (K,E) inputs
	scratch      []float32 // (K,5H) LSTM step scratch
	logits       []float32 // (K,V)
	score        []float64 // (K) running log-probabilities
	toks, toks2  []int     // (K,L) token histories
	cand         []cand    // (2K) best candidates of a step
	fin          []Hypothesis
	finToks      []int // (K,L) storage behind fin[i].Tokens
	out          []Hypothesis
	live         int // live beams
	n            int // tokens in each live beam

	// inputGates, when PrecomputeInputs has run, holds each token's share
	// of the LSTM's gates, Embed[v]·Wxᵀ (V,4H), so that a step multiplies
	// only the state.
	inputGates []float32
	tok        []int // (K) each live beam's last token
}

type cand struct {
	score  float64
	parent int
	tok    int
}

// better orders candidates: higher score first, then lower token id, then
// lower parent beam (so ties never depend on scan order).
func (a cand) better(b cand) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.tok != b.tok {
		return a.tok < b.tok
	}
	return a.parent < b.parent
}

// NewSearcher allocates the buffers for opts; its BLAS is OpenBLAS with
// fused products of several beams.
func NewSearcher(dec *Decoder, opts DecodeOptions) *Searcher {
	if opts.Beam < 1 || opts.MaxLen < 1 {
		panic(fmt.Sprintf("rnn: NewSearcher: beam %d, max length %d", opts.Beam, opts.MaxLen))
	}
	K, H, E, V, L := opts.Beam, dec.Cell.Hidden, dec.Embed.Dim, dec.Vocab(), opts.MaxLen
	s := &Searcher{Dec: dec, Opts: opts,
		h: make([]float32, K*H), c: make([]float32, K*H), h2: make([]float32, K*H), c2: make([]float32, K*H),
		x: make([]float32, K*E), scratch: make([]float32, K*5*H), logits: make([]float32, K*V),
		score: make([]float64, K), toks: make([]int, K*L), toks2: make([]int, K*L),
		cand: make([]cand, 0, 2*K), fin: make([]Hypothesis, 0, K), finToks: make([]int, K*L),
		out: make([]Hypothesis, 0, K), tok: make([]int, K)}
	s.BLAS = newFusedBLAS(NewOpenBLAS(), s)
	return s
}

// PrecomputeInputs computes each token's input product once, Embed[v]·Wxᵀ
// for every v (V×4H values), so that each step of decoding multiplies the
// state alone: for a small vocabulary this takes about a third of the work
// out of every step. The products are those of the weights now: make a
// new Searcher after the decoder's embedding or input weights change. A
// decoder set later as Dec must have the same embedding and input weights
// (only the bias may differ, as rnn.Binder's do).
func (s *Searcher) PrecomputeInputs() {
	d := s.Dec
	V, E, G := d.Vocab(), d.Embed.Dim, 4*d.Cell.Hidden
	s.inputGates = make([]float32, V*G)
	matmulNT(s.BLAS, V, G, E, d.Embed.W.W, d.Cell.Wx.W, 0, s.inputGates)
}

// step runs the LSTM one step for the n live beams, whose inputs are in
// s.x, or, with precomputed inputs and tokens (not a prefix vector), whose
// last tokens are in s.tok.
func (s *Searcher) step(n int, tokens bool) {
	d := s.Dec
	H, E := d.Cell.Hidden, d.Embed.Dim
	if s.inputGates == nil || !tokens {
		d.Cell.Step(s.BLAS, s.x[:n*E], s.h[:n*H], s.c[:n*H], n, s.scratch)
		return
	}
	G := 4 * H
	g, tc := s.scratch[:n*G], s.scratch[n*G:n*5*H]
	for k := range n {
		row, in := g[k*G:(k+1)*G], s.inputGates[s.tok[k]*G:(s.tok[k]+1)*G]
		for j, b := range d.Cell.B.W {
			row[j] = b + in[j]
		}
	}
	matmulNT(s.BLAS, n, G, H, s.h[:n*H], d.Cell.Wh.W, 1, g)
	for k := range n {
		lstmCell(g[k*G:], s.c[k*H:], s.c[k*H:], s.h[k*H:], tc[k*H:], H)
	}
}

// start loads the initial state (nil means zeros) into beam 0.
func (s *Searcher) start(s0 [][]float32) {
	H := s.Dec.Cell.Hidden
	clear(s.h)
	clear(s.c)
	if s0 != nil {
		if len(s0) != 2 || len(s0[0]) != H || len(s0[1]) != H {
			panic("rnn: Searcher: initial state must be [h (H), c (H)]")
		}
		copy(s.h, s0[0])
		copy(s.c, s0[1])
	}
}

// seen reports whether tok occurs in hist.
func seen(hist []int, tok int) bool {
	for _, v := range hist {
		if v == tok {
			return true
		}
	}
	return false
}

// Greedy decodes one sequence, taking the most likely token at each step
// (ties to the lower id). prefix (E) is the first input, or nil to start from
// opts.Start; s0 is [h, c] or nil. The result is appended to dst[:0].
func (s *Searcher) Greedy(prefix []float32, s0 [][]float32, dst []int) []int {
	d := s.Dec
	E, V := d.Embed.Dim, d.Vocab()
	s.start(s0)
	x := s.x[:E]
	if prefix != nil {
		copy(x, prefix)
	} else {
		copy(x, d.Embed.Row(s.Opts.Start))
	}
	s.tok[0] = s.Opts.Start
	dst = dst[:0]
	logits := s.logits[:V]
	for i := range s.Opts.MaxLen {
		s.step(1, i > 0 || prefix == nil)
		// logits (V) = Wo·h + bo, one streaming pass over the (V,H) projection
		copy(logits, d.Out.B.W)
		matmulNT(s.BLAS, 1, V, d.Out.In, s.h[:d.Out.In], d.Out.W.W, 1, logits)
		if s.Opts.RepetitionPenalty != 0 {
			for i, t := range dst {
				if !seen(dst[:i], t) { // each distinct earlier token pays once
					logits[t] -= s.Opts.RepetitionPenalty
				}
			}
		}
		best := 0
		for v, l := range logits {
			if l > logits[best] {
				best = v
			}
		}
		dst = append(dst, best)
		if best == s.Opts.EOS {
			break
		}
		copy(x, d.Embed.Row(best))
		s.tok[0] = best
	}
	return dst
}

// Beam runs beam search with width opts.Beam and returns up to K hypotheses,
// best first. A hypothesis ends at EOS or at MaxLen tokens. Candidates are
// ranked by log-probability with ties broken by token id; finished ones by
// length-normalised score.
func (s *Searcher) Beam(prefix []float32, s0 [][]float32) []Hypothesis {
	d := s.Dec
	K, E, H, V, L := s.Opts.Beam, d.Embed.Dim, d.Cell.Hidden, d.Vocab(), s.Opts.MaxLen
	s.start(s0)
	for k := range K {
		if prefix != nil {
			copy(s.x[k*E:(k+1)*E], prefix)
		} else {
			copy(s.x[k*E:(k+1)*E], d.Embed.Row(s.Opts.Start))
		}
		s.tok[k] = s.Opts.Start
	}
	s.live = 1 // one live beam until the first expansion
	s.score[0] = 0
	s.fin = s.fin[:0]
	s.n = 0
	for step := range L {
		n := s.live
		s.step(n, step > 0 || prefix == nil)
		lg := s.logits[:n*V]
		broadcastRows(lg, d.Out.B.W, n, V)
		matmulNT(s.BLAS, n, V, H, s.h[:n*H], d.Out.W.W, 1, lg)
		// candidates: score_k + log softmax(logits_k)[v] - penalty
		s.cand = s.cand[:0]
		for k := range n {
			row := lg[k*V : (k+1)*V]
			base := s.score[k] - float64(logSumExp(row, nil))
			hist := s.toks[k*L : k*L+step]
			for v, l := range row {
				sc := base + float64(l)
				if s.Opts.RepetitionPenalty != 0 && seen(hist, v) {
					sc -= float64(s.Opts.RepetitionPenalty)
				}
				s.offer(cand{sc, k, v}, 2*K)
			}
		}
		// The best 2K candidates, in order: an EOS one among the top K
		// finishes, the others fill the K live beams.
		live := 0
		for rank, cd := range s.cand {
			if cd.tok == s.Opts.EOS {
				if rank < K {
					s.finish(s.toks[cd.parent*L:cd.parent*L+step], cd.tok, cd.score)
				}
				continue
			}
			if live == K {
				continue
			}
			copy(s.toks2[live*L:], s.toks[cd.parent*L:cd.parent*L+step])
			s.toks2[live*L+step] = cd.tok
			copy(s.h2[live*H:(live+1)*H], s.h[cd.parent*H:(cd.parent+1)*H])
			copy(s.c2[live*H:(live+1)*H], s.c[cd.parent*H:(cd.parent+1)*H])
			copy(s.x[live*E:(live+1)*E], d.Embed.Row(cd.tok))
			s.tok[live] = cd.tok
			s.score[live] = cd.score
			live++
		}
		s.h, s.h2 = s.h2, s.h
		s.c, s.c2 = s.c2, s.c
		s.toks, s.toks2 = s.toks2, s.toks
		s.live, s.n = live, step+1
		if live == 0 || s.settled() {
			break
		}
	}
	// Beams still live (cut at MaxLen) compete with the finished ones.
	for k := range s.live {
		s.finish(s.toks[k*L:k*L+s.n-1], s.toks[k*L+s.n-1], s.score[k])
	}
	s.out = append(s.out[:0], s.fin...)
	slices.SortStableFunc(s.out, func(a, b Hypothesis) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return slices.Compare(a.Tokens, b.Tokens)
	})
	return s.out
}

// offer inserts c into the sorted candidate list, keeping the best max.
func (s *Searcher) offer(c cand, max int) {
	n := len(s.cand)
	if n == max && !c.better(s.cand[n-1]) {
		return
	}
	if n < max {
		s.cand = append(s.cand, c)
	} else {
		n--
	}
	i := n
	for i > 0 && c.better(s.cand[i-1]) {
		s.cand[i] = s.cand[i-1]
		i--
	}
	s.cand[i] = c
}

// norm is the length-normalised score logP / n^alpha.
func (s *Searcher) norm(logp float64, n int) float64 {
	if s.Opts.LengthAlpha == 0 {
		return logp
	}
	return logp / math.Pow(float64(n), s.Opts.LengthAlpha)
}

// finish records hist+tok as a finished hypothesis, keeping the K best: when
// K are held already it replaces the worst if it scores higher.
func (s *Searcher) finish(hist []int, tok int, logp float64) {
	L, K := s.Opts.MaxLen, s.Opts.Beam
	n := len(hist) + 1
	h := Hypothesis{LogProb: logp, Score: s.norm(logp, n)}
	slot := len(s.fin)
	if slot == K {
		worst := 0
		for i, f := range s.fin {
			if f.Score < s.fin[worst].Score {
				worst = i
			}
		}
		if h.Score <= s.fin[worst].Score {
			return
		}
		slot = worst
		// fin[worst]'s token storage is the slot recorded in its slice.
		h.Tokens = s.fin[worst].Tokens[:n]
	} else {
		h.Tokens = s.finToks[slot*L : slot*L+n]
		s.fin = append(s.fin, Hypothesis{})
	}
	copy(h.Tokens, hist)
	h.Tokens[n-1] = tok
	s.fin[slot] = h
}

// settled reports whether no live beam can still beat the worst of K
// finished hypotheses. Log-probabilities only fall as tokens are added, so a
// live beam's best possible final score is its logP normalised by the longest
// length (logP <= 0 makes a longer normalisation the kinder one).
func (s *Searcher) settled() bool {
	if len(s.fin) < s.Opts.Beam {
		return false
	}
	worst := s.fin[0].Score
	for _, f := range s.fin[1:] {
		worst = min(worst, f.Score)
	}
	for k := range s.live {
		if s.norm(s.score[k], s.Opts.MaxLen) > worst {
			return false
		}
	}
	return true
}
