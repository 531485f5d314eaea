package subtitle

import (
	"bytes"
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"captioner/internal/featcache"
	"captioner/world"
)

// A dense labeller's stream runs windows that overlap by its context, so
// that every step it hands out was seen with its whole window: windows of
// 16 give what one window over the whole sequence gives, every step once,
// in order, and Probabilities gives the same numbers as a Stream.
func TestStreamDenseWindows(t *testing.T) {
	feats := randomFeats(rand.New(rand.NewPCG(31, 32)), 203, 6)
	for _, k := range []int{0, 1, 4} {
		cfg := Config{FeatureDim: 6, Hidden: 5, Layers: 2, Dense: true, Context: k, Inputs: []string{InputFeatures, InputChange}, FPS: 4, Window: 1000}
		whole := testModel(t, cfg).Probabilities(feats)
		cfg.Window = 16
		m := testModel(t, cfg)
		var steps []int
		var windowed [][]float32
		s := m.NewStream(func(step int, p []float32) { steps = append(steps, step); windowed = append(windowed, p) })
		for i, f := range feats {
			s.Push(f)
			// Handed out as soon as the K steps after it are in.
			if len(steps) < i+1-k-16 {
				t.Fatalf("context %d: %d steps pushed, only %d handed out", k, i+1, len(steps))
			}
		}
		s.Flush()
		if len(steps) != len(feats) {
			t.Fatalf("context %d: %d steps handed out, want %d", k, len(steps), len(feats))
		}
		for i, st := range steps {
			if st != i {
				t.Fatalf("context %d: step %d handed out as %d", k, i, st)
			}
		}
		if d := maxDiff(whole, windowed); d > 1e-6 {
			t.Errorf("context %d: windows of 16 differ from one window by %g", k, d)
		}
		if d := maxDiff(windowed, m.Probabilities(feats)); d != 0 {
			t.Errorf("context %d: Probabilities differs from a Stream by %g", k, d)
		}
	}
}

func TestDenseConfig(t *testing.T) {
	base := Config{FeatureDim: 6, Hidden: 5, Layers: 1, FPS: 4, Window: 16, Inputs: []string{InputFeatures}}
	for name, c := range map[string]func(*Config){
		"bidirectional":   func(c *Config) { c.Dense, c.Bidirectional = true, true },
		"lstm context":    func(c *Config) { c.Context = 1 },
		"negative":        func(c *Config) { c.Dense, c.Context = true, -1 },
		"over the margin": func(c *Config) { c.Dense, c.Context = true, 5 },
	} {
		cfg := base
		c(&cfg)
		if _, err := NewModel(cfg, []string{"a", "b"}, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("%s: %+v accepted", name, cfg)
		}
	}
	cfg := base
	cfg.Dense, cfg.Context, cfg.Layers = true, 4, 2
	m := testModel(t, cfg)
	var names []string
	for _, p := range m.Net.Params() {
		names = append(names, p.Name)
	}
	want := []string{"enc.layer0.wx", "enc.layer0.b", "enc.layer1.wx", "enc.layer1.b", "head.weight", "head.bias"}
	if !reflect.DeepEqual(names, want) || m.Net.Params()[0].Shape[1] != 9*6 || m.Net.Params()[2].Shape[1] != 5 {
		t.Errorf("parameters %v (first %v, second %v), want %v", names, m.Net.Params()[0].Shape, m.Net.Params()[2].Shape, want)
	}
}

// delayedSet generates n labelled sequences whose features show, at every
// step, the label of the step delay steps earlier (one-hot, with noise):
// segments of 6 to 14 steps at 4 steps a second, labels a, b and c, no two
// neighbours alike.
func delayedSet(seed uint64, n, delay int) SequenceSet {
	rng := rand.New(rand.NewPCG(seed, 7))
	labels := []string{"a", "b", "c"}
	const step = 250 * time.Millisecond
	var set SequenceSet
	for range n {
		T := 40 + rng.IntN(41)
		ids := make([]int, T)
		var truth []world.Cue
		cur := rng.IntN(3)
		for from := 0; from < T; {
			to := min(from+6+rng.IntN(9), T)
			for t := from; t < to; t++ {
				ids[t] = cur
			}
			truth = append(truth, world.Cue{Start: time.Duration(from) * step, End: time.Duration(to) * step, Text: labels[cur]})
			cur = (cur + 1 + rng.IntN(2)) % 3
			from = to
		}
		seq := featcache.Sequence{Duration: time.Duration(T) * step}
		texts := make([]string, T)
		for t := range T {
			f := make([]float32, 6)
			for i := range f {
				f[i] = float32(0.2 * rng.NormFloat64())
			}
			f[ids[max(t-delay, 0)]] += 1
			seq.Times = append(seq.Times, time.Duration(t)*step+step/2) // mid-step, as the Sampler samples
			seq.Vectors = append(seq.Vectors, f)
			texts[t] = labels[ids[t]]
		}
		set.Seqs = append(set.Seqs, seq)
		set.Labels = append(set.Labels, texts)
		set.Truth = append(set.Truth, truth)
	}
	return set
}

// Dense labellers train in seconds with the recurrent labeller's loop. On
// sequences whose features show each step's label three steps late, one
// with a context of 3 steps (it sees the step that shows the label) learns
// the labels and their boundaries; one that sees a single step cannot know
// a label has changed until three steps later, and scores no better than
// that. The trained labeller saves and loads back to the same bytes and
// numbers.
func TestDenseLabellerTrains(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two labellers")
	}
	ctx := context.Background()
	train, val, test := delayedSet(1, 200, 3), delayedSet(2, 20, 3), delayedSet(3, 40, 3)
	reports := map[int]*Report{}
	for _, k := range []int{0, 3} {
		res, err := TrainSequences(ctx, SequenceTrainOptions{
			Train: train, Val: val, Labels: []string{"a", "b", "c"}, Out: t.TempDir(),
			Seed: 1, Epochs: 6, Patience: 6, Batch: 16, LR: 1e-2,
			Config: Config{Hidden: 16, Layers: 1, Dense: true, Context: k, FPS: 4, Window: 16, Inputs: []string{InputFeatures}},
		})
		if err != nil {
			t.Fatal(err)
		}
		back, err := LoadModel(res.Weights, "trained")
		if err != nil {
			t.Fatal(err)
		}
		again, err := back.Save()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, res.Weights) || !back.Config.Dense || back.Config.Context != k || !reflect.DeepEqual(back.Config, res.Model.Config) {
			t.Errorf("context %d: loaded back as %+v, saved again %d bytes of %d", k, back.Config, len(again), len(res.Weights))
		}
		if d := maxDiff(back.Probabilities(test.Seqs[0].Vectors), res.Model.Probabilities(test.Seqs[0].Vectors)); d != 0 {
			t.Errorf("context %d: the loaded labeller differs by %g", k, d)
		}
		rep, _, err := EvaluateTracks(ctx, back, res.Penalty, DefaultOptions(), test.Truth, test.Seqs)
		if err != nil {
			t.Fatal(err)
		}
		reports[k] = rep
		t.Logf("context %d: best epoch %d, smoothing %g; test step %.3f, F1 %.3f, time %.3f", k, res.BestEpoch, res.Penalty, rep.StepAccuracy, rep.F1, rep.TimeAccuracy)
	}
	if r := reports[3]; r.StepAccuracy < 0.95 || r.F1 < 0.9 {
		t.Errorf("context 3: step %.3f, F1 %.3f; want at least 0.95 and 0.9", r.StepAccuracy, r.F1)
	}
	if r := reports[0]; r.StepAccuracy > reports[3].StepAccuracy-0.1 || r.F1 > 0.5 {
		t.Errorf("context 0: step %.3f, F1 %.3f: it cannot see a change for three steps", r.StepAccuracy, r.F1)
	}
}
