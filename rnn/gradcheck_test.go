package rnn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Finite-difference settings. Layers compute in float32 and the probe loss is
// accumulated in float64, so the central difference (f(w+ε) - f(w-ε))/2ε has
// a rounding error of about 1e-6/ε and a truncation error of about ε²·f”'/6.
const (
	fdEps    = 1e-2 // perturbation of one float32 value
	fdAbsTol = 2e-3 // |numeric - analytic| allowed outright ...
	fdRelTol = 1e-2 // ... plus this fraction of |numeric|
)

// fdResult is the worst disagreement found by a finite-difference check.
type fdResult struct {
	maxAbs float64
	where  string
}

// fdCheck compares the analytic gradient ana of f with respect to v against
// central differences, value by value, and records the largest difference.
func fdCheck(t *testing.T, name string, f func() float64, v []float32, ana []float32, res *fdResult) {
	t.Helper()
	if len(v) != len(ana) {
		t.Fatalf("%s: %d values, %d gradients", name, len(v), len(ana))
	}
	for i := range v {
		old := v[i]
		v[i] = old + fdEps
		lp := f()
		v[i] = old - fdEps
		lm := f()
		v[i] = old
		num := (lp - lm) / (2 * fdEps)
		d := math.Abs(num - float64(ana[i]))
		if d > res.maxAbs {
			res.maxAbs, res.where = d, name
		}
		if d > fdAbsTol+fdRelTol*math.Abs(num) {
			t.Errorf("%s[%d]: numeric %.6g, analytic %.6g (diff %.3g)", name, i, num, ana[i], d)
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// TestRecurrentGradients checks BPTT of every recurrent layer against finite
// differences: parameters, inputs, the initial state, with padded sequences.
// The probe loss L = Σ wy·y + Σ ws·finalState touches every output.
func TestRecurrentGradients(t *testing.T) {
	const T, B, D, H = 4, 3, 3, 4
	lengths := []int{4, 2, 3}
	cases := []struct {
		name    string
		lengths []int
		build   func(rng *rand.Rand) Recurrent
	}{
		{"LSTM", lengths, func(r *rand.Rand) Recurrent { return NewLSTM(NativeBLAS(), D, H, r) }},
		{"LSTM/full", nil, func(r *rand.Rand) Recurrent { return NewLSTM(NativeBLAS(), D, H, r) }},
		{"GRU", lengths, func(r *rand.Rand) Recurrent { return NewGRU(NativeBLAS(), D, H, r) }},
		{"RNN", lengths, func(r *rand.Rand) Recurrent { return NewRNN(NativeBLAS(), D, H, r) }},
		{"RNN/openblas", lengths, func(r *rand.Rand) Recurrent { return NewRNN(nil, D, H, r) }},
		{"Stack", lengths, func(r *rand.Rand) Recurrent {
			return NewStack(nil, NewLSTM(NativeBLAS(), D, H, r), NewGRU(NativeBLAS(), H, 2, r))
		}},
		{"Bidirectional", lengths, func(r *rand.Rand) Recurrent {
			return NewBidirectional(NewLSTM(NativeBLAS(), D, H, r), NewRNN(NativeBLAS(), D, 2, r))
		}},
		{"Dense", lengths, func(r *rand.Rand) Recurrent { return NewDense(NativeBLAS(), D, H, 0, r) }},
		{"Dense/context", lengths, func(r *rand.Rand) Recurrent { return NewDense(NativeBLAS(), D, H, 2, r) }},
		{"Dense/context/full", nil, func(r *rand.Rand) Recurrent { return NewDense(NativeBLAS(), D, H, 1, r) }},
		{"Dense/openblas", lengths, func(r *rand.Rand) Recurrent { return NewDense(nil, D, H, 1, r) }},
		{"Stack/dense", lengths, func(r *rand.Rand) Recurrent {
			return NewStack(nil, NewDense(NativeBLAS(), D, H, 1, r), NewDense(NativeBLAS(), H, 2, 0, r))
		}},
		{"Bidirectional/dense", lengths, func(r *rand.Rand) Recurrent {
			return NewBidirectional(NewDense(NativeBLAS(), D, H, 1, r), NewLSTM(NativeBLAS(), D, 2, r))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			l := c.build(rng)
			x := randSlice(rng, T*B*D)
			var s0, ws [][]float32
			for _, w := range l.StateDims() {
				s0 = append(s0, randSlice(rng, B*w))
				ws = append(ws, randSlice(rng, B*w))
			}
			wy := randSlice(rng, T*B*l.OutDim())
			loss := func() float64 {
				y := l.Forward(x, T, B, c.lengths, s0)
				s := dot64(wy, y)
				for i, st := range l.FinalState() {
					s += dot64(ws[i], st)
				}
				return s
			}
			loss()
			ZeroGrads(l.Params())
			dx, ds0 := l.Backward(wy, ws)
			dx = append([]float32(nil), dx...)
			var ds0c [][]float32
			for _, d := range ds0 {
				ds0c = append(ds0c, append([]float32(nil), d...))
			}
			var res fdResult
			for _, p := range l.Params() {
				fdCheck(t, c.name+"."+p.Name, loss, p.W, append([]float32(nil), p.G...), &res)
			}
			fdCheck(t, c.name+".x", loss, x, dx, &res)
			for i := range s0 {
				fdCheck(t, c.name+".s0", loss, s0[i], ds0c[i], &res)
			}
			t.Logf("%s: largest |numeric - analytic| = %.2e at %s", c.name, res.maxAbs, res.where)
		})
	}
}

// TestLayerGradients checks Linear, Embedding, Dropout and the losses.
func TestLayerGradients(t *testing.T) {
	const N, I, O = 5, 4, 3
	t.Run("Linear", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		l := NewLinear(NativeBLAS(), I, O, rng)
		x := randSlice(rng, N*I)
		w := randSlice(rng, N*O)
		loss := func() float64 { return dot64(w, l.Forward(x, N)) }
		loss()
		dx := append([]float32(nil), l.Backward(w)...)
		var res fdResult
		fdCheck(t, "Linear.W", loss, l.W.W, l.W.G, &res)
		fdCheck(t, "Linear.B", loss, l.B.W, l.B.G, &res)
		fdCheck(t, "Linear.x", loss, x, dx, &res)
		t.Logf("Linear: largest diff %.2e at %s", res.maxAbs, res.where)
	})
	t.Run("Embedding", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		e := NewEmbedding(6, I, rng)
		ids := []int{1, 4, 1, -1, 5}
		w := randSlice(rng, len(ids)*I)
		loss := func() float64 { return dot64(w, e.Forward(ids)) }
		loss()
		e.Backward(w)
		var res fdResult
		fdCheck(t, "Embedding.W", loss, e.W.W, e.W.G, &res)
		t.Logf("Embedding: largest diff %.2e", res.maxAbs)
	})
	t.Run("Dropout", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		d := NewDropout(0.4, nil)
		x := randSlice(rng, 40)
		w := randSlice(rng, 40)
		loss := func() float64 {
			d.Rng = rand.New(rand.NewPCG(9, 9)) // same mask each call
			return dot64(w, d.Forward(x))
		}
		loss()
		dx := append([]float32(nil), d.Backward(w)...)
		var res fdResult
		fdCheck(t, "Dropout.x", loss, x, dx, &res)
		zeros := 0
		for _, m := range d.mask {
			if m == 0 {
				zeros++
			}
		}
		if zeros == 0 || zeros == len(x) {
			t.Errorf("Dropout dropped %d of %d", zeros, len(x))
		}
		d.Train = false
		if y := d.Forward(x); &y[0] != &x[0] {
			t.Errorf("Dropout at inference is not the identity")
		}
		t.Logf("Dropout: largest diff %.2e", res.maxAbs)
	})
	t.Run("SoftmaxCrossEntropy", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(10, 11))
		const V = 7
		logits := randSlice(rng, N*V)
		targets := []int{3, -1, 0, 6, 2}
		grad := make([]float32, N*V)
		loss := func() float64 { l, _ := SoftmaxCrossEntropy(logits, N, V, targets, nil); return l }
		_, cnt := SoftmaxCrossEntropy(logits, N, V, targets, grad)
		if cnt != 4 {
			t.Errorf("count = %d, want 4", cnt)
		}
		var res fdResult
		fdCheck(t, "CE.logits", loss, logits, grad, &res)
		// In place (grad aliasing logits) gives the same loss and gradient.
		inPlace := append([]float32(nil), logits...)
		l1, _ := SoftmaxCrossEntropy(logits, N, V, targets, nil)
		l2, _ := SoftmaxCrossEntropy(inPlace, N, V, targets, inPlace)
		if l1 != l2 {
			t.Errorf("in-place loss %v, out of place %v", l2, l1)
		}
		for i := range grad {
			if inPlace[i] != grad[i] {
				t.Fatalf("in-place gradient [%d] = %v, out of place %v", i, inPlace[i], grad[i])
			}
		}
		t.Logf("CE: largest diff %.2e", res.maxAbs)
	})
	t.Run("MSE", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(12, 13))
		y, tg := randSlice(rng, 10), randSlice(rng, 10)
		grad := make([]float32, 10)
		MSE(y, tg, grad)
		var res fdResult
		fdCheck(t, "MSE.y", func() float64 { return MSE(y, tg, nil) }, y, grad, &res)
		t.Logf("MSE: largest diff %.2e", res.maxAbs)
	})
}
