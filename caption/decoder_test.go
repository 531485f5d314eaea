package caption

import (
	"math/rand/v2"
	"sync"
	"testing"

	"captioner/models"
)

// Decoders of one model caption side by side, each as it would alone (the
// model's layers are shared, read only; run with -race to see no race).
func TestDecodersSideBySide(t *testing.T) {
	m, _, err := LoadBundle(models.Default(), "embedded default")
	if err != nil {
		t.Fatal(err)
	}
	feats := randomFeatures(m, 8, rand.New(rand.NewPCG(1, 2)))
	alone := make([]string, len(feats))
	dec, _ := m.NewDecoder(DefaultDecodeOptions())
	for i, f := range feats {
		res, err := dec.Caption(f)
		if err != nil {
			t.Fatal(err)
		}
		alone[i] = res[0].Text
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			d, _ := m.NewDecoder(DefaultDecodeOptions())
			for k := 0; k < 3; k++ {
				for i, f := range feats {
					res, err := d.Caption(f)
					if err != nil || res[0].Text != alone[i] {
						t.Errorf("goroutine %d: %q, %v; alone %q", g, res[0].Text, err, alone[i])
					}
				}
			}
		})
	}
	wg.Wait()
}

// randomFeatures draws n raw feature vectors whose standardised values
// under m's normalisation are N(0,1).
func randomFeatures(m *Model, n int, r *rand.Rand) [][]float32 {
	feats := make([][]float32, n)
	for i := range feats {
		feats[i] = make([]float32, m.Config.FeatureDim)
		for j := range feats[i] {
			feats[i][j] = m.Norm.Mean.W[j] + float32(r.NormFloat64())/m.Norm.Scale.W[j]
		}
	}
	return feats
}
