package subtitle

import (
	"context"
	"fmt"
	"sync"
	"time"

	"captioner/internal/featcache"
	"captioner/media"
)

// Extractor is what subtitle needs of a CNN: feature vectors for frames.
// vision.Extractor is one.
type Extractor interface {
	Features(ctx context.Context, frames []media.Frame) ([][]float32, error)
	Dim() int
}

// Sampler samples a video's frames at a fixed rate and turns each into the
// CNN's feature vector.
type Sampler struct {
	Extractor Extractor
	FPS       float64 // samples per second; 0 means 4
	// Width, Height and Fit are the CNN's input size and how frames meet it.
	Width, Height int
	Fit           media.Fit
	Batch         int              // frames per forward pass; 0 means 16
	Cache         *featcache.Cache // for Sequence; nil computes every time
	// Grids is where the CNN's spatial outputs lie in its feature vectors
	// (vision.Extractor.Grids), for the input parts that need them.
	Grids []Grid
}

// DefaultFPS is the sampling rate when none is given.
const DefaultFPS = 4

func (s *Sampler) fps() float64 {
	if s.FPS > 0 {
		return s.FPS
	}
	return DefaultFPS
}

// Phase is when the first sample is taken: half a step in, so that each
// sample shows the middle of its step, where WORLD.md's per-step scores
// look; sampled at k/FPS instead, every segment boundary that falls on a
// step would be seen half a step late or early.
func (s *Sampler) Phase() time.Duration {
	return time.Duration(float64(time.Second) / (2 * s.fps()))
}

// Stream samples path and calls yield with each batch of samples in order.
// The frames of the next batch are decoded (by ffmpeg, in its own process,
// and read here in a goroutine) while the CNN works on this one, so memory
// holds at most two batches of frames however long the video is. It
// returns the video's probe information, and stops at the first error,
// from ffmpeg, the CNN, yield or ctx.
func (s *Sampler) Stream(ctx context.Context, path string, yield func(times []time.Duration, feats [][]float32) error) (media.Info, error) {
	return s.stream(ctx, path, nil, yield)
}

// stream is Stream that also hands the video's probe information to
// opened, if not nil, once the video is open and before the first batch
// (Labeller's progress needs the duration up front).
func (s *Sampler) stream(ctx context.Context, path string, opened func(media.Info), yield func(times []time.Duration, feats [][]float32) error) (media.Info, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := media.OpenVideo(ctx, path, media.VideoOptions{FPS: s.fps(), Phase: s.Phase(), Width: s.Width, Height: s.Height, Fit: s.Fit})
	if err != nil {
		return media.Info{}, err
	}
	defer stream.Close()
	info := stream.Info()
	if info.Kind != media.Video {
		return info, fmt.Errorf("subtitle: %s: a still image has no timeline to subtitle: %w", path, media.ErrNoVideo)
	}
	if opened != nil {
		opened(info)
	}
	batch := s.Batch
	if batch <= 0 {
		batch = 16
	}
	err = stream.Batches(batch, func(frames []media.Frame) error {
		feats, err := s.Extractor.Features(ctx, frames)
		if err != nil {
			return fmt.Errorf("subtitle: %s: %w", path, err)
		}
		times := make([]time.Duration, len(frames))
		for i, f := range frames {
			times[i] = f.Time
		}
		return yield(times, feats)
	})
	if err == nil {
		err = ctx.Err()
	}
	return info, err
}

// Sequences returns Sequence for every video of paths, with each one's
// error, two videos at a time: one is starting (ffprobe, ffmpeg) while the
// other's frames are in the CNN. progress, if not nil, is called after
// each video. The caller checks ctx for an interruption.
func (s *Sampler) Sequences(ctx context.Context, paths []string, progress func(done, total int)) ([]featcache.Sequence, []error) {
	seqs := make([]featcache.Sequence, len(paths))
	errs := make([]error, len(paths))
	var mu sync.Mutex
	done := 0
	forEach(ctx, len(paths), 2, func(i int) {
		seqs[i], errs[i] = s.Sequence(ctx, paths[i])
		mu.Lock()
		defer mu.Unlock()
		done++
		if progress != nil {
			progress(done, len(paths))
		}
	})
	return seqs, errs
}

// Sequence returns every sample of path with the video's duration, from
// the cache when it holds them.
func (s *Sampler) Sequence(ctx context.Context, path string) (featcache.Sequence, error) {
	var key string
	if s.Cache != nil {
		k, err := featcache.FileKey(path, fmt.Sprintf("video fps=%g phase=%v %dx%d fit=%v", s.fps(), s.Phase(), s.Width, s.Height, s.Fit))
		if err == nil {
			key = k
			if seq, ok := s.Cache.GetSequence(key); ok {
				return seq, nil
			}
		}
	}
	var seq featcache.Sequence
	info, err := s.Stream(ctx, path, func(times []time.Duration, feats [][]float32) error {
		seq.Times = append(seq.Times, times...)
		seq.Vectors = append(seq.Vectors, feats...)
		return nil
	})
	if err != nil {
		return featcache.Sequence{}, err
	}
	seq.Duration = info.Duration
	if key != "" {
		if err := s.Cache.PutSequence(key, seq); err != nil {
			return featcache.Sequence{}, err
		}
	}
	return seq, nil
}
