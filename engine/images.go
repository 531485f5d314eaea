package engine

import (
	"context"
	"slices"
	"sync"

	"captioner/caption"
)

// Caption is an image's caption.
type Caption struct {
	Text  string  `json:"caption"`
	Score float64 `json:"score"` // mean log-probability per word; 0 is certain
	// Novelty is how far the image's CNN features lie from the training
	// images'.
	Novelty float64 `json:"novelty"`
	// LowConfidence says that the caption is a guess: the score is under
	// the model's threshold or the novelty over its limit.
	LowConfidence bool `json:"low_confidence"`
	// Domain says which models answered: "shapes" (the Shapes captioner)
	// or "objects" (the detector and the objects captioner); "" in records
	// written before there were two.
	Domain string `json:"domain,omitempty"`
	// Alternatives are the Shapes captioner's n best captions, best first,
	// when more than one was asked for (CaptionOptions.NBest).
	Alternatives []caption.Result `json:"-"`
}

// ShapesCaptioner captions images with a caption model: the images'
// feature vectors come from Source (whose CNN takes the images of one call
// in batches), each is decoded with Decode. It is safe for concurrent use:
// the feature vectors of several calls are computed concurrently, their
// decoding takes turns, since the model's layers keep their buffers (rnn:
// a layer serves one forward pass at a time), even with one
// caption.Decoder per goroutine.
type ShapesCaptioner struct {
	Source *caption.FeatureSource
	Model  *caption.Model
	Entry  *caption.Entry
	Decode caption.DecodeOptions
	mu     sync.Mutex // one decoding at a time
}

// Caption captions the images at paths: a caption for each path; a file
// that cannot be read gets its error in errs and the others go on; err
// stops the whole call (ctx, the CNN). Each batch of images is decoded
// into captions while the CNN works on the next one.
func (c *ShapesCaptioner) Caption(ctx context.Context, paths []string) ([]Caption, []error, error) {
	feats := make([][]float32, len(paths))
	errs := make([]error, len(paths))
	caps := make([]Caption, len(paths))
	todo := make(chan []int, len(paths)+1) // at most one send per batch, never blocking
	var decErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		var dec *caption.Decoder
		for idx := range todo {
			if decErr != nil || ctx.Err() != nil {
				continue
			}
			c.mu.Lock()
			if dec == nil {
				dec, decErr = c.Model.NewDecoder(c.Decode)
			}
			for _, i := range idx {
				if decErr != nil || ctx.Err() != nil {
					break
				}
				if errs[i] != nil {
					continue
				}
				res, err := dec.Caption(feats[i])
				if err != nil {
					errs[i] = err
					continue
				}
				r := res[0]
				caps[i] = Caption{Text: r.Text, Score: r.Score, Novelty: r.Novelty, LowConfidence: c.Entry.Unsure(r), Domain: DomainShapes}
				if len(res) > 1 {
					caps[i].Alternatives = res
				}
			}
			c.mu.Unlock()
		}
	})
	sent := 0
	err := c.Source.ImagesInto(ctx, paths, feats, errs, func(done []int) {
		todo <- slices.Clone(done[sent:])
		sent = len(done)
	})
	close(todo)
	wg.Wait()
	switch {
	case err != nil:
		return nil, nil, err
	case decErr != nil:
		return nil, nil, decErr
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	}
	return caps, errs, nil
}

// RoutedCaptioner captions images in both domains: the Shapes captioner
// answers every image first, and an image unlike the Shapes world (or
// every image, with Domain objects) is then captioned in the objects
// domain. It is safe for concurrent use.
type RoutedCaptioner struct {
	Shapes *ShapesCaptioner
	Obj    *ObjectsImages
	Domain string
}

// Caption captions the images at paths (see ShapesCaptioner.Caption).
func (r *RoutedCaptioner) Caption(ctx context.Context, paths []string) ([]Caption, []error, error) {
	caps, errs, err := r.Shapes.Caption(ctx, paths)
	if err != nil || r.Domain == DomainShapes {
		return caps, errs, err
	}
	limit := r.Shapes.Entry.NoveltyLimit
	for i, p := range paths {
		if errs[i] != nil || r.Domain == DomainAuto && !(limit > 0 && caps[i].Novelty > limit) {
			continue
		}
		oc, err := r.Obj.Caption(ctx, p)
		switch {
		case err == nil:
			caps[i] = Caption{Text: oc.Text, Score: oc.Score, Novelty: caps[i].Novelty, LowConfidence: oc.Low, Domain: DomainObjects}
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case r.Domain == DomainObjects:
			errs[i] = err
		}
		// In auto, a bundle without the objects models keeps the Shapes answer.
	}
	return caps, errs, nil
}
