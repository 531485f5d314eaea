package engine

import (
	"sync"

	"captioner/caption"
	"captioner/internal/featcache"
	"captioner/media"
	"captioner/subtitle"
	"captioner/vision"
)

// Options configure an Engine.
type Options struct {
	// Model is the bundle folder; "" is the embedded default.
	Model string
	// Cache is the feature cache folder of Bundle.FeatureCache: "off"
	// (or "") for none.
	Cache string
	// CNN is how the shared CNN runs (workers, threads, batch size); its
	// Dim is set for each model from what the model reads.
	CNN vision.Options
	// SampleBatch is how many sampled video frames go through the CNN
	// together; 0 is 16.
	SampleBatch int
}

// Engine opens a bundle when something first needs it and shares its
// CNN, one extractor for each length of vector that a model reads, and
// its objects-domain image models between everything it makes. It is
// safe for concurrent use.
type Engine struct {
	opts Options

	mu   sync.Mutex
	b    *Bundle
	exs  map[int]cnn // by vector length
	obj  *ObjectsImages
	ovs  []*ObjectsVideos
	dets []*vision.Detector // of detect tasks
	// The labellers' weights, loaded once: each pooled labeller gets a
	// model sharing them (subtitle.Model.Shared) with buffers of its own.
	lab   *subtitle.Model
	labE  *subtitle.Entry
	objMs *objectsModels
}

type cnn struct {
	ex    *vision.Extractor
	cache *featcache.Cache
}

// New returns an engine over the bundle of opts; nothing is opened yet.
func New(opts Options) *Engine {
	if opts.Cache == "" {
		opts.Cache = "off"
	}
	if opts.SampleBatch == 0 {
		opts.SampleBatch = 16
	}
	return &Engine{opts: opts, exs: map[int]cnn{}}
}

// Bundle opens the bundle, once.
func (e *Engine) Bundle() (*Bundle, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bundle()
}

func (e *Engine) bundle() (*Bundle, error) {
	if e.b == nil {
		b, err := OpenBundle(e.opts.Model)
		if err != nil {
			return nil, err
		}
		e.b = b
	}
	return e.b, nil
}

// cnn starts the bundle's CNN for a model that reads dim values, once per
// length.
func (e *Engine) cnn(dim int) (cnn, media.ImageOptions, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bundle()
	if err != nil {
		return cnn{}, media.ImageOptions{}, err
	}
	load, err := b.ImageOptions()
	if err != nil {
		return cnn{}, load, err
	}
	if c, ok := e.exs[dim]; ok {
		return c, load, nil
	}
	o := e.opts.CNN
	o.Dim = dim
	ex, load, cache, err := b.CNN(e.opts.Cache, o)
	if err != nil {
		return cnn{}, load, err
	}
	c := cnn{ex: ex, cache: cache}
	e.exs[dim] = c
	return c, load, nil
}

// CaptionOptions say how images are captioned.
type CaptionOptions struct {
	Beam, NBest int    // beam width and captions kept (0: the defaults, 3 and 1)
	Domain      string // DomainAuto ("" too), DomainShapes or DomainObjects
}

// Captioner returns a captioner of images in their domain, loading the
// caption model and starting the CNN it reads.
func (e *Engine) Captioner(o CaptionOptions) (*RoutedCaptioner, error) {
	b, err := e.Bundle()
	if err != nil {
		return nil, err
	}
	model, entry, err := b.Captioner()
	if err != nil {
		return nil, err
	}
	c, load, err := e.cnn(model.Config.FeatureDim)
	if err != nil {
		return nil, err
	}
	dec := caption.DefaultDecodeOptions()
	if o.Beam > 0 {
		dec.Beam = o.Beam
	}
	if o.NBest > 0 {
		dec.NBest = o.NBest
	}
	if _, err := model.NewDecoder(dec); err != nil {
		return nil, err
	}
	if o.Domain == "" {
		o.Domain = DomainAuto
	}
	e.mu.Lock()
	if e.obj == nil {
		e.obj = &ObjectsImages{B: b}
	}
	obj := e.obj
	e.mu.Unlock()
	shapes := &ShapesCaptioner{Source: &caption.FeatureSource{Extractor: c.ex, Cache: c.cache, Load: load}, Model: model, Entry: entry, Decode: dec}
	return &RoutedCaptioner{Shapes: shapes, Obj: obj, Domain: o.Domain}, nil
}

// SubtitleOptions say how videos are labelled.
type SubtitleOptions struct {
	FPS     float64          // frames sampled a second; 0: the rate the labeller was trained at
	Penalty *float64         // switch penalty of the smoothing; nil: the model's
	Cue     subtitle.Options // cue rules
	Domain  string           // DomainAuto ("" too), DomainShapes or DomainObjects
}

// shapesLabeller loads one Shapes labeller over the shared CNN.
func (e *Engine) shapesLabeller(o SubtitleOptions) (*subtitle.Labeller, error) {
	b, err := e.Bundle()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if e.lab == nil {
		if e.lab, e.labE, err = b.Labeller(); err != nil {
			e.mu.Unlock()
			return nil, err
		}
	}
	model, entry := e.lab, e.labE
	e.mu.Unlock()
	if model, err = model.Shared(); err != nil {
		return nil, err
	}
	c, load, err := e.cnn(model.Config.FeatureDim)
	if err != nil {
		return nil, err
	}
	fps := o.FPS
	if fps == 0 {
		fps = model.Config.FPS
	}
	s := samplerOf(c.ex, load, fps, e.opts.SampleBatch, c.cache)
	return &subtitle.Labeller{Model: model, Entry: entry, Sampler: s, Cue: o.Cue, Penalty: o.Penalty}, nil
}

// Labellers loads n Shapes labellers (a model labels one video at a time)
// sharing the CNN, pooled.
func (e *Engine) Labellers(n int, o SubtitleOptions) (*Labellers, error) {
	var ls []*subtitle.Labeller
	for range n {
		l, err := e.shapesLabeller(o)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return &Labellers{p: NewPool(ls...)}, nil
}

// VideoLabellers loads n labellers of videos in their domain, sharing the
// CNN, pooled; each has its objects-domain models, loaded when a video
// first needs them.
func (e *Engine) VideoLabellers(n int, o SubtitleOptions) (*Pool[*VideoLabeller], error) {
	if o.Domain == "" {
		o.Domain = DomainAuto
	}
	var vs []*VideoLabeller
	for range n {
		l, err := e.shapesLabeller(o)
		if err != nil {
			return nil, err
		}
		b, _ := e.Bundle() // open: shapesLabeller opened it
		e.mu.Lock()
		if e.objMs == nil {
			e.objMs = &objectsModels{}
		}
		ov := &ObjectsVideos{B: b, models: e.objMs}
		e.ovs = append(e.ovs, ov)
		e.mu.Unlock()
		vs = append(vs, &VideoLabeller{Shapes: l, Obj: ov, Domain: o.Domain})
	}
	return NewPool(vs...), nil
}

// Close releases the CNNs and detectors.
func (e *Engine) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.exs {
		c.ex.Close()
	}
	e.exs = map[int]cnn{}
	if e.obj != nil {
		e.obj.Close()
	}
	for _, ov := range e.ovs {
		ov.Close()
	}
	for _, d := range e.dets {
		d.Close()
	}
	e.dets = nil
}
