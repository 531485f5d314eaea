package rnn

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// TestBLASImplementationsAgree runs the same LSTM forward and backward pass
// through OpenBLAS and through gonum's pure-Go BLAS, at sizes that take the
// Sgemm path and the per-row Sgemv path (batch <= smallM).
func TestBLASImplementationsAgree(t *testing.T) {
	const tol = 1e-5
	for _, B := range []int{2, 9} {
		run := func(impl blas.Float32) (y, dx, dwh []float32) {
			rng := newTestRand()
			l := NewLSTM(impl, 24, 32, rng)
			x := randSlice(rng, 5*B*24)
			dy := randSlice(rng, 5*B*32)
			y = append([]float32(nil), l.Forward(x, 5, B, nil, nil)...)
			d, _ := l.Backward(dy, nil)
			return y, append([]float32(nil), d...), l.Wh.G
		}
		y1, dx1, g1 := run(NewOpenBLAS())
		y2, dx2, g2 := run(NativeBLAS())
		var worst float64
		for _, pair := range [][2][]float32{{y1, y2}, {dx1, dx2}, {g1, g2}} {
			for i := range pair[0] {
				worst = max(worst, math.Abs(float64(pair[0][i]-pair[1][i])))
			}
		}
		if worst > tol {
			t.Errorf("batch %d: OpenBLAS and gonum differ by %.2e", B, worst)
		}
		t.Logf("batch %d: OpenBLAS vs gonum largest difference %.2e", B, worst)
	}
}
