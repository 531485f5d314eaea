package subtitle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"captioner/models"
	"captioner/objects"
	"captioner/world"
)

// ObjectsPart is the objects labeller's entry in a bundle's manifest, and
// ObjectsWeights its weights file.
const (
	ObjectsPart    = "objects_subtitle"
	ObjectsWeights = "objects_subtitle.safetensors"
)

// ObjectsFeaturizer says how frames become the labeller's input: the
// detector's classes in the vector's order, the lowest score counted, the
// square the frames are stretched to for the detector, and the sampling
// rate (objects.StepInterval's).
type ObjectsFeaturizer struct {
	Classes []string `json:"classes"`
	Floor   float64  `json:"floor"`
	Input   int      `json:"input"`
	FPS     float64  `json:"fps"`
}

// New returns the featurizer.
func (f ObjectsFeaturizer) New() *objects.Featurizer {
	return objects.NewFeaturizer(f.Classes, f.Floor)
}

// ObjectsEntry is the "objects_subtitle" part of a bundle's manifest: a
// labeller entry (its labels, with their parts, are in the weights file;
// Schema repeats the groups for readers), the domain, the featurizer, how
// presence is read, and the per-frame baseline's threshold.
type ObjectsEntry struct {
	Entry
	Domain     string            `json:"domain"`
	Featurizer ObjectsFeaturizer `json:"featurizer"`
	Schema     []SchemaGroup     `json:"schema"`
	Presence   PresenceRule      `json:"presence"`
	// BaselineScore is the lowest score the per-frame baseline counts,
	// chosen like the presence rule on the validation videos.
	BaselineScore float64 `json:"baseline_score"`
	// StillBias multiplies each step's probability of "nothing moves"
	// before smoothing (0 or 1: unchanged); it and the smoothing penalty
	// are chosen together on the validation videos.
	StillBias float64 `json:"still_bias,omitempty"`
	// PerClass says the model is a per-class labeller (objects_class.go):
	// its input is one class's ClassValues a step, its labels what one
	// class does, and it runs once for every class a video shows.
	PerClass bool `json:"per_class,omitempty"`
}

// ErrNoObjectsLabeller marks a bundle without an objects labeller.
var ErrNoObjectsLabeller = errors.New("bundle has no objects labeller")

// LoadObjectsBundle reads the objects labeller of the bundle in fsys
// (named name in errors), checking the weights' checksum.
func LoadObjectsBundle(fsys fs.FS, name string) (*Model, *ObjectsEntry, error) {
	var e ObjectsEntry
	data, err := models.ReadPart(fsys, ObjectsPart, &e, func() string { return e.Weights })
	if errors.Is(err, models.ErrNoPart) {
		return nil, nil, fmt.Errorf("subtitle: model bundle %s: %w", name, ErrNoObjectsLabeller)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("subtitle: model bundle %s: %w", name, err)
	}
	m, err := LoadModel(data, filepath.Join(name, e.Weights))
	if err != nil {
		return nil, nil, err
	}
	if e.PerClass && m.Config.FeatureDim != ClassValues {
		return nil, nil, fmt.Errorf("subtitle: model bundle %s: %s: a per-class labeller of %d values a step, not %d", name, ObjectsPart, m.Config.FeatureDim, ClassValues)
	}
	if e.PerClass {
		if _, err := parseClassLabels(m.Labels); err != nil {
			return nil, nil, fmt.Errorf("subtitle: model bundle %s: %s: %w", name, ObjectsPart, err)
		}
	}
	if !e.PerClass && len(e.Featurizer.Classes)*objects.FeaturesPerClass != m.Config.FeatureDim {
		return nil, nil, fmt.Errorf("subtitle: model bundle %s: %s: %d classes for %d features", name, ObjectsPart, len(e.Featurizer.Classes), m.Config.FeatureDim)
	}
	return m, &e, nil
}

// InstallObjects writes the labeller (weights and entry) into the bundle
// folder dir, leaving every other entry and file as it is: the weights
// file, then the manifest with the entry and the file's checksum.
func InstallObjects(dir string, weights []byte, e ObjectsEntry) error {
	man, err := models.ReadManifest(os.DirFS(dir))
	if err != nil {
		return fmt.Errorf("subtitle: model bundle %s: %w", dir, err)
	}
	files, err := man.Files()
	if err != nil {
		return fmt.Errorf("subtitle: model bundle %s: %w", dir, err)
	}
	m, err := LoadModel(weights, "the new objects labeller")
	if err != nil {
		return err
	}
	e.Weights, e.Config, e.Labels = ObjectsWeights, m.Config, nil
	if err := os.WriteFile(filepath.Join(dir, ObjectsWeights), weights, 0o644); err != nil {
		return fmt.Errorf("subtitle: %w", err)
	}
	files[ObjectsWeights] = models.Entry(weights)
	if err := man.Set(ObjectsPart, e); err != nil {
		return err
	}
	if err := man.Set("files", files); err != nil {
		return err
	}
	return man.Write(dir)
}

// ObjectsTrainOptions configure TrainObjects. Zero values take the
// defaults noted.
type ObjectsTrainOptions struct {
	Classes []string // the detector's labels
	Floor   float64  // default 0.15, the generator's MinScore
	Input   int      // default 416
	// Videos of objects.NewGenerator(DataSeed, Synth): TrainVideos (1500)
	// for training, the ValVideos (150) after them for validation.
	DataSeed               uint64
	Synth                  objects.SynthOptions
	TrainVideos, ValVideos int
	// Training (SequenceTrainOptions): Config defaults Hidden 64, Layers
	// 1, bidirectional, Window 32, Dropout 0.1, Inputs features and change.
	Seed     uint64
	Config   Config
	Epochs   int // default 20
	Batch    int // default 16
	LR       float64
	Patience int
	Out      string // checkpoints
	Log      func(format string, a ...any)
	MinSD    float64 // SequenceTrainOptions.MinSD; default 0.1
	// PerClass trains a per-class labeller (objects_class.go) instead of
	// one over the whole featurizer vector.
	PerClass bool
}

// TrainObjects fits an objects labeller on generated videos and chooses,
// on the validation videos, its smoothing penalty, its presence rule and
// the baseline's threshold. It returns the weights and the entry
// (InstallObjects writes them into a bundle).
func TrainObjects(ctx context.Context, o ObjectsTrainOptions) ([]byte, *ObjectsEntry, error) {
	began := time.Now()
	if o.Floor == 0 {
		o.Floor = 0.15
	}
	if o.Input == 0 {
		o.Input = 416
	}
	if o.TrainVideos == 0 {
		o.TrainVideos = 1500
	}
	if o.ValVideos == 0 {
		o.ValVideos = 150
	}
	if o.Epochs == 0 {
		o.Epochs = 20
	}
	c := &o.Config
	if c.Hidden == 0 {
		c.Hidden, c.Layers, c.Bidirectional, c.Window, c.Dropout = 64, 1, true, 32, 0.1
	}
	c.FPS = float64(time.Second / objects.StepInterval)
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if o.MinSD == 0 {
		o.MinSD = 0.1
	}
	fz := objects.NewFeaturizer(o.Classes, o.Floor)
	gen := objects.NewGenerator(o.DataSeed, o.Synth)
	videos, err := GenerateObjects(ctx, gen, 0, o.TrainVideos+o.ValVideos)
	if err != nil {
		return nil, nil, err
	}
	trainV, valV := videos[:o.TrainVideos], videos[o.TrainVideos:]
	sequences := func(vs []ObjectsVideo) (SequenceSet, error) { return ObjectsSequences(vs, fz) }
	labels, schema := ObjectsSchema(o.Classes)
	if o.PerClass {
		sequences = func(vs []ObjectsVideo) (SequenceSet, error) { return ClassSequences(vs, o.Classes, o.Floor) }
		labels, schema = ClassSchema()
	}
	train, err := sequences(trainV)
	if err != nil {
		return nil, nil, err
	}
	val, err := sequences(valV)
	if err != nil {
		return nil, nil, err
	}
	o.Log("generated %d training and %d validation videos (%d and %d sequences) in %s", len(trainV), len(valV), len(train.Seqs), len(val.Seqs), time.Since(began).Round(time.Second))
	cue := ObjectsCueOptions()
	res, err := TrainSequences(ctx, SequenceTrainOptions{
		Train: train, Val: val, Labels: labels, Schema: schema, Config: o.Config, Out: o.Out,
		Seed: o.Seed, Epochs: o.Epochs, Batch: o.Batch, LR: o.LR, Patience: o.Patience, Cue: cue, Log: o.Log, MinSD: o.MinSD,
	})
	if err != nil {
		return nil, nil, err
	}
	e := &ObjectsEntry{
		Entry: Entry{
			Penalty: res.Penalty, LowConfidence: res.LowConfidence, NoveltyLimit: res.NoveltyLimit,
			Training: map[string]any{
				"data":  fmt.Sprintf("objects.NewGenerator(%d, defaults): videos 0-%d train, %d-%d validation", o.DataSeed, o.TrainVideos-1, o.TrainVideos, o.TrainVideos+o.ValVideos-1),
				"steps": res.Steps, "labels": len(labels), "seed": o.Seed, "epochs": res.Epochs, "best_epoch": res.BestEpoch,
				"batch": o.Batch, "lr": o.LR,
			},
		},
		Domain:     "objects",
		Featurizer: ObjectsFeaturizer{Classes: o.Classes, Floor: o.Floor, Input: o.Input, FPS: c.FPS},
		Schema:     schema.Groups,
		PerClass:   o.PerClass,
	}
	if err := ChooseObjects(ctx, res.Model, e, valV, o.Log); err != nil {
		return nil, nil, err
	}
	e.Training["minutes"] = math.Round(time.Since(began).Minutes()*10) / 10
	return res.Weights, e, nil
}

// ChooseObjects sets what a trained labeller's entry chooses on the
// validation videos: the smoothing penalty and still bias, the presence
// rule and the baseline's threshold, and, for a per-class labeller, the
// low-confidence and novelty limits of its composed tracks (TrainSequences
// sets them from the sequences it validates on, which for a per-class
// labeller are one class's); then it records the validation scores. The
// recipe can rerun it on weights already trained (train-objects
// --rescore).
func ChooseObjects(ctx context.Context, m *Model, e *ObjectsEntry, val []ObjectsVideo, log func(format string, a ...any)) error {
	if log == nil {
		log = func(string, ...any) {}
	}
	l := &ObjectsLabeller{Model: m, Entry: e, Cue: ObjectsCueOptions()}
	e.Penalty, e.StillBias = l.chooseDecoding(ctx, val)
	log("smoothing penalty %g, still bias %g", e.Penalty, e.StillBias)
	e.Presence, e.BaselineScore = l.choose(ctx, val)
	log("presence rule %+v; baseline threshold %g", e.Presence, e.BaselineScore)
	if e.PerClass {
		var evs []Evaluated
		for _, v := range val {
			tr, err := l.LabelDetections(v.Dets, v.Duration)
			if err != nil {
				return err
			}
			if tr.Confidence > 0 { // 0: nothing the detector is sure of, flagged anyway
				evs = append(evs, Evaluated{Cues: tr.Cues, Confidence: tr.Confidence, Novelty: tr.Novelty})
			}
		}
		e.LowConfidence, e.NoveltyLimit = limits(evs)
		log("low confidence under %.3f, novelty over %.3f", e.LowConfidence, e.NoveltyLimit)
	}
	rep, err := l.Evaluate(ctx, val)
	if err != nil {
		return err
	}
	if e.Scores == nil {
		e.Scores = map[string]any{}
	}
	e.Scores["validation"] = rep
	return nil
}

// ObjectsScores are one labeller's (or the baseline's) scores on a set of
// videos: the label-track scores (generated videos only), presence, and
// its cues: how many, how short, how often their text changes.
type ObjectsScores struct {
	Track               *world.TrackReport     `json:"track,omitempty"`
	Presence            objects.PresenceReport `json:"presence"`
	Cues                int                    `json:"cues"`
	CueChangesPerMinute float64                `json:"cue_changes_per_minute"`
	ShortestCue         float64                `json:"shortest_cue_s"`
}

// ObjectsReport is the labeller beside the per-frame baseline.
type ObjectsReport struct {
	Videos   int           `json:"videos"`
	Seconds  float64       `json:"seconds"`
	Labeller ObjectsScores `json:"labeller"`
	Baseline ObjectsScores `json:"baseline"`
}

// objectsScorer accumulates ObjectsScores.
type objectsScorer struct {
	track    world.TrackScorer
	tracks   bool
	presence objects.PresenceScorer
	cues     int
	changes  int
	shortest time.Duration
}

func (s *objectsScorer) add(cues []Cue, truthTrack []world.Cue, pred, truth objects.Presence, d time.Duration) {
	if truthTrack != nil {
		wc := WorldCues(cues)
		for i := range wc {
			wc[i].Text = objects.CanonicalText(wc[i].Text)
		}
		s.track.Add(wc, truthTrack, d)
		s.tracks = true
	}
	s.presence.Add(pred, truth)
	s.cues += len(cues)
	s.changes += CueChanges(cues)
	for _, c := range cues {
		if s.shortest == 0 || c.End-c.Start < s.shortest {
			s.shortest = c.End - c.Start
		}
	}
}

func (s *objectsScorer) report(seconds float64) ObjectsScores {
	r := ObjectsScores{Presence: s.presence.Report(), Cues: s.cues, ShortestCue: s.shortest.Seconds()}
	if seconds > 0 {
		r.CueChangesPerMinute = float64(s.changes) / seconds * 60
	}
	if s.tracks {
		tr := s.track.Report()
		r.Track = &tr
	}
	return r
}
