package rnn

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
)

// splitBLAS is a blas.Float32 whose Sgemv (no transpose, at least
// splitMinRows rows) is split by rows between the caller and one helper
// goroutine; every other routine is the wrapped implementation's. It serves
// the decoders' matrix-vector products, which on two cores run faster as two
// independent single-threaded passes than through a threaded BLAS.
//
// The helper holds no reference to the value that owns the splitBLAS; a
// cleanup registered on that owner (or stop) ends it.
type splitBLAS struct {
	blas.Float32
	jobs chan gemvJob
	done chan struct{}
	once *sync.Once
}

// splitMinRows is the smallest matrix worth splitting.
const splitMinRows = 1024

type gemvJob struct {
	m, n  int // rows, columns of this part
	alpha float32
	a     []float32
	lda   int
	x     []float32
	incX  int
	beta  float32
	y     []float32
	incY  int
}

// newSplitBLAS starts the helper for impl; it stops when owner is collected.
func newSplitBLAS[T any](impl blas.Float32, owner *T) splitBLAS {
	s := splitBLAS{Float32: impl, jobs: make(chan gemvJob), done: make(chan struct{}), once: new(sync.Once)}
	go func(impl blas.Float32, jobs <-chan gemvJob, done chan<- struct{}) {
		for j := range jobs {
			impl.Sgemv(blas.NoTrans, j.m, j.n, j.alpha, j.a, j.lda, j.x, j.incX, j.beta, j.y, j.incY)
			done <- struct{}{}
		}
	}(impl, s.jobs, s.done)
	runtime.AddCleanup(owner, func(s splitBLAS) { s.stop() }, s)
	return s
}

// stop ends the helper goroutine; later calls run unsplit.
func (s splitBLAS) stop() { s.once.Do(func() { close(s.jobs) }) }

// Sgemv computes y = alpha·op(A)·x + beta·y, splitting A's rows in two halves
// for the non-transposed product of a large matrix.
func (s splitBLAS) Sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	if tA != blas.NoTrans || m < splitMinRows || incY != 1 {
		s.Float32.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	mid := m / 2
	s.jobs <- gemvJob{m: m - mid, n: n, alpha: alpha, a: a[mid*lda:], lda: lda, x: x, incX: incX, beta: beta, y: y[mid:], incY: 1}
	s.Float32.Sgemv(blas.NoTrans, mid, n, alpha, a, lda, x, incX, beta, y, 1)
	<-s.done
}
