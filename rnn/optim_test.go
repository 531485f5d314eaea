package rnn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestOptimisers(t *testing.T) {
	const tol = 1e-6
	// One parameter w = 1 with gradient g = 0.5, two steps each.
	cases := []struct {
		name string
		opt  Optimizer
		want [2]float64 // w after step 1 and 2
	}{
		// v = g; w -= lr·v → 1 - 0.05; then v = 0.9·0.5 + 0.5 = 0.95 → -0.095
		{"SGD momentum", &SGD{LR: 0.1, Momentum: 0.9}, [2]float64{0.95, 0.855}},
		// g' = g + 0.1·w = 0.6 → 0.94; g' = 0.5+0.094 = 0.594 → 0.94-0.0594
		{"SGD weight decay", &SGD{LR: 0.1, WeightDecay: 0.1}, [2]float64{0.94, 0.8806}},
		// Adam's first steps move by lr·sign(g) (bias-corrected m/√v = ±1)
		{"Adam", NewAdam(0.01), [2]float64{0.99, 0.98}},
		// AdamW: w·(1 - lr·λ) then the Adam step
		{"AdamW", NewAdamW(0.01, 0.5), [2]float64{1*(1-0.005) - 0.01, (0.985)*(1-0.005) - 0.01}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newParam("w", 1)
			p.W[0] = 1
			for i := range 2 {
				p.G[0] = 0.5
				c.opt.Step([]*Param{p})
				if d := math.Abs(float64(p.W[0]) - c.want[i]); d > tol {
					t.Errorf("%s step %d: w = %.7f, want %.7f", c.name, i+1, p.W[0], c.want[i])
				}
			}
		})
	}
}

func TestClipGlobalNorm(t *testing.T) {
	a, b := newParam("a", 2), newParam("b", 1)
	a.G[0], a.G[1], b.G[0] = 3, 0, 4 // norm 5
	if n := ClipGlobalNorm([]*Param{a, b}, 10); n != 5 || a.G[0] != 3 {
		t.Errorf("below the limit: norm %v, g %v (must be untouched)", n, a.G)
	}
	if n := ClipGlobalNorm([]*Param{a, b}, 1); n != 5 {
		t.Errorf("norm before clipping %v, want 5", n)
	}
	if got := GlobalNorm([]*Param{a, b}); math.Abs(got-1) > 1e-6 || math.Abs(float64(a.G[0])-0.6) > 1e-6 {
		t.Errorf("after clipping to 1: norm %v, a.G %v", got, a.G)
	}
}

func TestSchedules(t *testing.T) {
	cases := []struct {
		name string
		s    Schedule
		step int
		want float64
	}{
		{"step/0", StepDecay{Base: 1, Every: 10, Gamma: 0.5}, 0, 1},
		{"step/9", StepDecay{Base: 1, Every: 10, Gamma: 0.5}, 9, 1},
		{"step/10", StepDecay{Base: 1, Every: 10, Gamma: 0.5}, 10, 0.5},
		{"step/25", StepDecay{Base: 1, Every: 10, Gamma: 0.5}, 25, 0.25},
		{"cosine/warmup", Cosine{Base: 1, Min: 0, Warmup: 4, Total: 14}, 1, 0.5},
		{"cosine/start", Cosine{Base: 1, Min: 0.1, Warmup: 4, Total: 14}, 4, 1},
		{"cosine/middle", Cosine{Base: 1, Min: 0.1, Warmup: 4, Total: 14}, 9, 0.55},
		{"cosine/end", Cosine{Base: 1, Min: 0.1, Warmup: 4, Total: 14}, 14, 0.1},
		{"cosine/after", Cosine{Base: 1, Min: 0.1, Warmup: 4, Total: 14}, 100, 0.1},
	}
	for _, c := range cases {
		if got := c.s.LR(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: LR(%d) = %v, want %v", c.name, c.step, got, c.want)
		}
	}
}

func TestTrainerStops(t *testing.T) {
	p := newParam("w", 1)
	tr := &Trainer{Params: []*Param{p}, Opt: &SGD{LR: 0.1}}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := tr.Run(ctx, 100, func(int) (float64, error) {
			calls++
			if calls == 3 {
				cancel()
			}
			return 1, nil
		}, nil)
		if !errors.Is(err, context.Canceled) || calls != 3 {
			t.Errorf("err %v after %d calls, want context.Canceled after 3", err, calls)
		}
	})
	t.Run("diverged", func(t *testing.T) {
		err := tr.Run(context.Background(), 5, func(int) (float64, error) { return math.NaN(), nil }, nil)
		if !errors.Is(err, ErrNotFinite) {
			t.Errorf("err %v, want ErrNotFinite", err)
		}
	})
	t.Run("loss error", func(t *testing.T) {
		boom := errors.New("boom")
		if err := tr.Run(context.Background(), 1, func(int) (float64, error) { return 0, boom }, nil); !errors.Is(err, boom) {
			t.Errorf("err %v, want wrapped boom", err)
		}
	})
}

// TestDeterminism: the same seed gives bit-identical weights after training,
// with dropout drawing from the seeded generator.
func TestDeterminism(t *testing.T) {
	run := func() []float32 {
		rng := newTestRandSeed(99)
		enc := NewStack(func() *Dropout { return NewDropout(0.3, rng) }, NewLSTM(nil, 3, 8, rng), NewGRU(nil, 8, 8, rng))
		m := NewSynced(nil, enc, 4, rng)
		tr := &Trainer{Params: m.Params(), Opt: NewAdam(1e-2), ClipNorm: 1, Schedule: StepDecay{Base: 1e-2, Every: 5, Gamma: 0.5}}
		const T, B = 6, 4
		x, labels := make([]float32, T*B*3), make([]int, T*B)
		if err := tr.Run(context.Background(), 20, func(int) (float64, error) {
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for i := range labels {
				labels[i] = rng.IntN(4)
			}
			return m.Loss(x, T, B, nil, labels), nil
		}, nil); err != nil {
			t.Fatal(err)
		}
		var w []float32
		for _, p := range m.Params() {
			w = append(w, p.W...)
		}
		return w
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("weight %d differs between identical runs: %v vs %v", i, a[i], b[i])
		}
	}
}

func TestResumedAndDropInPlace(t *testing.T) {
	c := Cosine{Base: 1, Min: 0.1, Warmup: 2, Total: 10}
	r := Resumed{Schedule: c, Done: 4}
	for step := 0; step < 6; step++ {
		if r.LR(step) != c.LR(step+4) {
			t.Errorf("step %d: %g, want %g", step, r.LR(step), c.LR(step+4))
		}
	}
	x := make([]float32, 10000)
	for i := range x {
		x[i] = 1
	}
	DropInPlace(x, 0.25, rand.New(rand.NewPCG(1, 2)))
	zeros, sum := 0, 0.0
	for _, v := range x {
		if v == 0 {
			zeros++
		} else if math.Abs(float64(v)-4.0/3) > 1e-6 {
			t.Fatalf("kept value %g, want 4/3", v)
		}
		sum += float64(v)
	}
	if zeros < 2300 || zeros > 2700 || math.Abs(sum/10000-1) > 0.05 {
		t.Errorf("%d of 10000 dropped, mean %g: want about 2500 and 1", zeros, sum/10000)
	}
	y := []float32{1, 2}
	DropInPlace(y, 0, nil)
	if y[0] != 1 || y[1] != 2 {
		t.Error("p = 0 changed x")
	}
}
