package subtitle

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func randomFeats(r *rand.Rand, T, F int) [][]float32 {
	out := make([][]float32, T)
	for t := range out {
		out[t] = make([]float32, F)
		for i := range out[t] {
			out[t][i] = float32(r.NormFloat64())
		}
	}
	return out
}

func testModel(t *testing.T, cfg Config) *Model {
	t.Helper()
	m, err := NewModel(cfg, []string{"a", "b", "c"}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	m.SetTrain(false)
	return m
}

func maxDiff(a, b [][]float32) float64 {
	d := 0.0
	for i := range a {
		for j := range a[i] {
			d = max(d, math.Abs(float64(a[i][j]-b[i][j])))
		}
	}
	return d
}

// A unidirectional labeller carries its state across windows: the window
// length does not change its output.
func TestStreamUnidirectionalWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	feats := randomFeats(r, 50, 6)
	cfg := Config{FeatureDim: 6, Hidden: 5, Layers: 2, Inputs: []string{InputFeatures, InputChange}, FPS: 4, Window: 64}
	whole := testModel(t, cfg).Probabilities(feats)
	cfg.Window = 8
	windowed := testModel(t, cfg).Probabilities(feats)
	if len(whole) != 50 || len(windowed) != 50 {
		t.Fatalf("%d and %d steps, want 50", len(whole), len(windowed))
	}
	if d := maxDiff(whole, windowed); d > 1e-5 {
		t.Errorf("windows of 8 differ from one window by %g", d)
	}
	for _, p := range whole {
		sum := 0.0
		for _, v := range p {
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Fatalf("probabilities sum to %g", sum)
		}
	}
}

// A bidirectional labeller sees each step with at least a quarter window of
// context on both sides: in the middle of a long sequence its windowed
// output is close to what it gives seeing everything, and every step is
// handed out once, in order.
func TestStreamBidirectionalWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	feats := randomFeats(r, 203, 6)
	cfg := Config{FeatureDim: 6, Hidden: 5, Layers: 1, Bidirectional: true, Inputs: []string{InputFeatures, InputChange}, FPS: 4, Window: 1000}
	whole := testModel(t, cfg).Probabilities(feats)
	cfg.Window = 64
	m := testModel(t, cfg)
	var steps []int
	var windowed [][]float32
	s := m.NewStream(func(step int, p []float32) { steps = append(steps, step); windowed = append(windowed, p) })
	for _, f := range feats {
		s.Push(f)
	}
	s.Flush()
	if len(steps) != len(feats) {
		t.Fatalf("%d steps handed out, want %d", len(steps), len(feats))
	}
	for i, st := range steps {
		if st != i {
			t.Fatalf("step %d handed out as %d", i, st)
		}
	}
	// Random weights forget fast; 16 steps of context is plenty.
	if d := maxDiff(whole, windowed); d > 1e-3 {
		t.Errorf("windows of 64 differ from seeing the whole sequence by %g", d)
	}
	// The same steps pushed into Probabilities give the same numbers.
	if d := maxDiff(windowed, m.Probabilities(feats)); d != 0 {
		t.Errorf("Probabilities differs from a Stream by %g", d)
	}
}

func TestSaveLoad(t *testing.T) {
	cfg := Config{FeatureDim: 6, Hidden: 5, Layers: 1, Bidirectional: true, FPS: 4, Window: 16, Dropout: 0.1,
		Inputs: []string{InputFeatures, InputChange, InputMotion, InputMoving}, Grids: []Grid{{Offset: 1, Channels: 1, Side: 2}}}
	m := testModel(t, cfg)
	m.Norm.Fit(randomFeats(rand.New(rand.NewPCG(7, 8)), 30, 6))
	data, err := m.Save()
	if err != nil {
		t.Fatal(err)
	}
	back, err := LoadModel(data, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Config, cfg) || len(back.Labels) != 3 || back.Labels[2] != "c" {
		t.Errorf("loaded %+v %v", back.Config, back.Labels)
	}
	feats := randomFeats(rand.New(rand.NewPCG(9, 10)), 40, 6)
	if d := maxDiff(m.Probabilities(feats), back.Probabilities(feats)); d != 0 {
		t.Errorf("loaded model differs by %g", d)
	}
	if _, err := LoadModel([]byte("junk"), "junk.safetensors"); err == nil {
		t.Error("junk loaded")
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{FeatureDim: 0, Hidden: 5, Layers: 1, FPS: 4, Window: 16},
		{FeatureDim: 6, Hidden: 5, Layers: 1, FPS: 0, Window: 16},
		{FeatureDim: 6, Hidden: 5, Layers: 1, FPS: 4, Window: 4},
		{FeatureDim: 6, Hidden: 5, Layers: 1, FPS: 4, Window: 16, Dropout: 1},
	} {
		if _, err := NewModel(cfg, []string{"a", "b"}, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	if _, err := NewModel(Config{FeatureDim: 6, Hidden: 5, Layers: 1, FPS: 4, Window: 16}, []string{"a"}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("one label accepted")
	}
}

// A shared labeller holds the same weights (the same memory) and gives
// the same probabilities, with buffers of its own: two goroutines label at
// once and get what one gets alone.
func TestSharedModel(t *testing.T) {
	labels, schema := ClassSchema()
	m, err := NewSchemaModel(Config{FeatureDim: ClassValues, Hidden: 8, Layers: 1, Bidirectional: true, FPS: 2, Window: 8, Inputs: []string{InputFeatures, InputChange}}, labels, schema, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	m.SetTrain(false)
	s, err := m.Shared()
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range s.allParams() {
		if &p.W[0] != &m.allParams()[i].W[0] {
			t.Fatalf("parameter %s is a copy", p.Name)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	feats := make([][]float32, 30)
	for i := range feats {
		feats[i] = make([]float32, ClassValues)
		for j := range feats[i] {
			feats[i][j] = float32(rng.NormFloat64())
		}
	}
	want := m.Probabilities(feats)
	got := make([][][]float32, 2)
	done := make(chan int)
	for g, x := range []*Model{m, s} {
		go func() {
			for range 20 {
				got[g] = x.Probabilities(feats)
			}
			done <- g
		}()
	}
	<-done
	<-done
	for g := range got {
		if !reflect.DeepEqual(got[g], want) {
			t.Errorf("goroutine %d: probabilities differ", g)
		}
	}
}
