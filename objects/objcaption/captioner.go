// Package objcaption is the objects captioner: the one-to-many LSTM of
// package caption reading objects.Featurizer's vector of a photo's
// detections, trained on the objects generator's photos (Caption(truth) as
// the target, the vector of the noisy detections as the input) and saved
// under the bundle's "objects_caption" entry with everything needed to run
// it: the detector's classes, the score floor and the detector's input
// size. Captioner runs it; Train is the recipe (CHOICES.md); the scoring
// functions measure it on generated photos and on the hand-labelled real
// ones.
//
//	detections (vision, at Floor) -> objects.Featurizer.Vector -> caption.Model (beam) -> canonical caption
package objcaption

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"captioner/caption"
	"captioner/objects"
	"captioner/vision"
)

// Part is the manifest key of the objects captioner in a model bundle.
const Part = "objects_caption"

// Domain is what the objects captioner's manifest entry says it knows.
const Domain = "objects"

// Kind is the featurizer kind of the entry: objects.Featurizer's vector of
// a detector's detections.
const Kind = "detections"

// Captioner captions photos from their detections. It is safe for
// concurrent use.
type Captioner struct {
	model *caption.Model
	entry *caption.Entry
	feat  *objects.Featurizer
	index map[string]int // class -> its place in the vector
	opts  Options
	pool  sync.Pool // *caption.Decoder
}

// Options choose how a Captioner decodes.
type Options struct {
	Decode caption.DecodeOptions
	// Ungrounded keeps every class the model names. By default a class
	// with no detection at the floor is dropped from the caption: the
	// model sees only detections, so naming a class nothing was detected
	// of is a guess from the company it keeps (a person beside a
	// motorcycle), which its training photos reward and real photos do
	// not (CHOICES.md).
	Ungrounded bool
	// GroundScore is the best score a class's detections must reach for
	// a grounded caption to name it; 0 means any detection at the floor.
	GroundScore float64
}

// DefaultGroundScore is the grounding bar of DefaultOptions, chosen on
// generated validation photos (seed 202, CHOICES.md): the bar that keeps
// the most true nouns while 90 % of those named are true.
const DefaultGroundScore = 0.25

// DefaultOptions: caption.DefaultDecodeOptions, grounded at
// DefaultGroundScore.
func DefaultOptions() Options {
	return Options{Decode: caption.DefaultDecodeOptions(), GroundScore: DefaultGroundScore}
}

// New returns a Captioner of a model and its entry (LoadBundlePart's).
func New(m *caption.Model, e *caption.Entry, opts Options) (*Captioner, error) {
	f := e.Featurizer
	if f == nil || f.Kind != Kind {
		return nil, fmt.Errorf("objcaption: the model's entry has no %q featurizer", Kind)
	}
	if f.PerClass != objects.FeaturesPerClass || len(f.Classes)*f.PerClass != m.Config.FeatureDim {
		return nil, fmt.Errorf("objcaption: featurizer of %d classes of %d values for a model of %d features (this captioner makes %d a class)",
			len(f.Classes), f.PerClass, m.Config.FeatureDim, objects.FeaturesPerClass)
	}
	if _, err := m.NewDecoder(opts.Decode); err != nil {
		return nil, err
	}
	c := &Captioner{model: m, entry: e, feat: objects.NewFeaturizer(f.Classes, f.Floor), index: map[string]int{}, opts: opts}
	for i, cl := range f.Classes {
		c.index[cl] = i
	}
	return c, nil
}

// Load reads the objects captioner of the bundle in fsys (named name in
// errors), with opts (DefaultOptions()). A bundle without one gives an
// error wrapping caption.ErrNoCaptioner.
func Load(fsys fs.FS, name string, opts Options) (*Captioner, error) {
	m, e, err := caption.LoadBundlePart(fsys, name, Part)
	if err != nil {
		return nil, err
	}
	return New(m, e, opts)
}

// Entry is the model's manifest entry.
func (c *Captioner) Entry() *caption.Entry { return c.entry }

// Featurizer makes the model's input vectors.
func (c *Captioner) Featurizer() *objects.Featurizer { return c.feat }

// DetectOptions are the options the detector must run with: every
// detection down to the featurizer's floor.
func (c *Captioner) DetectOptions() vision.DetectOptions {
	return vision.DetectOptions{MinScore: float32(c.feat.Floor())}
}

// InputSize is the detector input (width and height, frames stretched) the
// model was made for.
func (c *Captioner) InputSize() int { return c.entry.Featurizer.InputSize }

// Result is a photo's caption.
type Result struct {
	Caption string  `json:"caption"` // canonical (docs/OBJECTS.md)
	Score   float64 `json:"score"`   // mean log-probability per token; 0 is certain
	Novelty float64 `json:"novelty"` // how unlike the training vectors (about 1 is alike)
	// Confident is false when the caption is a guess: its words are
	// unlikely, the vector is unlike the training data, the model's words
	// do not parse as a caption, or nothing the detector knows was found.
	Confident bool `json:"confident"`
	// Known is false when no detection of a known class reached the
	// floor: the caption is objects.NoObjects, not the model's.
	Known bool `json:"known"`
}

// Caption captions a photo from its detections (boxes relative to the
// frame; see Detections).
func (c *Captioner) Caption(dets []objects.Detection) (Result, error) {
	v := c.feat.Vector(dets)
	if !slices.ContainsFunc(v, func(x float32) bool { return x != 0 }) {
		return Result{Caption: objects.NoObjects}, nil
	}
	dec, _ := c.pool.Get().(*caption.Decoder)
	if dec == nil {
		var err error
		if dec, err = c.model.NewDecoder(c.opts.Decode); err != nil {
			return Result{}, err
		}
	}
	defer c.pool.Put(dec)
	rs, err := dec.Caption(v)
	if err != nil {
		return Result{}, err
	}
	r := rs[0]
	out := Result{Caption: r.Text, Score: r.Score, Novelty: r.Novelty, Known: true}
	d, err := Canonical(r.Text)
	if err != nil {
		return out, nil // not confident: the words are not a caption
	}
	if !c.opts.Ungrounded {
		d = c.ground(d, v)
	}
	out.Caption = d.String()
	out.Confident = !c.entry.Unsure(r) && len(d.Groups) > 0
	return out, nil
}

// ground drops from d the classes v has no detection of, or none reaching
// GroundScore (their best score is the first value of their part of the
// vector), and the relation when one of its two objects goes.
func (c *Captioner) ground(d objects.Description, v []float32) objects.Description {
	var g objects.Description
	for _, gr := range d.Groups {
		if i, ok := c.index[gr.Class]; ok && v[i*objects.FeaturesPerClass] > 0 && float64(v[i*objects.FeaturesPerClass]) >= c.opts.GroundScore {
			g.Groups = append(g.Groups, gr)
		}
	}
	if len(g.Groups) == len(d.Groups) {
		g.Relation = d.Relation
	}
	return g
}

// Detections converts a detector's detections in a frame of w x h pixels
// into objects' (boxes relative to the frame, clipped to it).
func Detections(ds []vision.Detection, w, h int) []objects.Detection {
	out := make([]objects.Detection, len(ds))
	clip := func(v float32, n int) float64 { return min(max(float64(v)/float64(n), 0), 1) }
	for i, d := range ds {
		out[i] = objects.Detection{
			Object: objects.Object{Class: d.Class, Box: objects.Box{X0: clip(d.Box.X0, w), Y0: clip(d.Box.Y0, h), X1: clip(d.Box.X1, w), Y1: clip(d.Box.Y1, h)}},
			Score:  float64(d.Score),
		}
	}
	return out
}

// determiners start a noun phrase (docs/OBJECTS.md, "Vocabulary").
var determiners = []string{"a", "an", "two", "three", "several"}

// Canonical reads a caption the model wrote: its words have no commas
// (caption.Tokenize drops punctuation), so "a dog a bicycle and a car" is
// read as "a dog, a bicycle and a car" when it does not parse as it is.
func Canonical(text string) (objects.Description, error) {
	d, err := objects.ParseCaption(text)
	if err == nil {
		return d, nil
	}
	w := strings.Fields(text)
	for i := 1; i < len(w); i++ {
		if !slices.Contains(determiners, w[i]) || w[i-1] == "and" || w[i-1] == "of" || w[i-1] == "above" || w[i-1] == "below" {
			continue
		}
		t := strings.Join(w[:i], " ") + ", " + strings.Join(w[i:], " ")
		if d, e := objects.ParseCaption(t); e == nil {
			return d, nil
		}
	}
	return objects.Description{}, err
}
