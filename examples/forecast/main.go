// Command forecast shows a recurrent network's short-term memory at work
// on a series: a synthetic price with momentum, mean reversion and noise
// (seeded), the next value forecast from the past window by an LSTM, by a
// dense network that sees the same window at once, and by the last value.
// It prints the test error of each and draws truth against the forecasts.
//
//	go run ./examples/forecast [--seed 1] [--out forecast.png]
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"captioner/rnn"
)

func main() {
	seed := flag.Uint64("seed", 1, "seed of the series and of the networks")
	out := flag.String("out", "forecast.png", "the plot (PNG)")
	steps := flag.Int("steps", 2000, "training steps of each network")
	flag.Parse()
	res, err := run(*seed, *steps)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("test RMSE of the next value (%d test steps, noise sd %.2f):\n", len(res.truth), noiseSD)
	fmt.Printf("  last value  %.3f\n  dense       %.3f\n  LSTM        %.3f\n", res.last, res.dense, res.lstm)
	if err := draw(res, *out); err != nil {
		log.Fatal(err)
	}
	fmt.Println("plot:", *out)
}

// The series: the price moves by a velocity that keeps most of itself from
// step to step (momentum), is pulled back toward the mean (reversion) and
// gets a fresh normal shock. The best possible forecast errs by noiseSD.
const (
	momentum  = 0.8
	reversion = 0.02
	mean      = 100.0
	noiseSD   = 0.5
	window    = 16
)

// series returns n values of the price.
func series(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 0x5e71e5))
	out := make([]float64, n)
	x, v := mean, 0.0
	for i := range out {
		v = momentum*v - reversion*(x-mean) + noiseSD*r.NormFloat64()
		x += v
		out[i] = x
	}
	return out
}

// inputs are what both networks see of the window ending at step t: each
// step's change and its level's distance from the mean, scaled; the
// target is the next change (so a forecast is the last value plus it).
func inputs(s []float64, t int) []float32 {
	in := make([]float32, 0, 2*window)
	for k := t - window + 1; k <= t; k++ {
		in = append(in, float32(s[k]-s[k-1]), float32((s[k]-mean)/10))
	}
	return in
}

// model is a forecaster trained on (window, next change) pairs.
type model interface {
	params() []*rnn.Param
	// loss runs a batch (B windows, their targets) forward and backward.
	loss(x []float32, B int, target []float32) float64
	predict(x []float32, B int) []float32
}

// lstmModel reads the window one step at a time; its head reads the last
// hidden state.
type lstmModel struct {
	enc  *rnn.LSTM
	head *rnn.Linear
	dy   []float32
}

func newLSTM(rng *rand.Rand) *lstmModel {
	return &lstmModel{enc: rnn.NewLSTM(rnn.NativeBLAS(), 2, 32, rng), head: rnn.NewLinear(rnn.NativeBLAS(), 32, 1, rng)}
}

func (m *lstmModel) params() []*rnn.Param { return append(m.enc.Params(), m.head.Params()...) }

// timeMajor reorders B windows (B, T, 2) to (T, B, 2).
func timeMajor(x []float32, B int) []float32 {
	out := make([]float32, len(x))
	for b := range B {
		for t := range window {
			copy(out[(t*B+b)*2:(t*B+b+1)*2], x[(b*window+t)*2:(b*window+t+1)*2])
		}
	}
	return out
}

func (m *lstmModel) forward(x []float32, B int) []float32 {
	y := m.enc.Forward(timeMajor(x, B), window, B, nil, nil)
	return m.head.Forward(y[(window-1)*B*32:], B)
}

func (m *lstmModel) predict(x []float32, B int) []float32 {
	return append([]float32(nil), m.forward(x, B)...)
}

func (m *lstmModel) loss(x []float32, B int, target []float32) float64 {
	y := m.forward(x, B)
	grad := make([]float32, B)
	l := rnn.MSE(y, target, grad)
	dlast := m.head.Backward(grad)
	m.dy = make([]float32, window*B*32)
	copy(m.dy[(window-1)*B*32:], dlast)
	m.enc.Backward(m.dy, nil)
	return l
}

// denseModel sees the whole window at once: one hidden tanh layer.
type denseModel struct {
	l1, l2 *rnn.Linear
	h      []float32
}

func newDense(rng *rand.Rand) *denseModel {
	return &denseModel{l1: rnn.NewLinear(rnn.NativeBLAS(), 2*window, 64, rng), l2: rnn.NewLinear(rnn.NativeBLAS(), 64, 1, rng)}
}

func (m *denseModel) params() []*rnn.Param { return append(m.l1.Params(), m.l2.Params()...) }

func (m *denseModel) forward(x []float32, B int) []float32 {
	a := m.l1.Forward(x, B)
	m.h = make([]float32, len(a))
	for i, v := range a {
		m.h[i] = float32(math.Tanh(float64(v)))
	}
	return m.l2.Forward(m.h, B)
}

func (m *denseModel) predict(x []float32, B int) []float32 {
	return append([]float32(nil), m.forward(x, B)...)
}

func (m *denseModel) loss(x []float32, B int, target []float32) float64 {
	y := m.forward(x, B)
	grad := make([]float32, B)
	l := rnn.MSE(y, target, grad)
	dh := m.l2.Backward(grad)
	da := make([]float32, len(dh))
	for i, g := range dh {
		da[i] = g * (1 - m.h[i]*m.h[i])
	}
	m.l1.Backward(da)
	return l
}

// result is a run's test errors and the forecasts over the test steps.
type result struct {
	last, dense, lstm float64
	truth, lastF      []float64
	denseF, lstmF     []float64
}

// run makes the series (the first 80 % trains, the rest tests), trains both
// networks for steps Adam steps of 64 windows, and forecasts the test steps.
func run(seed uint64, steps int) (*result, error) {
	const n = 6000
	s := series(n, seed)
	split := n * 8 / 10
	rng := rand.New(rand.NewPCG(seed, 2))
	lm, dm := newLSTM(rand.New(rand.NewPCG(seed, 3))), newDense(rand.New(rand.NewPCG(seed, 4)))
	for _, m := range []model{lm, dm} {
		opt := rnn.NewAdam(3e-3)
		const B = 64
		for step := range steps {
			x := make([]float32, 0, B*2*window)
			target := make([]float32, 0, B)
			for range B {
				t := window + rng.IntN(split-window-1)
				x = append(x, inputs(s, t)...)
				target = append(target, float32(s[t+1]-s[t]))
			}
			rnn.ZeroGrads(m.params())
			m.loss(x, B, target)
			opt.SetLR(3e-3 * 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(steps))))
			opt.Step(m.params())
		}
		if err := rnn.CheckFinite(m.params()); err != nil {
			return nil, fmt.Errorf("forecast: %w", err)
		}
	}
	res := &result{}
	var x []float32
	for t := split; t < n-1; t++ {
		x = append(x, inputs(s, t)...)
		res.truth = append(res.truth, s[t+1])
		res.lastF = append(res.lastF, s[t])
	}
	B := len(res.truth)
	for i, d := range lm.predict(x, B) {
		res.lstmF = append(res.lstmF, res.lastF[i]+float64(d))
	}
	for i, d := range dm.predict(x, B) {
		res.denseF = append(res.denseF, res.lastF[i]+float64(d))
	}
	res.last, res.dense, res.lstm = rmse(res.lastF, res.truth), rmse(res.denseF, res.truth), rmse(res.lstmF, res.truth)
	return res, nil
}

func rmse(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s / float64(len(a)))
}

// draw plots the first 120 test steps: the truth and each forecast.
func draw(res *result, path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("next-value forecasts (test RMSE: last value %.2f, dense %.2f, LSTM %.2f)", res.last, res.dense, res.lstm)
	p.X.Label.Text = "test step"
	p.Y.Label.Text = "price"
	n := min(120, len(res.truth))
	line := func(v []float64) plotter.XYs {
		xy := make(plotter.XYs, n)
		for i := range xy {
			xy[i].X, xy[i].Y = float64(i), v[i]
		}
		return xy
	}
	if err := plotutil.AddLines(p, "truth", line(res.truth), "last value", line(res.lastF), "dense", line(res.denseF), "LSTM", line(res.lstmF)); err != nil {
		return fmt.Errorf("forecast: %w", err)
	}
	tmp := path + ".tmp.png"
	if err := p.Save(10*vg.Inch, 5*vg.Inch, tmp); err != nil {
		return fmt.Errorf("forecast: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("forecast: %w", err)
	}
	return nil
}
