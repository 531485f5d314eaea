package rnn

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSigmoidBinaryCrossEntropy checks the multi-label loss's value against
// its definition and its gradient against finite differences.
func TestSigmoidBinaryCrossEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	const N, C = 3, 5
	logits := randSlice(rng, N*C)
	logits[0], logits[1] = 12, -12 // far out, still exact in the definition below
	targets := make([]float32, N*C)
	for i := range targets {
		targets[i] = float32(rng.IntN(2))
	}
	var want float64
	for i, x := range logits {
		p := 1 / (1 + math.Exp(-float64(x)))
		y := float64(targets[i])
		want -= y*math.Log(p) + (1-y)*math.Log(1-p)
	}
	want /= N
	grad := make([]float32, N*C)
	got := SigmoidBinaryCrossEntropy(logits, N, C, targets, grad)
	if math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
		t.Errorf("loss %v, want %v", got, want)
	}
	// Farther out the definition overflows; the loss stays finite and right.
	if l := SigmoidBinaryCrossEntropy([]float32{100, -100}, 1, 2, []float32{0, 1}, nil); math.Abs(l-200) > 1e-3 {
		t.Errorf("loss of confident mistakes %v, want 200", l)
	}
	var res fdResult
	fdCheck(t, "BCE.logits", func() float64 { return SigmoidBinaryCrossEntropy(logits, N, C, targets, nil) }, logits, grad, &res)
	t.Logf("BCE: largest |numeric - analytic| = %.2e", res.maxAbs)
	if p := Sigmoid([]float32{0, 40, -40}, nil); p[0] != 0.5 || p[1] < 0.999999 || p[2] > 1e-6 {
		t.Errorf("Sigmoid = %v", p)
	}
}

// TestManyToOneMultiGradients checks LossMulti's whole backward pass, with
// every readout, over padded sequences of several steps.
func TestManyToOneMultiGradients(t *testing.T) {
	nb := NativeBLAS()
	const T, B, D, H, C = 4, 3, 3, 4, 5
	for _, r := range []Readout{ReadLast, ReadMean, ReadMax} {
		t.Run(string(r), func(t *testing.T) {
			rng := newTestRand()
			m := NewManyToOne(nb, NewLSTM(nb, D, H, rng), C, rng)
			m.Readout = r
			x := randSlice(rng, T*B*D)
			lengths := []int{4, 1, 3}
			targets := make([]float32, B*C)
			for i := range targets {
				targets[i] = float32(rng.IntN(2))
			}
			loss := func() float64 { return m.LossMulti(x, T, B, lengths, targets) }
			ZeroGrads(m.Params())
			loss()
			var ana [][]float32
			for _, p := range m.Params() {
				ana = append(ana, append([]float32(nil), p.G...))
			}
			var res fdResult
			for i, p := range m.Params() {
				fdCheck(t, string(r)+"."+p.Name, loss, p.W, ana[i], &res)
			}
			t.Logf("%s: largest |numeric - analytic| = %.2e at %s", r, res.maxAbs, res.where)
		})
	}
}

// TestManyToOneLearnsTags: a sequence's tags are the symbols it shows at
// any step, one symbol a step among K, so that only a network that
// remembers what it saw can tell them at the end.
func TestManyToOneLearnsTags(t *testing.T) {
	const K, T, B = 5, 6, 32
	batch := func(rng *rand.Rand, x, targets []float32) {
		clear(x)
		clear(targets)
		for b := range B {
			for tt := range T {
				if rng.IntN(3) == 0 {
					continue // a step showing nothing
				}
				s := rng.IntN(K)
				x[(tt*B+b)*K+s] = 1
				targets[b*K+s] = 1
			}
		}
	}
	exact := func(r Readout) float64 {
		rng := newTestRand()
		m := NewManyToOne(nil, NewLSTM(nil, K, 16, rng), K, rng)
		m.Readout = r
		tr := &Trainer{Params: m.Params(), Opt: NewAdam(2e-2)}
		x, targets := make([]float32, T*B*K), make([]float32, B*K)
		if err := tr.Run(context.Background(), 300, func(int) (float64, error) {
			batch(rng, x, targets)
			return m.LossMulti(x, T, B, nil, targets), nil
		}, nil); err != nil {
			t.Fatal(err)
		}
		ok := 0
		for range 4 {
			batch(rng, x, targets)
			p := m.Probabilities(x, T, B, nil)
			for b := range B {
				same := true
				for k := range K {
					if (p[b*K+k] >= 0.5) != (targets[b*K+k] == 1) {
						same = false
					}
				}
				if same {
					ok++
				}
			}
		}
		return float64(ok) / (4 * B)
	}
	for _, r := range []Readout{ReadLast, ReadMax} {
		if got := exact(r); got < 0.9 {
			t.Errorf("%s readout: exact tag sets %.2f, want >= 0.9", r, got)
		} else {
			t.Logf("%s readout: exact tag sets %.2f", r, got)
		}
	}
}

func TestParseReadout(t *testing.T) {
	for in, want := range map[string]Readout{"": ReadLast, "last": ReadLast, "mean": ReadMean, "max": ReadMax} {
		if got, err := ParseReadout(in); err != nil || got != want {
			t.Errorf("ParseReadout(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseReadout("first"); err == nil {
		t.Error("ParseReadout(first): no error")
	}
}
