package subtitle

import (
	"context"
	"time"

	"captioner/media"
	"captioner/rnn"
)

// Labeller writes the cues of whole videos: a trained model with its bundle
// entry, the sampler that feeds it and the cue rules. A Labeller labels one
// video at a time (the model's layers keep their buffers between calls);
// label videos side by side with a Labeller each, loading the model once
// per Labeller.
type Labeller struct {
	Model   *Model
	Entry   *Entry
	Sampler *Sampler
	Cue     Options
	// Penalty, if not nil, overrides the entry's smoothing penalty.
	Penalty *float64
}

// Track is a labelled video.
type Track struct {
	Info  media.Info
	Cues  []Cue
	Steps int // frames sampled
	// Confidence is the duration-weighted mean confidence of the cues,
	// Novelty the mean novelty of the frames' features; Unsure says they
	// cross the entry's limits: the labels are guesses.
	Confidence float64
	Novelty    float64
	Unsure     bool
}

// Progress is told, as a video is labelled, how far the frames through
// the CNN have got (the end of the last one's step, at most total) and the
// video's duration (0 when it is not known). It is called on the
// labelling's own goroutine, after each batch of frames (every 16 frames
// by default, 4 s of video at 4 a second), and once more with done = total
// when the video is done; it must return quickly.
type Progress func(done, total time.Duration)

type samples struct {
	times []time.Duration
	feats [][]float32
}

// Label samples path and labels it. Decoding (ffmpeg), the CNN and the
// recurrent network run concurrently, each on its own goroutine, and
// memory does not grow with the length of the video beyond the per-step
// label probabilities that smoothing needs (L float32 a step). Cancelling
// ctx stops all three promptly.
func (l *Labeller) Label(ctx context.Context, path string) (*Track, error) {
	return l.LabelProgress(ctx, path, nil)
}

// LabelProgress is Label that reports how far it has got to progress (if
// not nil), from the time stamps of the frames the CNN has done.
func (l *Labeller) LabelProgress(ctx context.Context, path string, progress Progress) (*Track, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan samples, 2)
	type result struct {
		times   []time.Duration
		probs   [][]float32
		novelty float64
	}
	done := make(chan result, 1)
	go func() {
		var r result
		var z []float32
		s := l.Model.NewStream(func(_ int, p []float32) { r.probs = append(r.probs, p) })
		for b := range ch {
			for i, f := range b.feats {
				z = l.Model.Norm.Apply(f, z)
				r.novelty += rnn.Novelty(z)
				s.Push(f)
				r.times = append(r.times, b.times[i])
			}
		}
		s.Flush()
		done <- r
	}()
	var total time.Duration
	opened := func(info media.Info) {
		total = max(info.Duration, 0)
		if progress != nil {
			progress(0, total)
		}
	}
	halfStep := time.Duration(float64(time.Second) / l.Sampler.fps() / 2)
	info, err := l.Sampler.stream(ctx, path, opened, func(times []time.Duration, feats [][]float32) error {
		if progress != nil {
			done := times[len(times)-1] + halfStep // the end of the last frame's step
			if total > 0 {
				done = min(done, total)
			}
			progress(done, total)
		}
		select {
		case ch <- samples{times, feats}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(ch)
	r := <-done
	if err != nil {
		return nil, err
	}
	tr := &Track{Info: info, Steps: len(r.times)}
	if progress != nil && len(r.times) > 0 {
		end := total
		if end == 0 {
			end = r.times[len(r.times)-1] + halfStep
		}
		progress(end, end)
	}
	if len(r.times) == 0 {
		return tr, nil
	}
	tr.Novelty = r.novelty / float64(len(r.times))
	duration := info.Duration
	if end := r.times[len(r.times)-1] + halfStep; duration <= 0 {
		duration = end // a stream without a known duration: up to the last step's end
	}
	penalty := l.Entry.Penalty
	if l.Penalty != nil {
		penalty = *l.Penalty
	}
	cues, err := l.Model.Cues(r.times, r.probs, duration, penalty, l.Cue)
	if err != nil {
		return nil, err
	}
	tr.Cues = cues
	tr.Confidence, _ = meanConfidence(cues)
	tr.Unsure = l.Entry.Unsure(tr.Confidence, tr.Novelty)
	return tr, nil
}
