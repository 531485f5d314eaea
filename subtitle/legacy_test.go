package subtitle

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"captioner/models"
	"captioner/rnn"
)

// Model files written before a labeller could be dense (Config.Dense) load
// and label as they did then:
//
//   - testdata/lstm-labeller.safetensors, a small bidirectional two-layer
//     LSTM labeller saved by the code of that time, and the probabilities
//     it gave then on seeded features (testdata/legacy.json);
//   - the embedded labeller, whose most likely label and its probability at
//     every step of seeded features were recorded then too.
//
// Both load unchanged, save back as they were (the small file to the same
// bytes; the embedded one, which predates saved schemas, to the same
// configuration), and give the recorded numbers. go test ./subtitle -run Legacy -update rewrites the files (only
// ever from code that writes LSTM labellers as before).
func TestLegacyLabellers(t *testing.T) {
	const tol = 1e-5 // across machines: OpenBLAS kernels may sum in another order
	goldenPath := filepath.Join("testdata", "legacy.json")
	lstmPath := filepath.Join("testdata", "lstm-labeller.safetensors")
	type top struct {
		Label int     `json:"label"`
		P     float32 `json:"p"`
	}
	var golden struct {
		LSTM     [][]float32 `json:"lstm"`
		Embedded []top       `json:"embedded"`
	}
	lstmFeats := randomFeats(rand.New(rand.NewPCG(21, 22)), 70, 6)
	embedded, err := fs.ReadFile(models.Default(), weightsFile)
	if err != nil {
		t.Fatal(err)
	}
	em, _, err := LoadBundle(models.Default(), "embedded default")
	if err != nil {
		t.Fatal(err)
	}
	embFeats := randomFeats(rand.New(rand.NewPCG(23, 24)), 90, em.Config.FeatureDim)

	if *update {
		cfg := Config{FeatureDim: 6, Hidden: 5, Layers: 2, Bidirectional: true, FPS: 4, Window: 16, Dropout: 0.1,
			Inputs: []string{InputFeatures, InputChange, InputMotion, InputMoving}, Grids: []Grid{{Offset: 1, Channels: 1, Side: 2}}}
		m := testModel(t, cfg)
		m.Norm.Fit(randomFeats(rand.New(rand.NewPCG(25, 26)), 30, 6))
		data, err := m.Save()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(lstmPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		golden.LSTM = m.Probabilities(lstmFeats)
		for _, p := range em.Probabilities(embFeats) {
			best := 0
			for j, v := range p {
				if v > p[best] {
					best = j
				}
			}
			golden.Embedded = append(golden.Embedded, top{best, p[best]})
		}
		raw, _ := json.MarshalIndent(golden, "", " ")
		if err := os.WriteFile(goldenPath, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}

	t.Run("lstm file", func(t *testing.T) {
		data, err := os.ReadFile(lstmPath)
		if err != nil {
			t.Fatal(err)
		}
		m, err := LoadModel(data, lstmPath)
		if err != nil {
			t.Fatal(err)
		}
		if m.Config.Dense || m.Config.Context != 0 || !m.Config.Bidirectional || m.Config.Layers != 2 {
			t.Errorf("lstm file: config %+v", m.Config)
		}
		again, err := m.Save()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, data) {
			t.Errorf("lstm file: saved back to %d different bytes (file %d)", len(again), len(data))
		}
		if d := maxDiff(golden.LSTM, m.Probabilities(lstmFeats)); d > tol || len(golden.LSTM) != len(lstmFeats) {
			t.Errorf("lstm file: probabilities differ from the recorded ones by %g", d)
		}
	})
	t.Run("embedded", func(t *testing.T) {
		if em.Config.Dense || em.Config.Context != 0 || !em.Config.Bidirectional {
			t.Errorf("embedded: config %+v", em.Config)
		}
		again, err := em.Save()
		if err != nil {
			t.Fatal(err)
		}
		// The embedded file predates saved schemas, so only its
		// configuration and network are compared: saved back, they read
		// as they do in the file, with no new keys.
		_, was, err := rnn.ReadSafetensors(embedded)
		if err != nil {
			t.Fatal(err)
		}
		_, now, err := rnn.ReadSafetensors(again)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"format", "config", "labels", "network"} {
			if now[k] != was[k] {
				t.Errorf("embedded: saved back, %s is %q, in the file %q", k, now[k], was[k])
			}
		}
		probs := em.Probabilities(embFeats)
		if len(probs) != len(golden.Embedded) {
			t.Fatalf("embedded: %d steps, %d recorded", len(probs), len(golden.Embedded))
		}
		worst := 0.0
		for i, g := range golden.Embedded {
			d := math.Abs(float64(probs[i][g.Label] - g.P))
			worst = max(worst, d)
			for j, v := range probs[i] {
				if v > probs[i][g.Label]+tol {
					t.Errorf("embedded: step %d: label %d (%.4f) above the recorded %d (%.4f)", i, j, v, g.Label, g.P)
				}
			}
		}
		if worst > tol {
			t.Errorf("embedded: the recorded top probabilities differ by up to %g", worst)
		}
	})
}
