package engine

import (
	"context"
	"time"

	"captioner/subtitle"
)

// Pool hands out one of its members at a time to each caller: a model
// whose layers keep their scratch buffers serves one input at a time, so
// each concurrent worker needs its own, while the weights and the CNN
// behind them are shared.
type Pool[T any] struct {
	free chan T
}

// NewPool pools xs.
func NewPool[T any](xs ...T) *Pool[T] {
	p := &Pool[T]{free: make(chan T, len(xs))}
	for _, x := range xs {
		p.free <- x
	}
	return p
}

// Size is how many members the pool has.
func (p *Pool[T]) Size() int { return cap(p.free) }

// Do calls f with the first member free, waiting for one until ctx ends.
func (p *Pool[T]) Do(ctx context.Context, f func(T) error) error {
	select {
	case x := <-p.free:
		defer func() { p.free <- x }()
		return f(x)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Labellers labels as many videos at once as it has labellers (Shapes
// only: the labellers of batch), which may share one sampler and CNN.
type Labellers struct {
	p *Pool[*subtitle.Labeller]
}

// LabelProgress labels path with the first labeller free.
func (l *Labellers) LabelProgress(ctx context.Context, path string, progress subtitle.Progress) (tr *subtitle.Track, err error) {
	err = l.p.Do(ctx, func(x *subtitle.Labeller) error {
		tr, err = x.LabelProgress(ctx, path, progress)
		return err
	})
	return tr, err
}

// Video is a video's track and how it was made.
type Video struct {
	Track  *subtitle.Track
	Domain string  // DomainShapes or DomainObjects: which models answered
	FPS    float64 // the rate the answering models sampled at
}

// VideoLabeller labels videos in their domain: the Shapes labeller, and
// the objects domain's models (loaded when a video first needs them). One
// video at a time; a Pool of them labels several.
type VideoLabeller struct {
	Shapes *subtitle.Labeller
	Obj    *ObjectsVideos
	Domain string // DomainAuto, DomainShapes or DomainObjects
}

// DomainProbe is how much of a video's start tells its domain: the Shapes
// labeller's novelty over these seconds' frames against its limit.
const DomainProbe = 4 * time.Second

// Label labels the video at path in its domain, telling progress how far
// it has got. In auto, the novelty of its first seconds' frames for the
// Shapes labeller decides: a video like the Shapes world is labelled by
// the Shapes labeller, any other by the objects labeller on what the
// detector finds, or without one by the detector's findings described
// step by step; a bundle without a detector keeps the Shapes track,
// flagged as it is.
func (v *VideoLabeller) Label(ctx context.Context, path string, progress subtitle.Progress) (Video, error) {
	l, domain := v.Shapes, v.Domain
	if domain == DomainAuto {
		nov, err := l.Novelty(ctx, path, DomainProbe)
		if err != nil {
			return Video{}, err
		}
		domain = DomainShapes
		if l.Entry.NoveltyLimit > 0 && nov > l.Entry.NoveltyLimit {
			otr, err := v.Obj.Label(ctx, path, progress)
			if err == nil {
				return Video{Track: otr, Domain: DomainObjects, FPS: v.Obj.FPS()}, nil
			}
			if ctx.Err() != nil {
				return Video{}, ctx.Err()
			}
		}
	}
	if domain == DomainShapes {
		tr, err := l.LabelProgress(ctx, path, progress)
		return Video{Track: tr, Domain: DomainShapes, FPS: l.Sampler.FPS}, err
	}
	otr, err := v.Obj.Label(ctx, path, progress)
	if err != nil {
		return Video{}, err
	}
	return Video{Track: otr, Domain: DomainObjects, FPS: v.Obj.FPS()}, nil
}
