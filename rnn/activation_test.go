package rnn

import (
	"math"
	"strings"
	"testing"
)

func TestActivationAccuracy(t *testing.T) {
	const relTol, absTol = 4e-7, 2e-7
	var worstExp, worstTanh, worstSig float64
	for x := -90.0; x <= 90; x += 0.00731 {
		f := float32(x)
		want := math.Exp(float64(f))
		if d := math.Abs(float64(expf(f))-want) / math.Max(want, 1e-30); d > relTol && want > 1e-37 && !math.IsInf(want, 0) && want < math.MaxFloat32 {
			t.Fatalf("expf(%v) = %v, want %v (rel %.2e)", f, expf(f), want, d)
		} else if want > 1e-37 && want < math.MaxFloat32 {
			worstExp = max(worstExp, d)
		}
		if d := math.Abs(float64(tanhf(f)) - math.Tanh(float64(f))); d > absTol {
			t.Fatalf("tanhf(%v) = %v, want %v", f, tanhf(f), math.Tanh(float64(f)))
		} else {
			worstTanh = max(worstTanh, d)
		}
		s := 1 / (1 + math.Exp(-float64(f)))
		if d := math.Abs(float64(sigmoid(f)) - s); d > absTol {
			t.Fatalf("sigmoid(%v) = %v, want %v", f, sigmoid(f), s)
		} else {
			worstSig = max(worstSig, d)
		}
	}
	// The row kernels used by the cells and softmax agree with the math package.
	var xs []float32
	for x := -100.0; x <= 100; x += 0.0173 {
		xs = append(xs, float32(x))
	}
	sig := append([]float32(nil), xs...)
	sigmoidRow(sig)
	th := make([]float32, len(xs))
	tanhRow(th, xs)
	ex := make([]float32, len(xs))
	expShiftRow(ex, xs, 100)
	for i, x := range xs {
		if d := math.Abs(float64(sig[i]) - 1/(1+math.Exp(-float64(x)))); d > absTol {
			t.Fatalf("sigmoidRow(%v) = %v (diff %.2e)", x, sig[i], d)
		}
		if d := math.Abs(float64(th[i]) - math.Tanh(float64(x))); d > absTol {
			t.Fatalf("tanhRow(%v) = %v (diff %.2e)", x, th[i], d)
		}
		want := math.Exp(float64(x - 100)) // the argument is rounded to float32 first
		if d := math.Abs(float64(ex[i]) - want); d > relTol*want && want > 1e-37 {
			t.Fatalf("expShiftRow(%v - 100) = %v, want %v", x, ex[i], want)
		}
	}
	if v := expf(float32(math.NaN())); v == v {
		t.Errorf("expf(NaN) = %v", v)
	}
	t.Logf("worst: expf rel %.2e, tanhf abs %.2e, sigmoid abs %.2e", worstExp, worstTanh, worstSig)
}

func TestShapeErrorsPanic(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		msg  string
	}{
		{"Linear input", func() { NewLinear(nil, 3, 2, newTestRand()).Forward(make([]float32, 5), 2) }, "Linear.Forward"},
		{"LSTM input", func() { NewLSTM(nil, 3, 2, newTestRand()).Forward(make([]float32, 5), 2, 1, nil, nil) }, "LSTM.Forward"},
		{"lengths", func() { NewGRU(nil, 1, 2, newTestRand()).Forward(make([]float32, 2), 2, 1, []int{3}, nil) }, "length"},
		{"state", func() {
			NewRNN(nil, 1, 2, newTestRand()).Forward(make([]float32, 2), 2, 1, nil, [][]float32{make([]float32, 3)})
		}, "state"},
		{"embedding id", func() { NewEmbedding(3, 2, newTestRand()).Forward([]int{3}) }, "outside vocabulary"},
		{"stack widths", func() { NewStack(nil, NewRNN(nil, 1, 2, newTestRand()), NewRNN(nil, 3, 2, newTestRand())) }, "Stack"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if !strings.HasPrefix(s, "rnn: ") || !strings.Contains(s, c.msg) {
					t.Errorf("%s: panic %v, want one starting \"rnn: \" mentioning %q", c.name, r, c.msg)
				}
			}()
			c.f()
		})
	}
}
