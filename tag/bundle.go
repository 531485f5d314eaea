package tag

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"captioner/models"
)

// Key is the tagger's entry in a bundle's manifest.json.
const Key = "tag"

const weightsFile = "tag.safetensors"

// Entry is the "tag" part of a model bundle's manifest.json.
type Entry struct {
	Weights string   `json:"weights"` // the safetensors file, relative to the bundle
	Config  Config   `json:"config"`
	Tags    []string `json:"tags"`
	// LowConfidence is the confidence (see Confidence) under which an
	// answer is flagged as a guess, and NoveltyLimit the mean feature
	// novelty over which a video is flagged as unlike the training
	// videos; both are set from the validation videos.
	LowConfidence float64        `json:"low_confidence"`
	NoveltyLimit  float64        `json:"novelty_limit"`
	Training      map[string]any `json:"training,omitempty"`
	Scores        map[string]any `json:"scores,omitempty"`
}

// Unsure says whether an answer should be presented as a guess: a
// decision is unlikely, or the video is unlike anything the tagger was
// trained on.
func (e *Entry) Unsure(confidence, novelty float64) bool {
	return confidence < e.LowConfidence || (e.NoveltyLimit > 0 && novelty > e.NoveltyLimit)
}

// ErrNoTagger marks a bundle without a tagger.
var ErrNoTagger = errors.New("bundle has no tagger")

// LoadBundle reads the tagger of the bundle in fsys (named name in
// errors), checking the weights' checksum against the manifest.
func LoadBundle(fsys fs.FS, name string) (*Model, *Entry, error) {
	var e Entry
	data, err := models.ReadPart(fsys, Key, &e, func() string { return e.Weights })
	if errors.Is(err, models.ErrNoPart) {
		return nil, nil, fmt.Errorf("tag: model bundle %s: %w", name, ErrNoTagger)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("tag: model bundle %s: %w", name, err)
	}
	m, err := LoadModel(data, filepath.Join(name, e.Weights))
	if err != nil {
		return nil, nil, err
	}
	if err := m.AttachNamer(fsys, name); err != nil {
		return nil, nil, err
	}
	return m, &e, nil
}

// WriteBundle writes a complete model bundle into dir: every file of base
// (the bundle whose CNN computed the training features, with its other
// models) and its manifest, with this tagger and its entry in place of any
// base had.
func WriteBundle(dir string, base fs.FS, baseName string, weights []byte, e Entry) error {
	man, err := models.ReadManifest(base)
	if err != nil {
		return fmt.Errorf("tag: model bundle %s: %w", baseName, err)
	}
	m, err := LoadModel(weights, "the new tagger")
	if err != nil {
		return err
	}
	e.Weights, e.Config, e.Tags = weightsFile, m.Config, m.Tags
	if err := models.WriteBundle(dir, base, man, Key, weightsFile, weights, e); err != nil {
		return fmt.Errorf("tag: writing model bundle %s: %w", dir, err)
	}
	return nil
}

// RecordScores stores an evaluation report in the tag entry of the bundle
// folder dir's manifest, under scores[name] (e.g. "test").
func RecordScores(dir, name string, rep *Report, about map[string]any) error {
	err := models.RecordScores(dir, Key, name, rep, about)
	if errors.Is(err, models.ErrNoPart) {
		return fmt.Errorf("tag: model bundle %s: %w", dir, ErrNoTagger)
	}
	if err != nil {
		return fmt.Errorf("tag: model bundle %s: %w", dir, err)
	}
	return nil
}

// Install notes the recipe that trained the tagger of the bundle folder
// from and its minutes in its manifest entry (training.recipe,
// training.recipe_minutes), then adds the tagger to the bundle folder to
// (models.InstallPart): its entry and weights, every other entry and file
// there left as it is.
func Install(from, to, recipe string, minutes float64) error {
	man, err := models.ReadManifest(os.DirFS(from))
	if err != nil {
		return fmt.Errorf("tag: model bundle %s: %w", from, err)
	}
	var e map[string]any
	if ok, err := man.Get(Key, &e); err != nil {
		return fmt.Errorf("tag: model bundle %s: %w", from, err)
	} else if !ok {
		return fmt.Errorf("tag: model bundle %s: %w", from, ErrNoTagger)
	}
	training, _ := e["training"].(map[string]any)
	if training == nil {
		training = map[string]any{}
	}
	if recipe != "" {
		training["recipe"] = recipe
	}
	if minutes > 0 {
		training["recipe_minutes"] = math.Round(minutes*10) / 10
	}
	e["training"] = training
	if err := man.Set(Key, e); err != nil {
		return fmt.Errorf("tag: model bundle %s: %w", from, err)
	}
	if err := man.Write(from); err != nil {
		return fmt.Errorf("tag: model bundle %s: %w", from, err)
	}
	if err := models.InstallPart(from, to, Key); err != nil {
		return fmt.Errorf("tag: installing into %s: %w", to, err)
	}
	return nil
}
