package describe

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"captioner/rnn"
	"captioner/subtitle"
	"captioner/world"
)

// Describer describes whole clips from their sampled feature vectors: the
// Shapes labeller finds where the events are (for chapters), the
// encoder-decoder says what they are. It keeps buffers: one clip at a
// time.
type Describer struct {
	Model    *Model
	Entry    *Entry
	Labeller *subtitle.Model
	Penalty  float64 // the labeller's smoothing penalty
	dec      *Decoder
}

// NewDescriber checks that model reads what labeller gives (the same
// features, rate and labels) and prepares beam search of width beam.
func NewDescriber(model *Model, entry *Entry, labeller *subtitle.Model, penalty float64, beam int) (*Describer, error) {
	c, lc := model.Config, labeller.Config
	if c.FeatureDim != lc.FeatureDim || c.FPS != lc.FPS {
		return nil, fmt.Errorf("describe: the describer reads %d features at %g steps a second, the labeller %d at %g",
			c.FeatureDim, c.FPS, lc.FeatureDim, lc.FPS)
	}
	if c.readsLabels() && !slices.Equal(c.Labels, labeller.Labels) {
		return nil, fmt.Errorf("describe: the describer was trained on another labeller's labels (%d, the labeller has %d)", len(c.Labels), len(labeller.Labels))
	}
	if !slices.Contains(labeller.Labels, c.Still) {
		return nil, fmt.Errorf("describe: the labeller has no label %q for stretches without events", c.Still)
	}
	dec, err := model.NewDecoder(beam)
	if err != nil {
		return nil, err
	}
	return &Describer{Model: model, Entry: entry, Labeller: labeller, Penalty: penalty, dec: dec}, nil
}

// runIDs numbers the runs over T steps: the run of each step.
func runIDs(runs []Run, T int) []int {
	ids := make([]int, T)
	for i, r := range runs {
		for t := r.From; t < r.To; t++ {
			ids[t] = i
		}
	}
	return ids
}

// Chapter is a stretch of a clip with at most Config.MaxEvents events and
// its description, the chapter's title.
type Chapter struct {
	From, To   int           // steps [From, To)
	Start, End time.Duration // on the video's timeline
	Result
}

// Description is what a clip's chapters say.
type Description struct {
	// Text is the clip's description: the chapters' events in order,
	// joined as world.Describe does (or, if some chapter's words do not
	// parse, the chapters' texts joined by world.Then).
	Text     string
	Events   []string // the events, when every chapter parsed
	Parsed   bool
	Chapters []Chapter
	// Confidence is the least confident chapter's: exp of its mean
	// log-probability per token. Novelty is the mean novelty of the
	// steps' features; Unsure says either crosses the entry's limits.
	Confidence float64
	Novelty    float64
	Unsure     bool
	Steps      int
	// Labelled are the events the labeller's smoothed track names, in
	// order: what the chapters were planned on.
	Labelled []string
}

// Describe describes a clip of the given duration from its steps' times
// and feature vectors (T, F).
func (d *Describer) Describe(times []time.Duration, feats [][]float32, duration time.Duration) Description {
	T := len(feats)
	out := Description{Steps: T, Parsed: true, Confidence: 1}
	if T == 0 {
		out.Text, out.Events = d.Model.Config.Still, []string{}
		return out
	}
	probs := d.Labeller.Probabilities(feats)
	texts := make([]string, T)
	for t, l := range subtitle.Smooth(probs, d.Penalty) {
		texts[t] = d.Labeller.Labels[l]
	}
	runs := runsOf(texts, d.Model.Config.Still)
	ids := runIDs(runs, T)
	for _, r := range runs {
		if r.Event {
			out.Labelled = append(out.Labelled, r.Text)
		}
	}
	rows := d.Model.Rows(feats, probs)
	var z []float32
	for _, f := range feats {
		z = d.Model.Norm.Apply(f, z)
		out.Novelty += rnn.Novelty(z)
	}
	out.Novelty /= float64(T)
	edge := func(step int) time.Duration { // where step starts
		switch step {
		case 0:
			return 0
		case T:
			return max(duration, times[T-1])
		}
		return (times[step-1] + times[step]) / 2
	}
	var texts2 []string
	for _, sp := range PlanChapters(runs, T, d.Model.Config.MaxEvents) {
		res := d.dec.Describe(d.Model.pool(rows[sp.From:sp.To], ids[sp.From:sp.To]))
		ch := Chapter{From: sp.From, To: sp.To, Start: edge(sp.From), End: edge(sp.To), Result: res}
		out.Chapters = append(out.Chapters, ch)
		out.Confidence = min(out.Confidence, confidence(res.Score))
		texts2 = append(texts2, res.Text)
		if !res.Parsed {
			out.Parsed = false
		}
		out.Events = append(out.Events, res.Events...)
	}
	if out.Parsed {
		out.Text = joinEvents(out.Events, d.Model.Config.Still)
		if out.Events == nil {
			out.Events = []string{}
		}
	} else {
		out.Text, out.Events = strings.Join(texts2, world.Then), nil
	}
	if d.Entry != nil {
		out.Unsure = d.Entry.Unsure(out.Confidence, out.Novelty)
	}
	return out
}
