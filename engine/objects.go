package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"captioner/media"
	"captioner/objects"
	"captioner/objects/objcaption"
	"captioner/subtitle"
	"captioner/vision"
)

// Domains a file can be answered in (docs/OBJECTS.md, WORLD.md).
const (
	DomainAuto    = "auto"
	DomainShapes  = "shapes"
	DomainObjects = "objects"
)

// CheckDomain says whether d names a domain, or auto.
func CheckDomain(d string) error {
	switch d {
	case DomainAuto, DomainShapes, DomainObjects:
		return nil
	}
	return fmt.Errorf("--domain must be auto, shapes or objects, got %q", d)
}

// ObjectsCaption is the objects domain's answer for one image.
type ObjectsCaption struct {
	Text  string
	Score float64 // the caption's mean log-probability per word (0 is certain)
	Low   bool    // nothing known was found, or the captioner is unsure
}

// PhotoCaptioner captions a photo from its detections.
type PhotoCaptioner interface {
	Caption(dets []objects.Detection) (ObjectsCaption, error)
}

// ObjectsImages answers images in the objects domain: the bundle's
// detector and objects captioner, loaded when the first image needs them.
// It is safe for concurrent use.
type ObjectsImages struct {
	B      *Bundle
	mu     sync.Mutex // loading; one caption decoded at a time
	det    *vision.Detector
	cap    PhotoCaptioner
	floor  float64 // the lowest detection score the captioner reads
	err    error
	loaded bool
}

// load opens the captioner and the detector once; a bundle without them
// says so for every image that needs them.
func (o *ObjectsImages) load() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.loaded {
		return o.err
	}
	o.loaded = true
	o.err = func() error {
		pc, size, floor, err := o.B.PhotoCaptioner()
		if err != nil {
			return err
		}
		spec, err := o.B.DetectorSpec()
		if err != nil {
			return err
		}
		spec.Input.Width, spec.Input.Height = size, size
		if o.det, err = vision.NewDetector(spec, vision.Options{}); err != nil {
			return err
		}
		o.cap, o.floor = pc, floor
		return nil
	}()
	if o.err != nil {
		o.err = fmt.Errorf("objects domain: %w", o.err)
	}
	return o.err
}

// Close releases the detector.
func (o *ObjectsImages) Close() {
	if o.det != nil {
		o.det.Close()
	}
}

// Caption detects the objects of the image at path and captions them.
func (o *ObjectsImages) Caption(ctx context.Context, path string) (ObjectsCaption, error) {
	if err := o.load(); err != nil {
		return ObjectsCaption{}, err
	}
	in := o.det.Spec().Input
	fr, err := media.LoadImage(ctx, path, media.ImageOptions{Width: in.Width, Height: in.Height, Fit: media.Stretch})
	if err != nil {
		return ObjectsCaption{}, err
	}
	found, err := o.det.DetectWith(ctx, []media.Frame{fr}, vision.DetectOptions{MinScore: float32(o.floor)})
	if err != nil {
		return ObjectsCaption{}, fmt.Errorf("%s: %w", path, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cap.Caption(objcaption.Detections(found[0], fr.Width, fr.Height))
}

// modelCaptioner is the bundle's objects captioner (objcaption): the
// one-to-many LSTM over the vector of a photo's detections.
type modelCaptioner struct{ c *objcaption.Captioner }

func (m modelCaptioner) Caption(dets []objects.Detection) (ObjectsCaption, error) {
	r, err := m.c.Caption(dets)
	if err != nil {
		return ObjectsCaption{}, err
	}
	return ObjectsCaption{Text: r.Caption, Score: r.Score, Low: !r.Confident}, nil
}

// grammarCaptioner describes the detections at or above minScore with the
// objects domain's canonical caption: what the detector reports, said in
// words, with no model in between (for a bundle with a detector but no
// objects captioner).
type grammarCaptioner struct{ minScore float64 }

func (g grammarCaptioner) Caption(dets []objects.Detection) (ObjectsCaption, error) {
	var s objects.Scene
	for _, d := range dets {
		if d.Score >= g.minScore {
			s.Objects = append(s.Objects, d.Object)
		}
	}
	text := objects.Caption(s)
	return ObjectsCaption{Text: text, Low: len(s.Objects) == 0}, nil
}

// ObjectsVideos labels videos in the objects domain: the bundle's detector
// and objects labeller, loaded when the first video needs them; a bundle
// with a detector and no objects labeller describes each sampled frame's
// findings against the frame before's. One video at a time.
type ObjectsVideos struct {
	B      *Bundle
	models *objectsModels            // shared with the other ObjectsVideos of an engine; nil: its own
	l      *subtitle.ObjectsLabeller // nil: describe frame by frame
	det    *vision.Detector
	err    error
	loaded bool
}

// Sampling and thresholds of the frame-by-frame description, as the
// objects labeller's recipe samples (subtitle/cmd/train-objects).
const (
	DescribeFPS   = 2
	describeInput = DefaultVideoSize
	describeFloor = 0.15
	describeScore = vision.DefaultMinScore
)

func (o *ObjectsVideos) load() error {
	if o.loaded {
		return o.err
	}
	o.loaded = true
	o.err = func() error {
		if o.models == nil {
			o.models = &objectsModels{}
		}
		model, entry, err := o.models.get(o.B)
		input := describeInput
		switch {
		case err == nil:
			input = entry.Featurizer.Input
		case !errors.Is(err, subtitle.ErrNoObjectsLabeller):
			return err
		}
		spec, err := o.B.DetectorSpec()
		if err != nil {
			return err
		}
		spec.Input.Width, spec.Input.Height = input, input
		if o.det, err = vision.NewDetector(spec, vision.Options{}); err != nil {
			return err
		}
		if model != nil {
			o.l = &subtitle.ObjectsLabeller{Model: model, Entry: entry,
				Detector: subtitle.VisionDetector{Detector: o.det, MinScore: entry.Featurizer.Floor}}
		}
		return nil
	}()
	if o.err != nil {
		o.err = fmt.Errorf("objects domain: %w", o.err)
	}
	return o.err
}

// objectsModels loads a bundle's objects labeller once and hands out
// models sharing its weights.
type objectsModels struct {
	once  sync.Once
	model *subtitle.Model
	entry *subtitle.ObjectsEntry
	err   error
}

// get returns a model sharing the labeller's weights, and its entry; the
// error wraps subtitle.ErrNoObjectsLabeller where the bundle has none.
func (m *objectsModels) get(b *Bundle) (*subtitle.Model, *subtitle.ObjectsEntry, error) {
	m.once.Do(func() { m.model, m.entry, m.err = subtitle.LoadObjectsBundle(b.FS, b.Name) })
	if m.err != nil {
		return nil, nil, m.err
	}
	s, err := m.model.Shared()
	return s, m.entry, err
}

// FPS is the rate at which the objects domain samples videos: the objects
// labeller's, or the frame-by-frame description's.
func (o *ObjectsVideos) FPS() float64 {
	if o.l != nil {
		return o.l.Entry.Featurizer.FPS
	}
	return DescribeFPS
}

// Label labels the video at path in the objects domain, telling progress
// how far it has got when it describes frame by frame.
func (o *ObjectsVideos) Label(ctx context.Context, path string, progress subtitle.Progress) (*subtitle.Track, error) {
	if err := o.load(); err != nil {
		return nil, err
	}
	if o.l != nil {
		tr, err := o.l.LabelProgress(ctx, path, progress)
		if err != nil {
			return nil, err
		}
		return &tr.Track, nil
	}
	return o.describe(ctx, path, progress)
}

// describe samples the video at path, runs the detector on each sample and
// says, step by step, what appeared, disappeared or moved since the step
// before (subtitle.DenseLabels), then builds cues by the objects cue rules.
func (o *ObjectsVideos) describe(ctx context.Context, path string, progress subtitle.Progress) (*subtitle.Track, error) {
	stream, err := media.OpenVideo(ctx, path, media.VideoOptions{FPS: DescribeFPS, Phase: time.Second / (2 * DescribeFPS),
		Width: describeInput, Height: describeInput, Fit: media.Stretch})
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	info := stream.Info()
	if progress == nil {
		progress = func(done, total time.Duration) {}
	}
	progress(0, info.Duration)
	var dets [][]objects.Detection
	var times []time.Duration
	err = stream.Batches(8, func(batch []media.Frame) error {
		found, err := o.det.DetectWith(ctx, batch, vision.DetectOptions{MinScore: describeFloor})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for i, fr := range batch {
			dets = append(dets, objcaption.Detections(found[i], fr.Width, fr.Height))
			times = append(times, fr.Time)
		}
		progress(min(batch[len(batch)-1].Time+time.Second/(2*DescribeFPS), info.Duration), info.Duration)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d := info.Duration
	if n := len(times); d <= 0 && n > 0 {
		d = times[n-1] + time.Second/(2*DescribeFPS)
	}
	cues, err := subtitle.LabelTrackCues(subtitle.DenseLabels(dets, describeScore), times, d, subtitle.ObjectsCueOptions())
	if err != nil {
		return nil, err
	}
	progress(d, d)
	// As for a photo: a video in which the detector found nothing it knows
	// is said to be one, with low confidence, not described as still.
	known := false
	for _, ds := range dets {
		for _, x := range ds {
			known = known || x.Score >= describeScore
		}
	}
	tr := &subtitle.Track{Info: info, Cues: cues, Steps: len(times), Confidence: 1, Unsure: !known}
	if !known {
		tr.Confidence = 0
	}
	return tr, nil
}

// Close releases the detector.
func (o *ObjectsVideos) Close() {
	if o.det != nil {
		o.det.Close()
	}
}
