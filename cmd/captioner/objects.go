package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"captioner/batch"
	"captioner/media"
	"captioner/objects"
	"captioner/objects/objcaption"
	"captioner/subtitle"
	"captioner/vision"
)

// Domains a file can be answered in (docs/OBJECTS.md, WORLD.md).
const (
	domainAuto    = "auto"
	domainShapes  = "shapes"
	domainObjects = "objects"
)

func checkDomain(d string) error {
	switch d {
	case domainAuto, domainShapes, domainObjects:
		return nil
	}
	return usagef("--domain must be auto, shapes or objects, got %q", d)
}

// objectsCaption is the objects domain's answer for one image.
type objectsCaption struct {
	Text  string
	Score float64 // the caption's mean log-probability per word (0 is certain)
	Low   bool    // nothing known was found, or the captioner is unsure
}

// photoCaptioner captions a photo from its detections.
type photoCaptioner interface {
	Caption(dets []objects.Detection) (objectsCaption, error)
}

// objectsSide answers images in the objects domain: the bundle's detector
// and objects captioner, loaded when the first image needs them.
type objectsSide struct {
	b      *bundle
	mu     sync.Mutex // loading; one caption decoded at a time
	det    *vision.Detector
	cap    photoCaptioner
	floor  float64 // the lowest detection score the captioner reads
	err    error
	loaded bool
}

// load opens the captioner and the detector once; a bundle without them
// says so for every image that needs them.
func (o *objectsSide) load() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.loaded {
		return o.err
	}
	o.loaded = true
	o.err = func() error {
		pc, size, floor, err := o.b.photoCaptioner()
		if err != nil {
			return err
		}
		spec, err := o.b.detectorSpec()
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

func (o *objectsSide) close() {
	if o.det != nil {
		o.det.Close()
	}
}

// caption detects the objects of the image at path and captions them.
func (o *objectsSide) caption(ctx context.Context, path string) (objectsCaption, error) {
	if err := o.load(); err != nil {
		return objectsCaption{}, err
	}
	in := o.det.Spec().Input
	fr, err := media.LoadImage(ctx, path, media.ImageOptions{Width: in.Width, Height: in.Height, Fit: media.Stretch})
	if err != nil {
		return objectsCaption{}, err
	}
	found, err := o.det.DetectWith(ctx, []media.Frame{fr}, vision.DetectOptions{MinScore: float32(o.floor)})
	if err != nil {
		return objectsCaption{}, fmt.Errorf("%s: %w", path, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cap.Caption(objcaption.Detections(found[0], fr.Width, fr.Height))
}

// routedCaptioner is batch's ImageCaptioner for both domains: the Shapes
// captioner answers every image first, and an image unlike the Shapes
// world (or every image, with --domain objects) is then captioned in the
// objects domain. It is safe for concurrent use.
type routedCaptioner struct {
	shapes *batch.Captioner
	obj    *objectsSide
	domain string
}

func (r *routedCaptioner) Caption(ctx context.Context, paths []string) ([]batch.Caption, []error, error) {
	caps, errs, err := r.shapes.Caption(ctx, paths)
	if err != nil || r.domain == domainShapes {
		return caps, errs, err
	}
	limit := r.shapes.Entry.NoveltyLimit
	for i, p := range paths {
		if errs[i] != nil || r.domain == domainAuto && !(limit > 0 && caps[i].Novelty > limit) {
			continue
		}
		oc, err := r.obj.caption(ctx, p)
		switch {
		case err == nil:
			caps[i] = batch.Caption{Text: oc.Text, Score: oc.Score, Novelty: caps[i].Novelty, LowConfidence: oc.Low, Domain: domainObjects}
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case r.domain == domainObjects:
			errs[i] = err
		}
		// In auto, a bundle without the objects models keeps the Shapes answer.
	}
	return caps, errs, nil
}

// modelCaptioner is the bundle's objects captioner (objcaption): the
// one-to-many LSTM over the vector of a photo's detections.
type modelCaptioner struct{ c *objcaption.Captioner }

func (m modelCaptioner) Caption(dets []objects.Detection) (objectsCaption, error) {
	r, err := m.c.Caption(dets)
	if err != nil {
		return objectsCaption{}, err
	}
	return objectsCaption{Text: r.Caption, Score: r.Score, Low: !r.Confident}, nil
}

// grammarCaptioner describes the detections at or above minScore with the
// objects domain's canonical caption: what the detector reports, said in
// words, with no model in between (for a bundle with a detector but no
// objects captioner).
type grammarCaptioner struct{ minScore float64 }

func (g grammarCaptioner) Caption(dets []objects.Detection) (objectsCaption, error) {
	var s objects.Scene
	for _, d := range dets {
		if d.Score >= g.minScore {
			s.Objects = append(s.Objects, d.Object)
		}
	}
	text := objects.Caption(s)
	return objectsCaption{Text: text, Low: len(s.Objects) == 0}, nil
}

// objectsVideos labels videos in the objects domain: the bundle's detector
// and objects labeller, loaded when the first video needs them; a bundle
// with a detector and no objects labeller describes each sampled frame's
// findings against the frame before's. One video at a time.
type objectsVideos struct {
	b      *bundle
	l      *subtitle.ObjectsLabeller // nil: describe frame by frame
	det    *vision.Detector
	err    error
	loaded bool
}

// Sampling and thresholds of the frame-by-frame description, as the
// objects labeller's recipe samples (subtitle/cmd/train-objects).
const (
	describeFPS   = 2
	describeInput = defaultVideoSize
	describeFloor = 0.15
	describeScore = vision.DefaultMinScore
)

func (o *objectsVideos) load() error {
	if o.loaded {
		return o.err
	}
	o.loaded = true
	o.err = func() error {
		model, entry, err := subtitle.LoadObjectsBundle(o.b.fsys, o.b.name)
		input := describeInput
		switch {
		case err == nil:
			input = entry.Featurizer.Input
		case !errors.Is(err, subtitle.ErrNoObjectsLabeller):
			return err
		}
		spec, err := o.b.detectorSpec()
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

// label labels the video at path in the objects domain, telling progress
// how far it has got when it describes frame by frame.
func (o *objectsVideos) label(ctx context.Context, path string, progress subtitle.Progress) (*subtitle.Track, error) {
	if err := o.load(); err != nil {
		return nil, err
	}
	if o.l != nil {
		tr, err := o.l.Label(ctx, path)
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
func (o *objectsVideos) describe(ctx context.Context, path string, progress subtitle.Progress) (*subtitle.Track, error) {
	stream, err := media.OpenVideo(ctx, path, media.VideoOptions{FPS: describeFPS, Phase: time.Second / (2 * describeFPS),
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
		progress(min(batch[len(batch)-1].Time+time.Second/(2*describeFPS), info.Duration), info.Duration)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d := info.Duration
	if n := len(times); d <= 0 && n > 0 {
		d = times[n-1] + time.Second/(2*describeFPS)
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

func (o *objectsVideos) close() {
	if o.det != nil {
		o.det.Close()
	}
}
