package rnn

import "math"

// Scalar float32 activations. expf is a range-reduced polynomial
// (e^x = 2^n·e^r, |r| <= ln2/2, degree-6 Taylor; relative error < 2e-7), about
// five times faster than math.Exp on float64, which matters in softmax over a
// 10k vocabulary.

const (
	log2e = 1.44269504088896341
	ln2hi = 0.693359375
	ln2lo = -2.12194440e-4
)

// expf returns e^x in float32.
func expf(x float32) float32 {
	if x > 88 || x < -87 || x != x {
		return float32(math.Exp(float64(x)))
	}
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// sigmoid returns 1/(1+e^-x).
func sigmoid(x float32) float32 { return 1 / (1 + expf(-x)) }

// tanhf returns tanh(x) = 1 - 2/(e^{2x}+1), written so that it saturates
// cleanly to ±1 instead of producing Inf/Inf.
func tanhf(x float32) float32 {
	if x > 9 {
		return 1
	}
	if x < -9 {
		return -1
	}
	if x > -0.0625 && x < 0.0625 {
		// Near zero the subtraction above loses relative precision.
		x2 := x * x
		return x * (1 + x2*(-1.0/3+x2*(2.0/15+x2*(-17.0/315))))
	}
	return 1 - 2/(expf(2*x)+1)
}
