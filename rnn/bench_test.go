package rnn

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// Sizes of ../shared/bench/torch_lstm.py, the PyTorch peer.
const (
	benchVocab  = 10000
	benchEmbed  = 512
	benchHidden = 512
	benchSteps  = 20
)

func BenchmarkGreedyDecode(b *testing.B)           { decodeBench(b, nil, 1) }
func BenchmarkGreedyDecodeUnsplit(b *testing.B)    { decodeBench(b, NativeBLAS(), 1) }
func BenchmarkGreedyDecodeSplit(b *testing.B)      { decodeBench(b, splitGonum, 1) }
func BenchmarkGreedyDecodeFused(b *testing.B)      { decodeBench(b, fusedOne, 1) }
func BenchmarkBeamDecode(b *testing.B)             { decodeBench(b, nil, 3) }
func BenchmarkBeamDecodeOneGoroutine(b *testing.B) { decodeBench(b, NewOpenBLAS(), 3) }
func BenchmarkBeamDecodeUnfused(b *testing.B)      { decodeBench(b, perBeam{NewOpenBLAS()}, 3) }
func BenchmarkTrainStep(b *testing.B)              { trainBench(b, 32, benchSteps) }
func BenchmarkSynced600(b *testing.B)              { syncedBench(b, 600, 512, 256, 20) }

// splitGonum asks decodeBench for gonum's Sgemv with large products split
// over two goroutines (newSplitBLAS), which needs the Searcher that owns it.
type splitGonumBLAS struct{ blas.Float32 }

var splitGonum = splitGonumBLAS{}

// fusedOne asks decodeBench for the fused kernel, split with a helper
// goroutine, for greedy decoding's one-vector products too.
type fusedOneBLAS struct{ blas.Float32 }

var fusedOne = fusedOneBLAS{}

// perBeam does several beams' products as one Sgemv a beam, each reading
// the whole matrix: what beam search did before the fused kernel.
type perBeam struct{ blas.Float32 }

func (p perBeam) fusesOne() bool { return false }

func (p perBeam) fusedNT(m, n, k int, a, b []float32, beta float32, c []float32) {
	for i := range m {
		p.Sgemv(blas.NoTrans, n, k, 1, b, k, a[i*k:], 1, beta, c[i*n:], 1)
	}
}

// decodeBench decodes 20 tokens from token 0 with a zero state, as the peer's
// cases (i) and (ii) do: embedding -> LSTM step -> 10k projection -> choice.
// proj, if non-nil, replaces the Searcher's default BLAS.
func decodeBench(b *testing.B, proj blas.Float32, beam int) {
	rng := rand.New(rand.NewPCG(1, 0))
	dec := NewDecoder(nil, benchVocab, benchEmbed, benchHidden, rng)
	s := NewSearcher(dec, DecodeOptions{MaxLen: benchSteps, EOS: -1, Beam: beam, LengthAlpha: 0.7})
	if _, ok := proj.(splitGonumBLAS); ok {
		s.BLAS = newSplitBLAS(NativeBLAS(), s)
	} else if _, ok := proj.(fusedOneBLAS); ok {
		f := newFusedBLAS(NewOpenBLAS(), s)
		f.one = true
		s.BLAS = f
	} else if proj != nil {
		s.BLAS = proj
	}
	out := make([]int, 0, benchSteps)
	s.Greedy(nil, nil, out)
	s.Beam(nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		if beam == 1 {
			out = s.Greedy(nil, nil, out)
		} else {
			s.Beam(nil, nil)
		}
	}
}

// trainBench is the peer's case (iii): Embedding(10000,512) -> LSTM(512,512)
// -> Linear(512,10000), cross-entropy over batch x steps tokens, Adam.
func trainBench(b *testing.B, batch, steps int) {
	rng := rand.New(rand.NewPCG(2, 0))
	dec := NewDecoder(nil, benchVocab, benchEmbed, benchHidden, rng)
	params := dec.Params()
	opt := NewAdam(1e-3)
	ids := make([]int, steps*batch)
	targets := make([]int, steps*batch)
	for i := range ids {
		ids[i], targets[i] = rng.IntN(benchVocab), rng.IntN(benchVocab)
	}
	step := func() {
		ZeroGrads(params)
		logits := dec.Forward(nil, ids, batch, nil, nil)
		SoftmaxCrossEntropy(logits, steps*batch, benchVocab, targets, logits) // in place
		dec.Backward(logits, nil)
		opt.Step(params)
	}
	step()
	for b.Loop() {
		step()
	}
}

// syncedBench is the peer's case (iv): an LSTM over T frame features, batch 1,
// a linear head at every step, labels by argmax (inference).
func syncedBench(b *testing.B, T, D, H, C int) {
	rng := rand.New(rand.NewPCG(3, 0))
	m := NewSynced(nil, NewLSTM(nil, D, H, rng), C, rng)
	x := randSlice(rng, T*D)
	out := m.Predict(x, T, 1, nil, make([]int, 0, T)) // sizes the buffers
	b.ReportAllocs()
	for b.Loop() {
		out = m.Predict(x, T, 1, nil, out)
	}
}

// The memory-bandwidth floor of decoding: one (10000×512) float32 Sgemv, the
// vocabulary projection of one greedy step, and the fused product of three
// beams' states with it. MB/s is the rate the projection is streamed at.
func BenchmarkProjectionGemv(b *testing.B)        { gemvBench(b, newSplitBLAS(NativeBLAS(), b), 1) }
func BenchmarkProjectionGemvUnsplit(b *testing.B) { gemvBench(b, NativeBLAS(), 1) }
func BenchmarkProjectionGemvOpenBLAS(b *testing.B) {
	gemvBench(b, NewOpenBLAS(), 1)
}
func BenchmarkProjectionFused3(b *testing.B) { gemvBench(b, newFusedBLAS(NewOpenBLAS(), b), 3) }

func gemvBench(b *testing.B, impl blas.Float32, m int) {
	rng := rand.New(rand.NewPCG(5, 0))
	w := randSlice(rng, benchVocab*benchHidden)
	h := randSlice(rng, m*benchHidden)
	y := make([]float32, m*benchVocab)
	b.SetBytes(int64(4 * len(w)))
	for b.Loop() {
		matmulNT(impl, m, benchVocab, benchHidden, h, w, 0, y)
	}
}

// BenchmarkMemoryStream measures this machine's memory bandwidth: the fused
// kernel's one-vector pass over 256 MB, far more than any cache holds,
// split with a helper goroutine as decoding's products are. MB/s is the
// floor's rate for matrices that do not stay in cache.
func BenchmarkMemoryStream(b *testing.B) {
	const rows, cols = 1 << 17, 512 // 256 MB of float32
	w := make([]float32, rows*cols)
	for i := range w {
		w[i] = float32(i % 7)
	}
	h := make([]float32, 2*cols)
	y := make([]float32, 2*rows)
	f := newFusedBLAS(NewOpenBLAS(), b)
	b.SetBytes(int64(4 * len(w)))
	for b.Loop() {
		f.fusedNT(2, rows, cols, h, w, 0, y)
	}
}

// BenchmarkSgemmPeak measures the rate OpenBLAS multiplies at on this
// machine (a 1024³ Sgemm, 2.1 GFLOP): the FLOP floor of training's
// products. MB/s reports GFLOP/s × 1000.
func BenchmarkSgemmPeak(b *testing.B) {
	const n = 1024
	rng := rand.New(rand.NewPCG(6, 0))
	x, w := randSlice(rng, n*n), randSlice(rng, n*n)
	y := make([]float32, n*n)
	impl := NewOpenBLAS()
	b.SetBytes(2 * n * n * n / 1000) // "MB/s" = MFLOP/s / 1000 = GFLOP/s
	for b.Loop() {
		matmulNT(impl, n, n, n, x, w, 0, y)
	}
}
