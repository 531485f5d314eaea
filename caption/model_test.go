package caption

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"captioner/models"
	"captioner/rnn"
)

// testConfig is a tiny model conditioned as cond says: "input", "state",
// "mlp", or one of the last two with "+inject" (the image's code read at
// every step as well).
func testConfig(cond string) Config {
	base, inject := strings.CutSuffix(cond, "+inject")
	cfg := Config{FeatureDim: 6, Embed: 5, Hidden: 4, MaxLen: 5, Condition: base}
	if base == "mlp" {
		cfg.Encoder = 7 // K
	}
	if inject {
		cfg.Inject = 3
	}
	return cfg
}

// The gradients of the ways of conditioning on the image agree with
// central finite differences (the state variant adds a tanh and two
// projections; mlp a hidden ReLU layer before them; inject a projection
// every step reads).
func TestModelGradients(t *testing.T) {
	const tol = 1e-3 // relative; float32 network, step 1e-2
	for _, cond := range []string{"input", "state", "mlp", "state+inject"} {
		vocab := BuildVocab([][]string{{"a", "red", "circle"}, {"a", "blue", "star"}}, 1)
		cfg := testConfig(cond)
		m, err := NewModel(cfg, vocab, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(3, 4))
		feats := make([]float32, 2*6)
		for i := range feats {
			feats[i] = float32(r.NormFloat64())
		}
		caps := [][]int{vocab.Encode([]string{"a", "red", "circle"})[1:], vocab.Encode([]string{"a", "star"})[1:]}
		for _, p := range m.Params() {
			clear(p.G)
		}
		m.Loss(feats, caps)
		grads := map[string][]float32{}
		for _, p := range m.Params() {
			grads[p.Name] = append([]float32(nil), p.G...)
		}
		worst := 0.0
		for _, p := range m.Params() {
			idx := []int{0, len(p.W) / 2, len(p.W) - 1}
			if strings.HasPrefix(p.Name, "encoder.") {
				idx = nil // every value: a few rows of a ReLU layer may be off for both captions
				for i := range p.W {
					idx = append(idx, i)
				}
			}
			for _, i := range idx {
				const h = 1e-2
				w := p.W[i]
				p.W[i] = w + h
				up := m.Loss(feats, caps)
				p.W[i] = w - h
				down := m.Loss(feats, caps)
				p.W[i] = w
				num := (up - down) / (2 * h)
				d := math.Abs(num - float64(grads[p.Name][i]))
				worst = max(worst, d/math.Max(1, math.Abs(num)))
			}
		}
		t.Logf("%s: largest relative difference %.2g", cond, worst)
		if worst > tol {
			t.Errorf("%s: gradient differs from finite differences by %.3g (tolerance %g)", cond, worst, tol)
		}
	}
}

// A saved model loads back to the same captions, for each way of
// conditioning; a "state" model's configuration has no encoder, so models
// saved before "mlp" existed load as they did.
func TestModelSaveLoad(t *testing.T) {
	for _, cond := range []string{"input", "state", "mlp", "state+inject", "mlp+inject"} {
		vocab := BuildVocab([][]string{{"a", "red", "circle"}, {"a", "blue", "star"}, {"a", "small", "green", "square"}}, 1)
		cfg := testConfig(cond)
		m, err := NewModel(cfg, vocab, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(5, 6))
		feats := make([][]float32, 8)
		for i := range feats {
			feats[i] = make([]float32, cfg.FeatureDim)
			for j := range feats[i] {
				feats[i][j] = 3 * float32(r.NormFloat64())
			}
		}
		m.SetNormalisation(feats[:4])
		data, err := m.Save()
		if err != nil {
			t.Fatal(err)
		}
		_, meta, err := rnn.ReadSafetensors(data)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(meta["config"], `"encoder"`); got != (cfg.Encoder > 0) {
			t.Errorf("%s: config %s: encoder field present %v", cond, meta["config"], got)
		}
		if got := strings.Contains(meta["config"], `"inject"`); got != (cfg.Inject > 0) {
			t.Errorf("%s: config %s: inject field present %v", cond, meta["config"], got)
		}
		back, err := LoadModel(data, cond)
		if err != nil {
			t.Fatalf("%s: %v", cond, err)
		}
		if back.Config != m.Config || (back.Encoder != nil) != (cfg.Encoder > 0) || (back.Inject != nil) != (cfg.Inject > 0) {
			t.Errorf("%s: loaded %+v (encoder %v), saved %+v", cond, back.Config, back.Encoder != nil, m.Config)
		}
		opts := DefaultDecodeOptions()
		opts.NBest = 3
		d1, _ := m.NewDecoder(opts)
		d2, _ := back.NewDecoder(opts)
		for i, f := range feats {
			want, err1 := d1.Caption(f)
			got, err2 := d2.Caption(f)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v, %v", cond, err1, err2)
			}
			for k := range want {
				if got[k].Text != want[k].Text || got[k].Score != want[k].Score {
					t.Errorf("%s: image %d, caption %d: loaded %q (%g), saved %q (%g)", cond, i, k, got[k].Text, got[k].Score, want[k].Text, want[k].Score)
				}
			}
		}
	}
}

// The embedded captioner, saved before "mlp" existed, still loads as a
// "state" model.
func TestLoadStateModel(t *testing.T) {
	m, _, err := LoadBundle(models.Default(), "embedded default")
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Condition != "state" || m.Config.Encoder != 0 || m.Encoder != nil || m.InitH == nil {
		t.Errorf("embedded model: %+v, encoder %v", m.Config, m.Encoder != nil)
	}
}

// NewModel takes an encoder width with "mlp" and only then.
func TestEncoderConfig(t *testing.T) {
	vocab := BuildVocab([][]string{{"a", "red", "circle"}}, 1)
	for _, c := range []struct {
		cond    string
		encoder int
		ok      bool
	}{{"mlp", 8, true}, {"mlp", 0, false}, {"mlp", -1, false}, {"state", 8, false}, {"state", 0, true}, {"", 8, false}} {
		_, err := NewModel(Config{FeatureDim: 6, Embed: 5, Hidden: 4, MaxLen: 5, Condition: c.cond, Encoder: c.encoder}, vocab, rand.New(rand.NewPCG(1, 2)))
		if (err == nil) != c.ok {
			t.Errorf("condition %q, encoder %d: error %v", c.cond, c.encoder, err)
		}
	}
}
