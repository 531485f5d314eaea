package objcaption

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"captioner/media"
	"captioner/objects"
	"captioner/vision"
)

// ScoreGenerated captions photos [0, n) of the generator (seed, synth)
// from their noisy detections and scores them against their true
// descriptions.
func (c *Captioner) ScoreGenerated(ctx context.Context, seed uint64, n int, synth objects.SynthOptions) (objects.CaptionReport, error) {
	g := objects.NewGenerator(seed, synth)
	var s objects.CaptionScorer
	for i := range n {
		if err := ctx.Err(); err != nil {
			return objects.CaptionReport{}, err
		}
		ph := g.Photo(i)
		r, err := c.Caption(ph.Dets)
		if err != nil {
			return objects.CaptionReport{}, err
		}
		s.Add(r.Caption, objects.Describe(ph.Truth))
	}
	return s.Report(), nil
}

// LabelledPhoto is a real photo's hand label (vision/testdata/realmedia/
// labels.json): the COCO objects it shows with their counts, and the
// classes a detector may fairly report though they are not there.
type LabelledPhoto struct {
	File    string         `json:"file"`
	Objects map[string]int `json:"objects"`
	Main    []string       `json:"main"`
	Also    []string       `json:"also"`
	Maybe   []string       `json:"maybe"`
}

// Truth is the photo's true description: every labelled class with its
// count, in class order, no relation.
func (p LabelledPhoto) Truth() objects.Description {
	var d objects.Description
	for c, n := range p.Objects {
		d.Groups = append(d.Groups, objects.Group{Class: c, Count: n})
	}
	sort.Slice(d.Groups, func(i, j int) bool {
		return objects.ClassIndex(d.Groups[i].Class) < objects.ClassIndex(d.Groups[j].Class)
	})
	return d
}

// Allowed are the classes whose naming is neither right nor wrong when
// they are not true: the maybes (the objects are true already).
func (p LabelledPhoto) Allowed() []string {
	var a []string
	for c := range p.Objects {
		a = append(a, c)
	}
	return append(a, p.Maybe...)
}

// ReadLabels reads the photos of a labels.json.
func ReadLabels(path string) ([]LabelledPhoto, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("objcaption: %w", err)
	}
	var l struct {
		Photos []LabelledPhoto `json:"photos"`
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("objcaption: %s: %w", path, err)
	}
	return l.Photos, nil
}

// RealCaption is one real photo's captions: the model's and the
// detector's own (its detections at DetectorScore described directly by
// objects.Caption).
type RealCaption struct {
	File     string `json:"file"`
	Model    Result `json:"model"`
	Detector string `json:"detector"`
}

// RealReport scores both on the hand-labelled photos.
type RealReport struct {
	Photos int                   `json:"photos"`
	Model  objects.CaptionReport `json:"model"`
	// Ungrounded is the model's, every class it names kept, when measured.
	Ungrounded    *objects.CaptionReport `json:"model_ungrounded,omitempty"`
	Detector      objects.CaptionReport  `json:"detector"`       // objects.Caption of the detections at DetectorScore
	DetectorScore float64                `json:"detector_score"` // 0.3, the detector's default
	Unsure        int                    `json:"low_confidence"` // the model's captions not confident
	Captions      []RealCaption          `json:"captions"`
}

// DetectorScore is the minimum score of the detections the detector's own
// captions describe: its default.
const DetectorScore = vision.DefaultMinScore

// ScoreReal runs det on every photo (files in dir, loaded stretched to the
// captioner's input size, at its floor) and scores the captioner's
// captions and the detector's own against the hand labels, naming a
// labelled or maybe class being allowed (objects.CaptionScorer.AddAllowing).
func (c *Captioner) ScoreReal(ctx context.Context, det *vision.Detector, dir string, photos []LabelledPhoto) (*RealReport, error) {
	rep := &RealReport{DetectorScore: DetectorScore}
	var model, own objects.CaptionScorer
	size := c.InputSize()
	for _, p := range photos {
		fr, err := media.LoadImage(ctx, filepath.Join(dir, p.File), media.ImageOptions{Width: size, Height: size, Fit: media.Stretch})
		if err != nil {
			return nil, fmt.Errorf("objcaption: %w", err)
		}
		found, err := det.DetectWith(ctx, []media.Frame{fr}, c.DetectOptions())
		if err != nil {
			return nil, fmt.Errorf("objcaption: %s: %w", p.File, err)
		}
		dets := Detections(found[0], fr.Width, fr.Height)
		r, err := c.Caption(dets)
		if err != nil {
			return nil, err
		}
		var s objects.Scene
		for _, d := range dets {
			if d.Score >= DetectorScore && objects.KnownClass(d.Class) {
				s.Objects = append(s.Objects, d.Object)
			}
		}
		rc := RealCaption{File: p.File, Model: r, Detector: objects.Caption(s)}
		model.AddAllowing(rc.Model.Caption, p.Truth(), p.Allowed())
		own.AddAllowing(rc.Detector, p.Truth(), p.Allowed())
		rep.Captions = append(rep.Captions, rc)
		rep.Photos++
		if !r.Confident {
			rep.Unsure++
		}
	}
	rep.Model, rep.Detector = model.Report(), own.Report()
	return rep, nil
}
