package subtitle

import (
	"context"
	"errors"
	"time"

	"captioner/rnn"
)

// errEnough stops a sampling stream once a probe has what it needs.
var errEnough = errors.New("subtitle: enough frames")

// Novelty samples the first span of the video at path (or all of a shorter
// one) through the sampler's CNN and returns the mean novelty of those
// frames' features against the model's training features, as Label's
// Track.Novelty is over a whole video: enough to tell whether the video is
// like the model's training videos without labelling all of it.
func (l *Labeller) Novelty(ctx context.Context, path string, span time.Duration) (float64, error) {
	var sum float64
	var n int
	var z []float32
	_, err := l.Sampler.Stream(ctx, path, func(times []time.Duration, feats [][]float32) error {
		for i, f := range feats {
			if n > 0 && times[i] >= span {
				return errEnough
			}
			z = l.Model.Norm.Apply(f, z)
			sum += rnn.Novelty(z)
			n++
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return 0, err
	}
	if n == 0 {
		return 0, errors.New("subtitle: " + path + ": no frame could be sampled")
	}
	return sum / float64(n), nil
}
