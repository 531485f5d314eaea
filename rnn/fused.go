package rnn

import (
	"runtime"

	"gonum.org/v1/gonum/blas"

	"captioner/rnn/internal/dot"
)

// A fused small-batch product: c_i = beta·c_i + B·a_i for m (2 to 4) vectors
// a_i at once. Beam search (m = the beam width) multiplies its beams'
// states by the same large matrices every step: the 10000×512 output
// projection (20 MB) and the LSTM's weights. As m matrix-vector products
// the matrix is streamed from memory m times; here each row of B is read
// once and dotted with every a_i while it is in registers, so a step of a
// K-beam search streams what a greedy step streams.

// fusedMaxM is the most vectors the kernel takes at once.
const fusedMaxM = 4

// fusedSplitMin is the least matrix size (rows × columns) worth sharing
// with a helper goroutine: below it, the hand-over costs more than it
// saves.
const fusedSplitMin = 1 << 18

// The kernels: kernelAVX2 (AVX2 with FMA, amd64) and kernelGo (portable).
const (
	kernelGo = iota
	kernelAVX2
)

// Kernels names the fused kernels this CPU can run, fastest first: "avx2"
// where the CPU has AVX2 and FMA, then "go". The choice is made from the
// flags of the CPU the program runs on, not from any one machine's
// measurements.
func Kernels() []string {
	if dot.HasAVX2 {
		return []string{"avx2", "go"}
	}
	return []string{"go"}
}

// bestKernel is the kernel fused products use: the first of Kernels.
func bestKernel() int {
	if dot.HasAVX2 {
		return kernelAVX2
	}
	return kernelGo
}

// fusedRows computes rows [lo, hi) of c (m,n) = beta·c + a (m,k) · bᵀ, b
// (n,k), for 1 <= m <= fusedMaxM with kernel kern. beta 0 ignores c's old
// values.
func fusedRows(kern, m, n, k, lo, hi int, a, b []float32, beta float32, c []float32) {
	k8 := k &^ 7
	var out [4]float32
	var p [4]*float32
	if k8 > 0 {
		for i := range fusedMaxM {
			p[i] = &a[min(i, m-1)*k] // lanes past m are computed, never stored
		}
	}
	for j := lo; j < hi; j++ {
		row := b[j*k : (j+1)*k]
		switch {
		case k8 == 0:
			out = [4]float32{}
		case kern == kernelAVX2:
			dot.Dot4AVX2(&row[0], p[0], p[1], p[2], p[3], k8, &out)
		default:
			dot.Dot4Go(&row[0], p[0], p[1], p[2], p[3], k8, &out)
		}
		for i := range m {
			s := out[i]
			ai := a[i*k : (i+1)*k]
			for t := k8; t < k; t++ {
				s += ai[t] * row[t]
			}
			if beta == 0 {
				c[i*n+j] = s
			} else {
				c[i*n+j] = beta*c[i*n+j] + s
			}
		}
	}
}

// fuser is a BLAS that also does fused products, sharing a large one
// between the caller and a helper goroutine when Go may run two at once.
// Searcher uses one, so that beam search's products are fused and split.
type fuser interface {
	fusedNT(m, n, k int, a, b []float32, beta float32, c []float32)
	// fusesOne says whether one vector's product (greedy decoding) goes
	// through the fused kernel too, rather than the BLAS's Sgemv.
	fusesOne() bool
}

// fusedBLAS is a blas.Float32 (every routine the wrapped implementation's)
// with fused products on the kernel this CPU runs best, split with a
// helper goroutine for large matrices. The helper holds no reference to
// the owner; a cleanup registered on the owner ends it.
type fusedBLAS struct {
	blas.Float32
	kern  int
	split bool // whether to use the helper: Go may run two goroutines at once
	one   bool // one vector's products are fused too (fusesOne)
	jobs  chan fusedJob
	done  chan struct{}
}

type fusedJob struct {
	m, n, k, lo, hi int
	a, b, c         []float32
	beta            float32
}

// newFusedBLAS wraps impl; its helper stops when owner is collected.
func newFusedBLAS[T any](impl blas.Float32, owner *T) fusedBLAS {
	f := fusedBLAS{Float32: impl, kern: bestKernel(), split: runtime.GOMAXPROCS(0) > 1}
	if f.split {
		f.jobs, f.done = make(chan fusedJob), make(chan struct{})
		go func(kern int, jobs <-chan fusedJob, done chan<- struct{}) {
			for j := range jobs {
				fusedRows(kern, j.m, j.n, j.k, j.lo, j.hi, j.a, j.b, j.beta, j.c)
				done <- struct{}{}
			}
		}(f.kern, f.jobs, f.done)
		runtime.AddCleanup(owner, func(jobs chan fusedJob) { close(jobs) }, f.jobs)
	}
	return f
}

func (f fusedBLAS) fusesOne() bool { return f.one }

func (f fusedBLAS) fusedNT(m, n, k int, a, b []float32, beta float32, c []float32) {
	if !f.split || n*k < fusedSplitMin || n < 2 {
		fusedRows(f.kern, m, n, k, 0, n, a, b, beta, c)
		return
	}
	mid := n / 2
	f.jobs <- fusedJob{m: m, n: n, k: k, lo: mid, hi: n, a: a, b: b, c: c, beta: beta}
	fusedRows(f.kern, m, n, k, 0, mid, a, b, beta, c)
	<-f.done
}
