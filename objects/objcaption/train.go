package objcaption

import (
	"context"
	"fmt"
	"io/fs"

	"captioner/caption"
	"captioner/models"
	"captioner/objects"
	"captioner/vision"
)

// Defaults of the recipe (CHOICES.md).
const (
	DefaultFloor     = 0.15 // the featurizer's floor: the detector's minimum score
	DefaultInputSize = 512  // the detector's input for photos
)

// Photos are generated photos as caption examples: each one's id (its
// Example.Image), its canonical caption (Caption(truth)) as the reference,
// the featurizer's vector of its noisy detections, and its true
// description.
type Photos struct {
	Examples []caption.Example
	Vectors  map[string][]float32
	Truth    map[string]objects.Description
}

// Generate draws photos [0, n) of the generator (seed, synth) into p, as
// examples of split.
func (p *Photos) Generate(ctx context.Context, seed uint64, n int, synth objects.SynthOptions, f *objects.Featurizer, split string) error {
	if p.Vectors == nil {
		p.Vectors, p.Truth = map[string][]float32{}, map[string]objects.Description{}
	}
	g := objects.NewGenerator(seed, synth)
	for i := range n {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ph := g.Photo(i)
		id := fmt.Sprintf("objects-%d-%06d", seed, i)
		d := objects.Describe(ph.Truth)
		p.Examples = append(p.Examples, caption.Example{Image: id, Captions: []string{d.String()}, Split: split})
		p.Vectors[id] = f.Vector(ph.Dets)
		p.Truth[id] = d
	}
	return nil
}

// Score scores captions of examples (all of p) against their truth:
// noun precision and recall, counts, relations, exact match
// (objects.CaptionScorer). Captions are read with Canonical.
func (p *Photos) Score(captions []string, examples []caption.Example) objects.CaptionReport {
	var s objects.CaptionScorer
	for i, c := range captions {
		if d, err := Canonical(c); err == nil {
			c = d.String()
		}
		s.Add(c, p.Truth[examples[i].Image])
	}
	return s.Report()
}

// DetectorClasses returns the labels of the detector of the bundle in fsys:
// the classes, in order, of the objects captioner's vector.
func DetectorClasses(fsys fs.FS) ([]string, error) {
	man, err := models.ReadManifest(fsys)
	if err != nil {
		return nil, fmt.Errorf("objcaption: %w", err)
	}
	var e vision.DetectorEntry
	if ok, err := man.Get("detector", &e); err != nil || !ok || e.Spec.Detector == nil || len(e.Spec.Detector.Labels) == 0 {
		return nil, fmt.Errorf("objcaption: the bundle's manifest has no detector with labels (%v)", err)
	}
	return e.Spec.Detector.Labels, nil
}

// TrainOptions are the recipe's: the generated data and caption.Train's
// options. Zero values take the defaults noted.
type TrainOptions struct {
	Out      string // the bundle folder to write
	Base     fs.FS  // the bundle whose detector's classes the vector has, copied into Out; default the embedded one
	BaseName string

	TrainSeed, ValSeed uint64 // generator seeds of the training and validation photos
	N, ValN            int    // how many of each
	Synth              objects.SynthOptions
	Floor              float64 // DefaultFloor
	InputSize          int     // DefaultInputSize

	Seed                    uint64 // the model's initialisation and shuffling
	Config                  caption.Config
	Epochs, Batch, Patience int
	LR                      float64
	Log                     func(format string, a ...any)
}

// Train generates the photos and trains the objects captioner on them
// with caption.Train, writing a bundle (base's files and entries, and the
// "objects_caption" entry) into o.Out. The validation score is exact match
// plus a little of the noun F1 (for ties); the entry records the
// generated data, the featurizer and the validation scores.
func Train(ctx context.Context, o TrainOptions) (*caption.TrainResult, error) {
	if o.Base == nil {
		o.Base, o.BaseName = models.Default(), "embedded default bundle"
	}
	if o.Floor == 0 {
		o.Floor = DefaultFloor
	}
	if o.InputSize == 0 {
		o.InputSize = DefaultInputSize
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	classes, err := DetectorClasses(o.Base)
	if err != nil {
		return nil, err
	}
	f := objects.NewFeaturizer(classes, o.Floor)
	var p Photos
	if err := p.Generate(ctx, o.TrainSeed, o.N, o.Synth, f, "train"); err != nil {
		return nil, err
	}
	if err := p.Generate(ctx, o.ValSeed, o.ValN, o.Synth, f, "val"); err != nil {
		return nil, err
	}
	o.Log("generated %d training and %d validation photos", o.N, o.ValN)
	data := &caption.Dataset{Format: "objects", Examples: p.Examples, Source: map[string]any{
		"generator": "objects.NewGenerator(seed, SynthOptions{}).Photo(i), i < n", "train_seed": o.TrainSeed, "n": o.N,
		"validation_seed": o.ValSeed, "validation_n": o.ValN, "settings": settingNames(o.Synth), "noise": "DefaultNoise()",
	}}
	return caption.Train(ctx, caption.TrainOptions{
		Data: data, Features: &caption.MemorySource{D: f.Dim(), Vectors: p.Vectors},
		Out: o.Out, Base: o.Base, BaseName: o.BaseName,
		Part: Part, Domain: Domain,
		Featurizer: &caption.Featurizer{Kind: Kind, Classes: classes, Floor: o.Floor, InputSize: o.InputSize, PerClass: objects.FeaturesPerClass},
		Scorer: func(caps []string, exs []caption.Example) (float64, any) {
			r := p.Score(caps, exs)
			return r.ExactMatch + r.F1/float64(2*max(len(caps), 1)), r
		},
		Metric: "objects",
		Seed:   o.Seed, Epochs: o.Epochs, Batch: o.Batch, LR: o.LR, Patience: o.Patience,
		Config: o.Config, MinCount: 1, ValImages: o.ValN,
		Log: o.Log,
	})
}

func settingNames(o objects.SynthOptions) []string {
	sets := o.Settings
	if sets == nil {
		sets = objects.DefaultSettings()
	}
	var names []string
	for _, s := range sets {
		names = append(names, s.Name)
	}
	return names
}
