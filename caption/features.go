package caption

import (
	"context"
	"errors"
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

// VectorSource is what Train needs of its features: one vector of Dim
// values for each example, named by its Example.Image. A FeatureSource
// computes them from image files with a CNN; a MemorySource holds vectors
// computed elsewhere (from a detector's detections, by a generator).
type VectorSource interface {
	// Images returns the vector of each name; a name that has none gets a
	// nil vector and its error in errs (the others go on). progress, if
	// not nil, is called as vectors are made.
	Images(ctx context.Context, names []string, progress func(done, total int)) (feats [][]float32, errs []error, err error)
	Dim() int
}

var (
	_ VectorSource = (*FeatureSource)(nil)
	_ VectorSource = (*MemorySource)(nil)
)

// MemorySource is a VectorSource of vectors already in memory, keyed by
// example id (what the examples hold as their Image).
type MemorySource struct {
	D       int // the length of every vector
	Vectors map[string][]float32
}

// ErrNoVector marks an example id a MemorySource has no vector for.
var ErrNoVector = errors.New("no feature vector")

// Images returns the vectors of ids.
func (s *MemorySource) Images(ctx context.Context, ids []string, progress func(done, total int)) ([][]float32, []error, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	feats := make([][]float32, len(ids))
	errs := make([]error, len(ids))
	for i, id := range ids {
		v, ok := s.Vectors[id]
		switch {
		case !ok:
			errs[i] = fmt.Errorf("caption: %s: %w", id, ErrNoVector)
		case len(v) != s.D:
			errs[i] = fmt.Errorf("caption: %s: feature vector of %d values, want %d", id, len(v), s.D)
		default:
			feats[i] = v
		}
	}
	if progress != nil {
		progress(len(ids), len(ids))
	}
	return feats, errs, nil
}

// Dim is the length of every vector.
func (s *MemorySource) Dim() int { return s.D }

// Dim is the length of the CNN's vectors.
func (s *FeatureSource) Dim() int { return s.Extractor.Dim() }

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
	return feats, errs, s.ImagesInto(ctx, paths, feats, errs, func(done []int) {
		if progress != nil {
			progress(len(done), len(paths))
		}
	})
}

// ImagesInto is Images writing into feats and errs (as long as paths), and
// calling ready, from the calling goroutine, with the indices of all the
// paths whose vector (or error) is final so far, in batches as they come
// out of the CNN: a caller can use the first vectors while the CNN works
// on the next ones. ready's argument is only valid during the call.
func (s *FeatureSource) ImagesInto(ctx context.Context, paths []string, feats [][]float32, errs []error, ready func(done []int)) error {
	if len(feats) != len(paths) || len(errs) != len(paths) {
		panic(fmt.Sprintf("caption: ImagesInto: %d paths, %d vectors, %d errors", len(paths), len(feats), len(errs)))
	}
	keys := make([]string, len(paths))
	var todo, final []int
	for i, p := range paths {
		if s.Cache != nil {
			if k, err := featcache.FileKey(p, fmt.Sprintf("%+v", s.Load)); err == nil {
				keys[i] = k
				if v, ok := s.Cache.Get(k); ok {
					feats[i] = v
					final = append(final, i)
					continue
				}
			}
		}
		todo = append(todo, i)
	}
	if len(final) > 0 && ready != nil {
		ready(final)
	}
	batch := s.Batch
	if batch <= 0 {
		batch = 16
	}
	// Batches are decoded one ahead of the CNN: while it runs on one, the
	// next one's files are read, decoded and sized.
	type loaded struct {
		idx    []int // indices into paths of the batch's readable images
		frames []media.Frame
		all    []int // indices into paths of the batch's files, readable or not
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	loadedCh := make(chan loaded, 1)
	go func() {
		defer close(loadedCh)
		for start := 0; start < len(todo); start += batch {
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
			l := loaded{all: idx}
			for j, i := range idx {
				if ok[j] {
					l.frames = append(l.frames, frames[j])
					l.idx = append(l.idx, i)
				}
			}
			select {
			case loadedCh <- l:
			case <-ctx.Done():
				return
			}
		}
	}()
	for l := range loadedCh {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(l.frames) > 0 {
			vs, err := s.Extractor.Features(ctx, l.frames)
			if err != nil {
				return fmt.Errorf("caption: features: %w", err)
			}
			for j, i := range l.idx {
				feats[i] = vs[j]
				if s.Cache != nil && keys[i] != "" {
					if err := s.Cache.Put(keys[i], vs[j]); err != nil {
						return err
					}
				}
			}
		}
		final = append(final, l.all...)
		if ready != nil {
			ready(final)
		}
	}
	return ctx.Err()
}
