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

	roundMagic float32 = 12582912 // 1.5·2²³
)

// expf returns e^x in float32.
func expf(x float32) float32 {
	if !(x > -87 && x < 88) { // also catches NaN
		return expSlow(x)
	}
	return expPoly(x)
}

// expSlow handles the arguments where e^x underflows, overflows or is NaN.
func expSlow(x float32) float32 { return float32(math.Exp(float64(x))) }

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

// expShiftRow writes e^(row[j] - m) into dst and returns their sum. m must be
// at least max(row), so every argument is <= 0; it is expf's polynomial
// written out in the loop, since softmax over a 10k vocabulary spends most of
// its time here.
// A nil dst only sums. The sum is accumulated in float64.
func expShiftRow(dst, row []float32, m float32) float32 {
	if dst != nil {
		dst = dst[:len(row)]
	}
	var s float64
	for j, v := range row {
		x := v - m
		if x < -87 {
			x = -87 // e^-87 ≈ 1.6e-38: negligible next to the max term's 1
		}
		e := expPoly(x)
		if dst != nil {
			dst[j] = e
		}
		s += float64(e)
	}
	return float32(s)
}

// expPoly is the body shared by the row kernels below: e^x for x in
// [-87, 88], written so that the compiler can inline it (expf's NaN and range
// checks are what make it too big to inline).
func expPoly(x float32) float32 {
	n := (x*log2e + roundMagic) - roundMagic
	r := x - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// sigmoidRow replaces every x by σ(x) = 1/(1+e^-x).
func sigmoidRow(v []float32) {
	for i, x := range v {
		x = -x
		if !(x < 88) { // also NaN
			v[i] = sigmoid(-x)
			continue
		}
		if x < -87 {
			x = -87
		}
		v[i] = 1 / (1 + expPoly(x))
	}
}

// tanhRow writes tanh(src) into dst (they may be the same slice).
func tanhRow(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		switch {
		case x > 9:
			dst[i] = 1
		case x < -9:
			dst[i] = -1
		case x > -0.0625 && x < 0.0625:
			x2 := x * x
			dst[i] = x * (1 + x2*(-1.0/3+x2*(2.0/15+x2*(-17.0/315))))
		case x == x:
			dst[i] = 1 - 2/(expPoly(2*x)+1)
		default:
			dst[i] = x // NaN
		}
	}
}
