package caption

import (
	"context"
	"fmt"
	"sync"

	"captioner/internal/featcache"
	"captioner/media"
)

// Extractor is what caption needs of a CNN: feature vectors for frames.
// vision.Extractor is one.
type Extractor interface {
	Features(ctx context.Context, frames []media.Frame) ([][]float32, error)
	Dim() int
}

// FeatureSource computes the feature vectors of image files, through a
// cache when there is one.
type FeatureSource struct {
	Extractor Extractor
	Cache     *featcache.Cache   // nil: compute every time
	Load      media.ImageOptions // how images are decoded (size and fit of the CNN's input)
	Batch     int                // images per forward pass; 0 means 16
}

// Images returns the feature vector of each path; a file that cannot be read
// gets a nil vector and its error in errs (the others go on). progress, if
// not nil, is called after each batch.
func (s *FeatureSource) Images(ctx context.Context, paths []string, progress func(done, total int)) (feats [][]float32, errs []error, err error) {
	feats = make([][]float32, len(paths))
	errs = make([]error, len(paths))
	keys := make([]string, len(paths))
	var todo []int
	for i, p := range paths {
		if s.Cache != nil {
			if k, err := featcache.FileKey(p, fmt.Sprintf("%+v", s.Load)); err == nil {
				keys[i] = k
				if v, ok := s.Cache.Get(k); ok {
					feats[i] = v
					continue
				}
			}
		}
		todo = append(todo, i)
	}
	batch := s.Batch
	if batch <= 0 {
		batch = 16
	}
	done := len(paths) - len(todo)
	for start := 0; start < len(todo); start += batch {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		idx := todo[start:min(start+batch, len(todo))]
		frames := make([]media.Frame, len(idx))
		ok := make([]bool, len(idx))
		var wg sync.WaitGroup
		for j, i := range idx {
			wg.Go(func() {
				f, err := media.LoadImage(ctx, paths[i], s.Load)
				if err != nil {
					errs[i] = err
					return
				}
				frames[j], ok[j] = f, true
			})
		}
		wg.Wait()
		var batchFrames []media.Frame
		var batchIdx []int
		for j, i := range idx {
			if ok[j] {
				batchFrames = append(batchFrames, frames[j])
				batchIdx = append(batchIdx, i)
			}
		}
		if len(batchFrames) > 0 {
			vs, err := s.Extractor.Features(ctx, batchFrames)
			if err != nil {
				return nil, nil, fmt.Errorf("caption: features: %w", err)
			}
			for j, i := range batchIdx {
				feats[i] = vs[j]
				if s.Cache != nil && keys[i] != "" {
					if err := s.Cache.Put(keys[i], vs[j]); err != nil {
						return nil, nil, err
					}
				}
			}
		}
		done += len(idx)
		if progress != nil {
			progress(done, len(paths))
		}
	}
	return feats, errs, nil
}
