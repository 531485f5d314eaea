package rnn

import (
	"math"
	"math/rand/v2"
)

// GradientAtLag measures the vanishing gradient: the norm of dL/dx_0 for
// L = the sum of l's last output over lag+1 standard normal inputs (seed
// 4), the share of the loss's gradient that reaches the first input of a
// sequence lag steps back.
func GradientAtLag(l Recurrent, lag int) float64 {
	T, D, H := lag+1, l.InDim(), l.OutDim()
	rng := rand.New(rand.NewPCG(4, 0))
	x := make([]float32, T*D)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	l.Forward(x, T, 1, nil, nil)
	dy := make([]float32, T*H)
	for j := range H {
		dy[(T-1)*H+j] = 1
	}
	dx, _ := l.Backward(dy, nil)
	var s float64
	for _, v := range dx[:D] {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}
