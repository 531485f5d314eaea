package tag

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"captioner/rnn"
	"captioner/subtitle"
)

func TestScore(t *testing.T) {
	tags := []string{"red square", "blue circle", "moves"}
	videos := []Scored{
		{Truth: []string{"red square", "moves"}, Predicted: []string{"red square", "moves"}},
		{Truth: []string{"blue circle"}, Predicted: []string{"red square", "blue circle"}, Unsure: true},
		{Truth: []string{"red square", "moves"}, Predicted: []string{"red square"}},
		{Truth: []string{"green star"}, Predicted: []string{}},
		{Truth: []string{}, Predicted: []string{}},
	}
	r := Score(tags, videos)
	if r.Videos != 5 || r.ExactMatch != 0.4 || r.LowConfidence != 1 {
		t.Errorf("videos %d, exact %v, unsure %d; want 5, 0.4, 1", r.Videos, r.ExactMatch, r.LowConfidence)
	}
	want := []TagScore{
		{Tag: "red square", Support: 2, Predicted: 3, Correct: 2, Precision: 2.0 / 3, Recall: 1, F1: 0.8},
		{Tag: "blue circle", Support: 1, Predicted: 1, Correct: 1, Precision: 1, Recall: 1, F1: 1},
		{Tag: "moves", Support: 2, Predicted: 1, Correct: 1, Precision: 1, Recall: 0.5, F1: 2.0 / 3},
		{Tag: "green star", Support: 1, Predicted: 0, Correct: 0, Precision: 0, Recall: 0, F1: 0}, // not a tag of the model: missed
	}
	if len(r.PerTag) != len(want) {
		t.Fatalf("per tag %+v", r.PerTag)
	}
	for i, w := range want {
		g := r.PerTag[i]
		if g.Tag != w.Tag || g.Support != w.Support || g.Predicted != w.Predicted || g.Correct != w.Correct ||
			math.Abs(g.Precision-w.Precision) > 1e-9 || math.Abs(g.Recall-w.Recall) > 1e-9 || math.Abs(g.F1-w.F1) > 1e-9 {
			t.Errorf("tag %d: %+v, want %+v", i, g, w)
		}
	}
	// Micro: 4 correct of 5 said, of 6 true.
	if m := r.Micro; m.Correct != 4 || m.Predicted != 5 || m.Support != 6 || math.Abs(m.Precision-0.8) > 1e-9 || math.Abs(m.Recall-4.0/6) > 1e-9 {
		t.Errorf("micro %+v", m)
	}
	if math.Abs(r.Macro.F1-(0.8+1+2.0/3+0)/4) > 1e-9 {
		t.Errorf("macro F1 %v", r.Macro.F1)
	}
	if e := Score(tags, nil); e.Videos != 0 || e.ExactMatch != 0 {
		t.Errorf("no videos: %+v", e)
	}
}

func TestReadTags(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.tags", "Moves\n\nred  square\nperson\n")
	write("a.json", "not read: the sidecar wins")
	write("b.json", `{"file":"b.mp4","fps":25,"segments":[{"event":"appear","object":1,"after":[{"id":1,"shape":"star","colour":"green","size":"small"}]}]}`)
	write("c.tags", "moves\nmoves\n")
	write("d.json", `{"file":"d.mp4"}`)
	cases := []struct {
		video string
		want  []string
		ok    bool
		err   string
	}{
		{"a.mp4", []string{"red square", "moves", "person"}, true, ""},
		{"b.mp4", []string{"green star", "appears"}, true, ""},
		{"c.mp4", nil, true, `c.tags: line 2: "moves" given twice`},
		{"d.mp4", nil, true, "no segments"},
		{"e.mp4", nil, false, ""},
	}
	for _, c := range cases {
		tags, from, ok, err := ReadTags(filepath.Join(dir, c.video))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "tag: ") {
				t.Errorf("%s: error %v, want one with %q", c.video, err, c.err)
			}
			continue
		}
		if err != nil || ok != c.ok || !slices.Equal(tags, c.want) || (ok && from == "") {
			t.Errorf("%s: %v %q %v %v; want %v %v", c.video, tags, from, ok, err, c.want, c.ok)
		}
	}
}

// testConfig is a small tagger over a feature vector with one 2x2 grid of
// 3 channels.
func testConfig(arch string) Config {
	return Config{Arch: arch, FeatureDim: 12, Inputs: []string{subtitle.InputPresent, subtitle.InputMotion},
		Grids: []subtitle.Grid{{Offset: 0, Channels: 3, Side: 2}}, FPS: 4, Hidden: 5}
}

func randFeats(rng *rand.Rand, T, F int) [][]float32 {
	out := make([][]float32, T)
	for t := range out {
		out[t] = make([]float32, F)
		for i := range out[t] {
			out[t][i] = float32(rng.NormFloat64())
		}
	}
	return out
}

// fdGradients compares the analytic gradients of loss (which runs the
// backward pass) with central differences, parameter by parameter, and
// returns the largest difference.
func fdGradients(t *testing.T, params []*rnn.Param, loss func() float64) float64 {
	t.Helper()
	const eps, absTol, relTol = 1e-2, 2e-3, 1e-2
	rnn.ZeroGrads(params)
	loss()
	var ana [][]float32
	for _, p := range params {
		ana = append(ana, slices.Clone(p.G))
	}
	worst := 0.0
	for i, p := range params {
		for j := range p.W {
			old := p.W[j]
			p.W[j] = old + eps
			lp := loss()
			p.W[j] = old - eps
			lm := loss()
			p.W[j] = old
			num := (lp - lm) / (2 * eps)
			d := math.Abs(num - float64(ana[i][j]))
			worst = max(worst, d)
			if d > absTol+relTol*math.Abs(num) {
				t.Errorf("%s[%d]: numeric %.6g, analytic %.6g", p.Name, j, num, ana[i][j])
			}
		}
	}
	return worst
}

// TestLossEveryStepGradients checks the LSTM's every-step loss (the head
// read at each real step of padded videos, the last weighted up) against
// central differences.
func TestLossEveryStepGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m, err := NewModel(testConfig(ArchLSTM), []string{"a", "b", "c"}, rng)
	if err != nil {
		t.Fatal(err)
	}
	seqs := [][][]float32{m.Inputs(randFeats(rng, 3, 12)), m.Inputs(randFeats(rng, 1, 12)), m.Inputs(randFeats(rng, 2, 12))}
	targets := []float32{1, 0, 1, 0, 0, 1, 1, 1, 0}
	var x, g []float32
	worst := fdGradients(t, m.Params(), func() float64 { return m.LossEveryStep(seqs, targets, &x, &g) })
	t.Logf("every step: largest |numeric - analytic| = %.2e", worst)
	// A video of one step: the loss is twice its last step's.
	one := [][][]float32{seqs[1]}
	last := m.Loss(one, targets[:3], &x)
	if every := m.LossEveryStep(one, targets[:3], &x, &g); math.Abs(every-2*last) > 1e-5 {
		t.Errorf("one step: every-step loss %v, want twice %v", every, last)
	}
}

// TestDenseGradients checks the baseline's backward pass (its per-step
// loss over padded videos) against central differences.
func TestDenseGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := NewModel(testConfig(ArchDense), []string{"a", "b", "c"}, rng)
	if err != nil {
		t.Fatal(err)
	}
	seqs := [][][]float32{m.Inputs(randFeats(rng, 3, 12)), m.Inputs(randFeats(rng, 1, 12)), m.Inputs(randFeats(rng, 2, 12))}
	targets := []float32{1, 0, 1, 0, 0, 1, 1, 1, 0}
	var x []float32
	worst := fdGradients(t, m.Params(), func() float64 { return m.Loss(seqs, targets, &x) })
	t.Logf("dense: largest |numeric - analytic| = %.2e", worst)
}

// TestModelSaveLoad: both architectures load back with the same
// configuration, tags and answers; the streaming inputs of a video built
// batch by batch are those of the whole video.
func TestModelSaveLoad(t *testing.T) {
	for _, arch := range []string{ArchLSTM, ArchDense} {
		rng := rand.New(rand.NewPCG(3, 4))
		m, err := NewModel(testConfig(arch), []string{"red square", "moves"}, rng)
		if err != nil {
			t.Fatal(err)
		}
		m.Norm.Fit(randFeats(rng, 20, 12))
		m.Config.Threshold = 0.35
		feats := randFeats(rng, 7, 12)
		want := m.Probabilities(m.Inputs(feats))
		data, err := m.Save()
		if err != nil {
			t.Fatal(err)
		}
		back, err := LoadModel(data, "test")
		if err != nil {
			t.Fatal(err)
		}
		got := back.Probabilities(back.Inputs(feats))
		if !slices.Equal(got, want) || !slices.Equal(back.Tags, m.Tags) || back.Config.Threshold != 0.35 || back.Config.Arch != arch {
			t.Errorf("%s: loaded %v %v %+v, saved %v %v %+v", arch, got, back.Tags, back.Config, want, m.Tags, m.Config)
		}
		if _, err := LoadModel(data[:len(data)/2], "cut"); err == nil || !strings.HasPrefix(err.Error(), "tag: cut: ") {
			t.Errorf("%s: a cut file: %v", arch, err)
		}
	}
}
