package rnn

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// The adding problem (Hochreiter & Schmidhuber): each of T steps shows a value
// drawn from U(0, 1) and a marker; two steps are marked, one among the first
// ten and one among the last ten, and the target at the end is the sum of the
// two marked values. The first marked value must be held for at least T-10
// steps. Predicting the mean (1) scores an MSE of 1/6; a network that only
// uses the recent marked value scores about 1/12. A latching tanh RNN cannot
// hold a real value that long; the LSTM's cell path (c = f ⊙ cPrev + ...)
// can.
const (
	addingT      = 60 // lag of the first marked value: at least 50 steps
	addingHidden = 32
	addingSteps  = 1200
	addingBatchN = 32
)

// addingBatch fills x (T,B,2) with (value, marker) pairs and y (B) with sums.
func addingBatch(rng *rand.Rand, T, B int, x, y []float32) {
	for b := range B {
		i, j := rng.IntN(10), T-1-rng.IntN(10)
		var s float32
		for t := range T {
			v := rng.Float32()
			var m float32
			if t == i || t == j {
				m = 1
				s += v
			}
			x[(t*B+b)*2], x[(t*B+b)*2+1] = v, m
		}
		y[b] = s
	}
}

// trainAdding trains enc with a linear head on the adding problem and returns
// the MSE on fresh batches.
func trainAdding(t *testing.T, enc Recurrent, rng *rand.Rand) float64 {
	const T, B = addingT, addingBatchN
	H := enc.OutDim()
	head := NewLinear(nil, H, 1, rng)
	tr := &Trainer{Params: append(enc.Params(), head.Params()...), Opt: NewAdam(1e-2), ClipNorm: 1}
	x, y := make([]float32, T*B*2), make([]float32, B)
	g, dy := make([]float32, B), make([]float32, T*B*H)
	err := tr.Run(context.Background(), addingSteps, func(int) (float64, error) {
		addingBatch(rng, T, B, x, y)
		out := enc.Forward(x, T, B, nil, nil)
		l := MSE(head.Forward(out[(T-1)*B*H:], B), y, g)
		clear(dy) // only the last step has a target
		copy(dy[(T-1)*B*H:], head.Backward(g))
		enc.Backward(dy, nil)
		return l, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mse float64
	for range 8 {
		addingBatch(rng, T, B, x, y)
		out := enc.Forward(x, T, B, nil, nil)
		mse += MSE(head.Forward(out[(T-1)*B*H:], B), y, nil) / 8
	}
	return mse
}

// TestLSTMRemembersRNNForgets trains both on the adding problem at lag >= 50
// with the same seed, sizes and budget: the LSTM must reach a low error, the
// vanilla RNN must not.
func TestLSTMRemembersRNNForgets(t *testing.T) {
	lstm := trainAdding(t, NewLSTM(nil, 2, addingHidden, newTestRandSeed(5)), newTestRandSeed(6))
	vanilla := trainAdding(t, NewRNN(nil, 2, addingHidden, newTestRandSeed(5)), newTestRandSeed(6))
	t.Logf("adding problem, T=%d, H=%d, %d Adam steps of %d: test MSE LSTM %.4f, vanilla RNN %.4f (predicting the mean: %.4f)",
		addingT, addingHidden, addingSteps, addingBatchN, lstm, vanilla, 1.0/6)
	if lstm > 0.01 {
		t.Errorf("LSTM MSE %.4f, want <= 0.01", lstm)
	}
	if vanilla < 0.05 {
		t.Errorf("vanilla RNN MSE %.4f, want >= 0.05 (it should fail to remember)", vanilla)
	}
}

// TestGradientNormVsLag checks that the LSTM's gradient decays far more slowly
// with lag than the vanilla RNN's, and logs the table (go test -v -run Lag).
func TestGradientNormVsLag(t *testing.T) {
	lags := []int{1, 5, 10, 20, 50, 100}
	var rnnG, lstmG []float64
	t.Logf("%5s %12s %12s", "lag", "RNN", "LSTM")
	for _, lag := range lags {
		r := GradientAtLag(NewRNN(nil, 8, 32, newTestRandSeed(3)), lag)
		l := GradientAtLag(NewLSTM(nil, 8, 32, newTestRandSeed(3)), lag)
		rnnG, lstmG = append(rnnG, r), append(lstmG, l)
		t.Logf("%5d %12.3e %12.3e", lag, r, l)
	}
	// Decay from lag 1 to lag 20 per step, geometric mean.
	rate := func(g []float64) float64 { return math.Pow(g[3]/g[0], 1.0/19) }
	if rate(lstmG) <= rate(rnnG) {
		t.Errorf("LSTM gradient decays at %.3f per step, RNN at %.3f; want the LSTM slower", rate(lstmG), rate(rnnG))
	}
}
