package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// N = rows (T*B), I = in features, O = out features.

// Linear is an affine map y = x·Wᵀ + b applied to every row of x.
type Linear struct {
	BLAS blas.Float32
	In   int
	Out  int
	W    *Param // (O, I)
	B    *Param // (O)

	x  []float32 // (N, I) input of the last Forward, borrowed
	n  int
	y  []float32 // (N, O)
	dx []float32 // (N, I)
}

// NewLinear returns a Linear layer with weights and bias drawn from
// U(-1/√in, 1/√in) (PyTorch's default). A nil impl means OpenBLAS.
func NewLinear(impl blas.Float32, in, out int, rng *rand.Rand) *Linear {
	l := &Linear{BLAS: orDefault(impl), In: in, Out: out, W: newParam("weight", out, in), B: newParam("bias", out)}
	a := 1 / math.Sqrt(float64(in))
	l.W.uniform(rng, a)
	l.B.uniform(rng, a)
	return l
}

// Params returns the weight and bias.
func (l *Linear) Params() []*Param { return []*Param{l.W, l.B} }

// Forward computes y (N,O) = x (N,I) · Wᵀ + b. The result is a buffer owned by
// the layer, valid until the next Forward; x is kept (not copied) for Backward.
func (l *Linear) Forward(x []float32, n int) []float32 {
	if len(x) != n*l.In {
		panic(fmt.Sprintf("rnn: Linear.Forward: len(x)=%d, want %d×%d", len(x), n, l.In))
	}
	l.x, l.n = x, n
	l.y = grow(l.y, n*l.Out)
	for r := 0; r < n; r++ {
		copy(l.y[r*l.Out:(r+1)*l.Out], l.B.W)
	}
	matmulNT(l.BLAS, n, l.Out, l.In, x, l.W.W, 1, l.y)
	return l.y
}

// Apply computes y = x·Wᵀ + b for one row x (I) into dst (grown to O) and
// returns it. Unlike Forward it keeps nothing in the layer, so goroutines
// may Apply one layer at once (inference only).
func (l *Linear) Apply(x, dst []float32) []float32 {
	if len(x) != l.In {
		panic(fmt.Sprintf("rnn: Linear.Apply: len(x)=%d, want %d", len(x), l.In))
	}
	dst = grow(dst, l.Out)
	copy(dst, l.B.W)
	matmulNT(l.BLAS, 1, l.Out, l.In, x, l.W.W, 1, dst)
	return dst
}

// Backward takes dy (N,O) for the last Forward, accumulates dW and db, and
// returns dx (N,I) in a buffer owned by the layer.
func (l *Linear) Backward(dy []float32) []float32 {
	n := l.n
	if len(dy) != n*l.Out {
		panic(fmt.Sprintf("rnn: Linear.Backward: len(dy)=%d, want %d×%d", len(dy), n, l.Out))
	}
	// y = x·Wᵀ + b  =>  dW += dyᵀ·x, db += Σ_rows dy, dx = dy·W
	matmulTN(l.BLAS, l.Out, l.In, n, dy, l.x, 1, l.W.G)
	for r := 0; r < n; r++ {
		row := dy[r*l.Out : (r+1)*l.Out]
		for j, v := range row {
			l.B.G[j] += v
		}
	}
	l.dx = grow(l.dx, n*l.In)
	matmulNN(l.BLAS, n, l.In, l.Out, dy, l.W.W, 0, l.dx)
	return l.dx
}
