package rnn

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// Agreement with PyTorch 1.13 (testdata/torch_ref.py, float64 reference).
// Our layers are float32, so values agree to float32 rounding accumulated over
// a few steps.
const (
	torchValueTol = 1e-6 // outputs, states, loss
	torchGradTol  = 5e-6 // gradients
)

type torchRecurrent struct {
	T, B, D, H            int
	X, H0, C0, Wy, Wh, Wc []float64
	WeightIH              []float64 `json:"weight_ih"`
	WeightHH              []float64 `json:"weight_hh"`
	BiasIH                []float64 `json:"bias_ih"`
	BiasHH                []float64 `json:"bias_hh"`
	Y, HT, CT             []float64
	Loss                  float64
	DWeightIH             []float64 `json:"d_weight_ih"`
	DWeightHH             []float64 `json:"d_weight_hh"`
	DBiasIH               []float64 `json:"d_bias_ih"`
	DBiasHH               []float64 `json:"d_bias_hh"`
	DX                    []float64 `json:"dx"`
	DH0                   []float64 `json:"dh0"`
	DC0                   []float64 `json:"dc0"`
}

type torchRef struct {
	Torch        string
	LSTM         torchRecurrent
	GRU          torchRecurrent
	CrossEntropy struct {
		N, V    int
		Logits  []float64
		Targets []int
		Loss    float64
		DLogits []float64
	} `json:"cross_entropy"`
}

func loadTorchRef(t *testing.T) *torchRef {
	t.Helper()
	b, err := os.ReadFile("testdata/torch_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var r torchRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// agree reports the largest |got - want| and fails above tol.
func agree(t *testing.T, name string, got []float32, want []float64, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, PyTorch has %d", name, len(got), len(want))
	}
	var worst float64
	for i := range got {
		d := math.Abs(float64(got[i]) - want[i])
		worst = max(worst, d)
		if d > tol {
			t.Errorf("%s[%d] = %.7g, PyTorch %.7g", name, i, got[i], want[i])
		}
	}
	return worst
}

func TestAgainstPyTorch(t *testing.T) {
	ref := loadTorchRef(t)
	t.Run("LSTM", func(t *testing.T) {
		r := ref.LSTM
		l := NewLSTM(nil, r.D, r.H, newTestRand())
		copy(l.Wx.W, f32(r.WeightIH))
		copy(l.Wh.W, f32(r.WeightHH))
		for j := range l.B.W {
			l.B.W[j] = float32(r.BiasIH[j] + r.BiasHH[j])
		}
		y := l.Forward(f32(r.X), r.T, r.B, nil, [][]float32{f32(r.H0), f32(r.C0)})
		worstV := agree(t, "y", y, r.Y, torchValueTol)
		st := l.FinalState()
		worstV = max(worstV, agree(t, "h_T", st[0], r.HT, torchValueTol), agree(t, "c_T", st[1], r.CT, torchValueTol))
		dx, ds0 := l.Backward(f32(r.Wy), [][]float32{f32(r.Wh), f32(r.Wc)})
		worstG := max(
			agree(t, "dWx", l.Wx.G, r.DWeightIH, torchGradTol),
			agree(t, "dWh", l.Wh.G, r.DWeightHH, torchGradTol),
			agree(t, "db", l.B.G, r.DBiasIH, torchGradTol), // d bias_ih = d bias_hh = d b
			agree(t, "dx", dx, r.DX, torchGradTol),
			agree(t, "dh0", ds0[0], r.DH0, torchGradTol),
			agree(t, "dc0", ds0[1], r.DC0, torchGradTol))
		t.Logf("LSTM vs PyTorch %s: values within %.2e, gradients within %.2e", ref.Torch, worstV, worstG)
	})
	t.Run("GRU", func(t *testing.T) {
		r := ref.GRU
		l := NewGRU(NativeBLAS(), r.D, r.H, newTestRand())
		copy(l.Wx.W, f32(r.WeightIH))
		copy(l.Wh.W, f32(r.WeightHH))
		copy(l.Bx.W, f32(r.BiasIH))
		copy(l.Bh.W, f32(r.BiasHH))
		y := l.Forward(f32(r.X), r.T, r.B, nil, [][]float32{f32(r.H0)})
		worstV := max(agree(t, "y", y, r.Y, torchValueTol), agree(t, "h_T", l.FinalState()[0], r.HT, torchValueTol))
		dx, ds0 := l.Backward(f32(r.Wy), [][]float32{f32(r.Wh)})
		worstG := max(
			agree(t, "dWx", l.Wx.G, r.DWeightIH, torchGradTol),
			agree(t, "dWh", l.Wh.G, r.DWeightHH, torchGradTol),
			agree(t, "dbx", l.Bx.G, r.DBiasIH, torchGradTol),
			agree(t, "dbh", l.Bh.G, r.DBiasHH, torchGradTol),
			agree(t, "dx", dx, r.DX, torchGradTol),
			agree(t, "dh0", ds0[0], r.DH0, torchGradTol))
		t.Logf("GRU vs PyTorch %s: values within %.2e, gradients within %.2e", ref.Torch, worstV, worstG)
	})
	t.Run("CrossEntropy", func(t *testing.T) {
		r := ref.CrossEntropy
		grad := make([]float32, r.N*r.V)
		loss, _ := SoftmaxCrossEntropy(f32(r.Logits), r.N, r.V, r.Targets, grad)
		dl := math.Abs(loss - r.Loss)
		if dl > torchValueTol {
			t.Errorf("loss %.7g, PyTorch %.7g", loss, r.Loss)
		}
		worstG := agree(t, "dlogits", grad, r.DLogits, torchGradTol)
		t.Logf("cross-entropy vs PyTorch: loss within %.2e, gradient within %.2e", dl, worstG)
	})
}
