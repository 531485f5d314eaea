package engine

import (
	"context"
	"fmt"
	"time"

	"captioner/describe"
	"captioner/media"
	"captioner/subtitle"
)

// DescribeOptions say how clips are described.
type DescribeOptions struct {
	Beam int // beam width; 0 is 3
}

// Describer describes whole videos with the bundle's describer and the
// Shapes labeller it reads, over the shared CNN. One video at a time.
type Describer struct {
	D       *describe.Describer
	Sampler *subtitle.Sampler
}

// Description is a video's description with its probe information.
type Description struct {
	describe.Description
	Info media.Info
}

// Describer loads the bundle's describer and Shapes labeller and starts
// the CNN they read.
func (e *Engine) Describer(o DescribeOptions) (*Describer, error) {
	b, err := e.Bundle()
	if err != nil {
		return nil, err
	}
	m, entry, err := describe.LoadBundle(b.FS, b.Name)
	if err != nil {
		return nil, err
	}
	l, err := e.shapesLabeller(SubtitleOptions{FPS: m.Config.FPS})
	if err != nil {
		return nil, err
	}
	beam := o.Beam
	if beam == 0 {
		beam = 3
	}
	d, err := describe.NewDescriber(m, entry, l.Model, l.Entry.Penalty, beam)
	if err != nil {
		return nil, err
	}
	return &Describer{D: d, Sampler: l.Sampler}, nil
}

// Describe samples the video at path, telling progress (if not nil) how
// far it has got, and describes it. An image, or a video with no frame to
// sample, is refused with ErrInput.
func (d *Describer) Describe(ctx context.Context, path string, progress subtitle.Progress) (Description, error) {
	probe, err := media.Probe(ctx, path)
	if err != nil {
		return Description{}, err
	}
	if probe.Kind != media.Video {
		return Description{}, fmt.Errorf("engine: %s: is an image (descriptions are of videos): %w", path, ErrInput)
	}
	total := max(probe.Duration, 0)
	halfStep := time.Duration(float64(time.Second) / d.Sampler.FPS / 2)
	if progress != nil {
		progress(0, total)
	}
	var times []time.Duration
	var feats [][]float32
	info, err := d.Sampler.Stream(ctx, path, func(ts []time.Duration, fs [][]float32) error {
		times = append(times, ts...)
		feats = append(feats, fs...)
		if progress != nil {
			done := ts[len(ts)-1] + halfStep
			if total > 0 {
				done = min(done, total)
			}
			progress(done, total)
		}
		return nil
	})
	if err != nil {
		return Description{}, err
	}
	if len(feats) == 0 {
		return Description{}, fmt.Errorf("engine: %s: no frame could be sampled: %w", path, ErrInput)
	}
	duration := info.Duration
	if duration <= 0 {
		duration = times[len(times)-1] + halfStep
	}
	if progress != nil {
		progress(duration, duration)
	}
	return Description{Description: d.D.Describe(times, feats, duration), Info: info}, nil
}
