package tag

import (
	"context"
	"fmt"
	"time"

	"captioner/media"
	"captioner/rnn"
	"captioner/subtitle"
)

// Tagged is one tag with its probability.
type Tagged struct {
	Tag         string  `json:"tag"`
	Probability float64 `json:"probability"`
}

// Answer is a video's tags.
type Answer struct {
	Tags []Tagged // the tags said (probability at least the threshold), in the model's order
	All  []Tagged // every tag of the model with its probability
	// Confidence is the probability of the least sure decision, Novelty
	// the mean novelty of the frames' features; Unsure says they cross
	// the entry's limits: the tags are guesses.
	Confidence float64
	Novelty    float64
	Unsure     bool
	Steps      int // frames sampled
	Duration   time.Duration
}

// Names returns the tags said.
func (a *Answer) Names() []string {
	out := make([]string, len(a.Tags))
	for i, t := range a.Tags {
		out[i] = t.Tag
	}
	return out
}

// Tagger tags whole videos: a trained model with its bundle entry and the
// sampler that feeds it. It tags one video at a time (the model's layers
// keep their buffers between calls).
type Tagger struct {
	Model   *Model
	Entry   *Entry
	Sampler *subtitle.Sampler
}

// Tag samples the video at path and tags it, telling progress (if not
// nil) how far the frames through the CNN have got. The frames' features
// are turned into the network's inputs as they come, so memory holds the
// inputs (D values a step), not the CNN's vectors.
func (t *Tagger) Tag(ctx context.Context, path string, progress subtitle.Progress) (*Answer, error) {
	var total time.Duration
	if progress != nil {
		if info, err := media.Probe(ctx, path); err == nil {
			total = max(info.Duration, 0)
		}
		progress(0, total)
	}
	m := t.Model
	var in [][]float32
	var prev []float32
	var novelty float64
	var z []float32
	halfStep := t.Sampler.Phase()
	info, err := t.Sampler.Stream(ctx, path, func(times []time.Duration, feats [][]float32) error {
		// The first step of a batch changes from the last of the one before.
		rows, first := feats, len(in)
		if prev != nil {
			rows, first = append([][]float32{prev}, feats...), first-1
		}
		built := m.inputsAt(rows, first)
		if prev != nil {
			built = built[1:]
		}
		in = append(in, built...)
		prev = feats[len(feats)-1]
		for _, f := range feats {
			z = m.Norm.Apply(f, z)
			novelty += rnn.Novelty(z)
		}
		if progress != nil {
			done := times[len(times)-1] + halfStep
			if total > 0 {
				done = min(done, total)
			}
			progress(done, total)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("tag: %s: no frame could be sampled", path)
	}
	if progress != nil {
		progress(max(total, info.Duration), max(total, info.Duration))
	}
	a := t.answer(m.Probabilities(in), novelty/float64(len(in)))
	a.Steps, a.Duration = len(in), info.Duration
	return a, nil
}

// answer turns a video's tag probabilities and novelty into its answer.
func (t *Tagger) answer(p []float32, novelty float64) *Answer {
	m := t.Model
	a := &Answer{Novelty: novelty, Confidence: Confidence(p, m.Config.Threshold), Tags: []Tagged{}}
	for k, v := range p {
		tg := Tagged{Tag: m.Tags[k], Probability: float64(v)}
		a.All = append(a.All, tg)
		if float64(v) >= m.Config.Threshold {
			a.Tags = append(a.Tags, tg)
		}
	}
	a.Unsure = t.Entry.Unsure(a.Confidence, a.Novelty)
	return a
}

// TagFeatures tags a video from its sampled frames' feature vectors (as
// the sampler computes them, e.g. from the feature cache).
func (t *Tagger) TagFeatures(feats [][]float32) *Answer {
	var novelty float64
	var z []float32
	for _, f := range feats {
		z = t.Model.Norm.Apply(f, z)
		novelty += rnn.Novelty(z)
	}
	a := t.answer(t.Model.Probabilities(t.Model.Inputs(feats)), novelty/float64(max(len(feats), 1)))
	a.Steps = len(feats)
	return a
}

// Evaluate tags every example from its features (seqs[i], nil for a video
// that could not be read, which is left out) and scores the tags.
func Evaluate(ctx context.Context, t *Tagger, examples []Example, seqs [][][]float32) (*Report, []Scored, error) {
	var scored []Scored
	for i, e := range examples {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if seqs[i] == nil {
			continue
		}
		a := t.TagFeatures(seqs[i])
		scored = append(scored, Scored{Video: e.Video, Truth: e.Tags, Predicted: a.Names(), Unsure: a.Unsure, Novelty: a.Novelty})
	}
	rep := Score(t.Model.Tags, scored)
	rep.Threshold = t.Model.Config.Threshold
	rep.Total = len(examples)
	return rep, scored, nil
}
