package engine

import (
	"context"
	"fmt"
	"sync"

	"captioner/media"
	"captioner/objects/objcaption"
	"captioner/vision"
)

// Object is a thing the detector found in an image: its class, its score
// (0 to 1) and its box as fractions of the image's width and height
// ([x0, y0, x1, y1], 0 to 1), so that it can be drawn over the image at
// any size.
type Object struct {
	Class string     `json:"class"`
	Score float64    `json:"score"`
	Box   [4]float64 `json:"box"`
}

// DetectTask finds the objects in an image with the bundle's detector, at
// its own input size (512x512 for the embedded one), as `captioner
// detect` does for images. One image at a time.
type DetectTask struct {
	mu       sync.Mutex
	det      *vision.Detector
	fit      media.Fit
	minScore float64
	fp       string
}

var _ Task = (*DetectTask)(nil)

// DetectTask starts the bundle's detector as a task reporting objects
// scored minScore or more (0: vision.DefaultMinScore).
func (e *Engine) DetectTask(minScore float64) (*DetectTask, error) {
	if minScore == 0 {
		minScore = vision.DefaultMinScore
	}
	b, err := e.Bundle()
	if err != nil {
		return nil, err
	}
	spec, err := b.DetectorSpec()
	if err != nil {
		return nil, err
	}
	fit := media.Stretch
	if spec.Input.Fit != "" {
		if fit, err = media.ParseFit(spec.Input.Fit); err != nil {
			return nil, err
		}
	}
	fp, err := fingerprint(b, "detector", fmt.Sprintf("min_score=%g", minScore))
	if err != nil {
		return nil, err
	}
	det, err := vision.NewDetector(spec, vision.Options{})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.dets = append(e.dets, det)
	e.mu.Unlock()
	return &DetectTask{det: det, fit: fit, minScore: minScore, fp: fp}, nil
}

func (t *DetectTask) Kind() string        { return "detect" }
func (t *DetectTask) Fingerprint() string { return t.fp }

// Run finds the objects of the image at in.Path, best first; a video is
// refused.
func (t *DetectTask) Run(ctx context.Context, in Input) (Result, []Output, error) {
	info, err := media.Probe(ctx, in.Path)
	if err != nil {
		return Result{}, nil, err
	}
	if info.Kind == media.Video {
		return Result{}, nil, fmt.Errorf("engine: %s: is a video (objects are found here in images): %w", in.Path, ErrInput)
	}
	size := t.det.Spec().Input
	fr, err := media.LoadImage(ctx, in.Path, media.ImageOptions{Width: size.Width, Height: size.Height, Fit: t.fit})
	if err != nil {
		return Result{}, nil, err
	}
	t.mu.Lock()
	found, err := t.det.DetectWith(ctx, []media.Frame{fr}, vision.DetectOptions{MinScore: float32(t.minScore)})
	t.mu.Unlock()
	if err != nil {
		return Result{}, nil, fmt.Errorf("engine: %s: %w", in.Path, err)
	}
	objs := []Object{}
	for _, d := range objcaption.Detections(found[0], fr.Width, fr.Height) {
		objs = append(objs, Object{Class: d.Class, Score: d.Score, Box: [4]float64{d.Box.X0, d.Box.Y0, d.Box.X1, d.Box.Y1}})
	}
	return Result{Kind: t.Kind(), Objects: objs}, nil, nil
}
