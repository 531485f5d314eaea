package caption

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The gradients of both ways of conditioning on the image agree with central
// finite differences (the state variant adds a tanh and two projections).
func TestModelGradients(t *testing.T) {
	const tol = 1e-3 // relative; float32 network, step 1e-2
	for _, cond := range []string{"input", "state"} {
		vocab := BuildVocab([][]string{{"a", "red", "circle"}, {"a", "blue", "star"}}, 1)
		m, err := NewModel(Config{FeatureDim: 6, Embed: 5, Hidden: 4, MaxLen: 5, Condition: cond}, vocab, rand.New(rand.NewPCG(1, 2)))
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
			for _, i := range []int{0, len(p.W) / 2, len(p.W) - 1} {
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
