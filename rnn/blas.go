package rnn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/netlib/blas/netlib"
)

// NewOpenBLAS returns the cgo OpenBLAS implementation of blas.Float32 (the
// fast default). The library is linked through openblas.go.
func NewOpenBLAS() blas.Float32 { return netlib.Implementation{} }

// NativeBLAS returns gonum's pure-Go implementation of blas.Float32.
func NativeBLAS() blas.Float32 { return gonum.Implementation{} }

// orDefault returns impl, or OpenBLAS when impl is nil.
func orDefault(impl blas.Float32) blas.Float32 {
	if impl == nil {
		return NewOpenBLAS()
	}
	return impl
}

// smallM is the row count up to which products are done without Sgemm:
// OpenBLAS 0.3.21's and gonum's Sgemm with m = 3 (beam search) run about
// three times slower here than three Sgemv calls over the same matrix, and
// the fused kernel (fused.go) beats both for matmulNT.
const smallM = fusedMaxM

// matmulNT computes c (m,n) = beta*c + a (m,k) · bᵀ where b is (n,k).
func matmulNT(impl blas.Float32, m, n, k int, a, b []float32, beta float32, c []float32) {
	if m == 0 || n == 0 {
		return
	}
	if m <= fusedMaxM {
		// Each row of (m,k)·(n,k)ᵀ is a matrix-vector product c_i = b·a_i,
		// all m of them in one pass over b (fused.go), or for one row the
		// BLAS's Sgemv where the BLAS does not fuse it.
		if f, ok := impl.(fuser); ok && (m > 1 || f.fusesOne()) {
			f.fusedNT(m, n, k, a, b, beta, c)
		} else if m == 1 {
			impl.Sgemv(blas.NoTrans, n, k, 1, b, k, a, 1, beta, c, 1)
		} else {
			fusedRows(bestKernel(), m, n, k, 0, n, a, b, beta, c)
		}
		return
	}
	impl.Sgemm(blas.NoTrans, blas.Trans, m, n, k, 1, a, k, b, k, beta, c, n)
}

// matmulNN computes c (m,n) = beta*c + a (m,k) · b (k,n).
func matmulNN(impl blas.Float32, m, n, k int, a, b []float32, beta float32, c []float32) {
	if m == 0 || n == 0 {
		return
	}
	if m <= smallM {
		for i := range m {
			impl.Sgemv(blas.Trans, k, n, 1, b, n, a[i*k:], 1, beta, c[i*n:], 1)
		}
		return
	}
	impl.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, beta, c, n)
}

// matmulTN computes c (m,n) = beta*c + aᵀ · b where a is (k,m) and b is (k,n).
func matmulTN(impl blas.Float32, m, n, k int, a, b []float32, beta float32, c []float32) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	impl.Sgemm(blas.Trans, blas.NoTrans, m, n, k, 1, a, m, b, n, beta, c, n)
}
