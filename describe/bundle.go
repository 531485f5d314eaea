package describe

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"captioner/models"
)

// Entry is the "describe" part of a model bundle's manifest.json.
type Entry struct {
	Weights string `json:"weights"` // the safetensors file, relative to the bundle
	Config  Config `json:"config"`
	// LowConfidence is the chapter confidence under which a description
	// is flagged as a guess, and NoveltyLimit the mean feature novelty
	// over which a clip is flagged as unlike the training videos; both
	// are set from the validation videos when the model is trained.
	LowConfidence float64        `json:"low_confidence"`
	NoveltyLimit  float64        `json:"novelty_limit"`
	Training      map[string]any `json:"training,omitempty"`
	Scores        map[string]any `json:"scores,omitempty"`
}

// Key is the describer's entry in a bundle's manifest; WeightsFile its
// weights.
const (
	Key         = "describe"
	WeightsFile = "describe.safetensors"
)

// Unsure says whether a description should be presented as a guess.
func (e *Entry) Unsure(confidence, novelty float64) bool {
	return confidence < e.LowConfidence || (e.NoveltyLimit > 0 && novelty > e.NoveltyLimit)
}

// ErrNoDescriber marks a bundle without a describer.
var ErrNoDescriber = errors.New("bundle has no describer")

// LoadBundle reads the describer of the bundle in fsys (named name in
// errors), checking the weights' checksum against the manifest.
func LoadBundle(fsys fs.FS, name string) (*Model, *Entry, error) {
	var e Entry
	data, err := models.ReadPart(fsys, Key, &e, func() string { return e.Weights })
	if errors.Is(err, models.ErrNoPart) {
		return nil, nil, fmt.Errorf("describe: model bundle %s: %w", name, ErrNoDescriber)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("describe: model bundle %s: %w", name, err)
	}
	m, err := LoadModel(data, filepath.Join(name, e.Weights))
	if err != nil {
		return nil, nil, err
	}
	return m, &e, nil
}

// WriteBundle writes a complete model bundle into dir: every file of base
// (the bundle whose CNN and labeller the describer reads) and its
// manifest, with this describer and its entry added. Files are written
// atomically, manifest.json last.
func WriteBundle(dir string, base fs.FS, baseName string, weights []byte, e Entry) error {
	man, err := models.ReadManifest(base)
	if err != nil {
		return fmt.Errorf("describe: model bundle %s: %w", baseName, err)
	}
	m, err := LoadModel(weights, "the new describer")
	if err != nil {
		return err
	}
	e.Weights, e.Config = WeightsFile, m.Config
	if err := models.WriteBundle(dir, base, man, Key, WeightsFile, weights, e); err != nil {
		return fmt.Errorf("describe: writing model bundle %s: %w", dir, err)
	}
	return nil
}

// RecordScores stores an evaluation report in the describe entry of the
// bundle folder dir's manifest, under scores[name] (e.g. "test").
func RecordScores(dir, name string, rep *Report, about map[string]any) error {
	err := models.RecordScores(dir, Key, name, rep, about)
	if errors.Is(err, models.ErrNoPart) {
		return fmt.Errorf("describe: model bundle %s: %w", dir, ErrNoDescriber)
	}
	if err != nil {
		return fmt.Errorf("describe: model bundle %s: %w", dir, err)
	}
	return nil
}
