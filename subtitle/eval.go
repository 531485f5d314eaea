package subtitle

import (
	"context"
	"fmt"
	"time"

	"captioner/internal/featcache"
	"captioner/rnn"
	"captioner/world"
)

// Cues turns a labelled sequence into cues: Viterbi smoothing with the
// switch penalty, segments on the video's timeline, then the cue rules.
func (m *Model) Cues(times []time.Duration, probs [][]float32, duration time.Duration, penalty float64, o Options) ([]Cue, error) {
	if len(times) == 0 {
		return nil, nil
	}
	labels := Smooth(probs, penalty)
	segs := Segments(times, labels, probs, duration)
	return BuildCues(segs, func(l int) string { return m.Labels[l] }, duration, o)
}

// WorldCues are cues as the scorers of WORLD.md read them.
func WorldCues(cues []Cue) []world.Cue {
	out := make([]world.Cue, len(cues))
	for i, c := range cues {
		out[i] = world.Cue{Start: c.Start, End: c.End, Text: c.Text()}
	}
	return out
}

// Report is how well a labeller's tracks match the true ones.
type Report struct {
	// Split is the part of the data scored ("test", or "all"), set by the
	// caller; Videos the videos scored, of Total in that part (those that
	// could not be read are left out).
	Split  string `json:"split,omitempty"`
	Total  int    `json:"total,omitempty"`
	Videos int    `json:"videos"`
	world.TrackReport
	// Confidence is the mean confidence of the predicted cues, weighted by
	// their duration; Novelty the mean novelty of the steps' features.
	Confidence float64 `json:"confidence"`
	Novelty    float64 `json:"novelty"`
}

// Evaluated is one video's labelling, as Evaluate made it.
type Evaluated struct {
	Cues       []Cue
	Confidence float64 // duration-weighted mean cue confidence
	Novelty    float64 // mean over steps
}

// Evaluate labels the sequences (the features of examples' videos, nil
// where a video could not be read, which is left out) and scores the
// resulting tracks against the examples' label tracks.
func Evaluate(ctx context.Context, m *Model, penalty float64, o Options, examples []Example, seqs []featcache.Sequence) (*Report, []Evaluated, error) {
	return evaluate(ctx, m, penalty, o, seqs, func(i int) (string, []world.Cue, error) {
		truth, err := ReadTrack(examples[i].Track)
		return examples[i].Video, truth, err
	})
}

// EvaluateTracks is Evaluate for sequences computed elsewhere, with their
// true label tracks (truths[i] that of seqs[i]).
func EvaluateTracks(ctx context.Context, m *Model, penalty float64, o Options, truths [][]world.Cue, seqs []featcache.Sequence) (*Report, []Evaluated, error) {
	return evaluate(ctx, m, penalty, o, seqs, func(i int) (string, []world.Cue, error) {
		return fmt.Sprintf("sequence %d", i), truths[i], nil
	})
}

// evaluate labels seqs and scores each against the true track trackOf(i)
// gives (with a name for errors).
func evaluate(ctx context.Context, m *Model, penalty float64, o Options, seqs []featcache.Sequence, trackOf func(i int) (string, []world.Cue, error)) (*Report, []Evaluated, error) {
	var sc world.TrackScorer
	rep := &Report{}
	out := make([]Evaluated, len(seqs))
	var confSum, confDur, novSum float64
	steps := 0
	for i, seq := range seqs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if seq.Vectors == nil || seq.Duration <= 0 {
			continue
		}
		name, truth, err := trackOf(i)
		if err != nil {
			return nil, nil, err
		}
		probs := m.Probabilities(seq.Vectors)
		cues, err := m.Cues(seq.Times, probs, seq.Duration, penalty, o)
		if err != nil {
			return nil, nil, fmt.Errorf("subtitle: %s: %w", name, err)
		}
		conf, covered := meanConfidence(cues)
		ev := Evaluated{Cues: cues, Confidence: conf, Novelty: m.novelty(seq.Vectors)}
		out[i] = ev
		confSum += conf * covered.Seconds()
		confDur += covered.Seconds()
		novSum += ev.Novelty * float64(len(seq.Vectors))
		steps += len(seq.Vectors)
		sc.Add(WorldCues(cues), truth, seq.Duration)
		rep.Videos++
	}
	rep.TrackReport = sc.Report()
	if confDur > 0 {
		rep.Confidence = confSum / confDur
	}
	if steps > 0 {
		rep.Novelty = novSum / float64(steps)
	}
	return rep, out, nil
}

// meanConfidence is the duration-weighted mean confidence of cues, and
// their total duration.
func meanConfidence(cues []Cue) (float64, time.Duration) {
	var sum float64
	var total time.Duration
	for _, c := range cues {
		sum += c.Confidence * (c.End - c.Start).Seconds()
		total += c.End - c.Start
	}
	if total <= 0 {
		return 0, 0
	}
	return sum / total.Seconds(), total
}

// novelty is the mean novelty (rnn.Novelty of the standardised vector) of
// feats.
func (m *Model) novelty(feats [][]float32) float64 {
	if len(feats) == 0 {
		return 0
	}
	var sum float64
	var z []float32
	for _, f := range feats {
		z = m.Norm.Apply(f, z)
		sum += rnn.Novelty(z)
	}
	return sum / float64(len(feats))
}
