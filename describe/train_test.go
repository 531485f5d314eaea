package describe

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"captioner/caption"
	"captioner/world"
)

// toyLabels are a labeller's labels for the toy videos.
var toyLabels = []string{
	"nothing moves", "a red circle moves left", "a blue star appears", "a green square disappears",
	"a red circle appears", "a blue star moves up", "a green square moves right",
}

// toyVideo is a video as a labeller sees it: 1 to maxEvents events of
// 3 to 6 steps, some with still stretches between, and the labeller's
// distribution at each step (0.7 on the true label, the rest spread at
// random). It returns the model's rows, the true runs and the events.
func toyVideo(m *Model, rng *rand.Rand, maxEvents int) (video, []string) {
	var texts, events []string
	n := 1 + rng.IntN(maxEvents)
	prev := -1
	for range n {
		if rng.IntN(2) == 0 {
			for range 2 + rng.IntN(3) {
				texts = append(texts, toyLabels[0])
			}
			prev = -1
		}
		l := 1 + rng.IntN(len(toyLabels)-1)
		for l == prev { // neighbours never share a label
			l = 1 + rng.IntN(len(toyLabels)-1)
		}
		prev = l
		events = append(events, toyLabels[l])
		for range 3 + rng.IntN(4) {
			texts = append(texts, toyLabels[l])
		}
	}
	probs := make([][]float32, len(texts))
	for t, x := range texts {
		p := make([]float32, len(toyLabels))
		var rest float32
		for i := range p {
			p[i] = rng.Float32()
			rest += p[i]
		}
		for i := range p {
			p[i] *= 0.3 / rest
		}
		p[slices.Index(toyLabels, x)] += 0.7
		probs[t] = p
	}
	return video{rows: m.Rows(nil, probs), runs: runsOf(texts, toyLabels[0])}, events
}

func toyModel(t *testing.T, seed uint64) *Model {
	t.Helper()
	words, _ := labelWords(toyLabels)
	var toks [][]string
	for _, l := range toyLabels {
		toks = append(toks, caption.Tokenize(l))
	}
	vocab := caption.BuildVocab(append(toks, caption.Tokenize(world.Then)), 1)
	cfg := Config{FeatureDim: 4, FPS: 4, Inputs: []string{InputLabels}, Labels: toyLabels, Words: words, Still: toyLabels[0],
		Embed: 16, Hidden: 64, MaxLen: 24, MaxEvents: 3}
	m, err := NewModel(cfg, vocab, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A small describer learns, in seconds, to say the events of toy videos
// it has not seen, in order, from a noisy labeller's distributions; and
// its weights load back to the same descriptions.
func TestTrainLearnsToyVideos(t *testing.T) {
	m := toyModel(t, 1)
	rng := rand.New(rand.NewPCG(7, 7))
	var vids []video
	for range 300 {
		v, _ := toyVideo(m, rng, 6)
		vids = append(vids, v)
	}
	type held struct {
		rows   [][]float32
		events []string
	}
	var val []held
	for range 60 {
		v, evs := toyVideo(m, rng, 3)
		val = append(val, held{v.rows, evs})
	}
	exact := func(m *Model) float64 {
		d, err := m.NewDecoder(3)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, h := range val {
			if r := d.Describe(h.rows); r.Parsed && slices.Equal(r.Events, h.events) {
				n++
			} else if testing.Verbose() && m != nil && os.Getenv("DBG") != "" {
				t.Logf("%q want %q", r.Text, h.events)
			}
		}
		return float64(n) / float64(len(val))
	}
	before := exact(m)
	o := TrainOptions{Seed: 3, Epochs: 14, Batch: 16, LR: 1e-2, Windows: 8, Patience: 14}
	o.defaults()
	start := time.Now()
	f, err := m.fit(context.Background(), &o, vids, func() (float64, string, error) { return exact(m), "", nil })
	if err != nil {
		t.Fatal(err)
	}
	best, err := LoadModel(f.best, "best")
	if err != nil {
		t.Fatal(err)
	}
	after := exact(best)
	t.Logf("exact match on 60 unseen toy videos: %.3f before training, %.3f after %d epochs (best %d), %s",
		before, after, f.epochs, f.bestEpoch, time.Since(start).Round(time.Millisecond))
	if before > 0.1 || after < 0.9 {
		t.Errorf("exact match %.3f before training, %.3f after: want at most 0.1, then at least 0.9", before, after)
	}
	// Saved and loaded, the weights describe as they did.
	data, err := best.Save()
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadModel(data, "again")
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := best.NewDecoder(3)
	d2, _ := again.NewDecoder(3)
	for i, h := range val[:10] {
		if a, b := d1.Describe(h.rows), d2.Describe(h.rows); a.Text != b.Text || a.Score != b.Score {
			t.Errorf("video %d: %q (%g) before saving, %q (%g) after", i, a.Text, a.Score, b.Text, b.Score)
		}
	}
}

// Training windows name the events they hold, whole, and their edges lie
// in the still stretches beside them or at most a step past.
func TestWindows(t *testing.T) {
	m := toyModel(t, 1)
	rng := rand.New(rand.NewPCG(5, 5))
	for k := range 50 {
		v, evs := toyVideo(m, rng, 6)
		// Rows are told apart by their step: overwrite them with it.
		for i := range v.rows {
			v.rows[i] = []float32{float32(i)}
		}
		var ev []Run
		for _, r := range v.runs {
			if r.Event {
				ev = append(ev, r)
			}
		}
		ws := windows(m, []video{v}, 100, rand.New(rand.NewPCG(uint64(k), 0)))
		if len(evs) <= 3 && (len(ws[0].rows) != len(v.rows) || ws[0].text != joinEvents(evs, toyLabels[0])) {
			t.Errorf("video %d: the first window is not the whole video with its %d events: %q", k, len(evs), ws[0].text)
		}
		for _, w := range ws {
			from, to := int(w.rows[0][0]), int(w.rows[len(w.rows)-1][0])+1
			if w.text == toyLabels[0] {
				for _, r := range ev {
					if r.From < to && from < r.To {
						t.Errorf("video %d: still window [%d,%d) overlaps event run %v", k, from, to, r)
					}
				}
				continue
			}
			names := strings.Split(w.text, world.Then)
			i := slices.IndexFunc(ev, func(r Run) bool { return r.From >= from-1 && r.Text == names[0] })
			if i < 0 || i+len(names) > len(ev) || len(names) > 3 {
				t.Fatalf("video %d: window [%d,%d) %q: no such events in %v", k, from, to, w.text, ev)
			}
			first, last := ev[i], ev[i+len(names)-1]
			for j, n := range names {
				if ev[i+j].Text != n {
					t.Errorf("video %d: window [%d,%d) names %q, event %d is %q", k, from, to, n, i+j, ev[i+j].Text)
				}
			}
			if from > first.From+1 || to < last.To-1 {
				t.Errorf("video %d: window [%d,%d) %q cuts more than a step of its events [%d,%d)", k, from, to, w.text, first.From, last.To)
			}
			if i > 0 && from < ev[i-1].To-1 || i+len(names) < len(ev) && to > ev[i+len(names)].From+1 {
				t.Errorf("video %d: window [%d,%d) %q reaches more than a step into its neighbours", k, from, to, w.text)
			}
		}
	}
}
