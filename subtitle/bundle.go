package subtitle

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"captioner/models"
)

// Entry is the "subtitle" part of a model bundle's manifest.json.
type Entry struct {
	Weights string   `json:"weights"` // the safetensors file, relative to the bundle
	Config  Config   `json:"config"`
	Labels  []string `json:"labels,omitempty"` // left out for the objects labeller: its weights file has them
	// Penalty is the smoothing penalty (see Smooth) chosen on the
	// validation videos.
	Penalty float64 `json:"penalty"`
	// LowConfidence is the mean cue confidence under which a track is
	// flagged as a guess, and NoveltyLimit the mean feature novelty over
	// which a video is flagged as unlike the training videos; both are set
	// from the validation videos when the model is trained.
	LowConfidence float64        `json:"low_confidence"`
	NoveltyLimit  float64        `json:"novelty_limit"`
	Training      map[string]any `json:"training,omitempty"`
	Scores        map[string]any `json:"scores,omitempty"`
	// Speed records the real-time factor measured for this labeller and
	// how (subtitle/BENCHMARKS.md).
	Speed map[string]any `json:"speed,omitempty"`
}

const weightsFile = "subtitle.safetensors"

// Unsure says whether a track should be presented as a guess: its cues are
// unlikely, or the video is unlike anything the labeller was trained on.
func (e *Entry) Unsure(confidence, novelty float64) bool {
	return confidence < e.LowConfidence || (e.NoveltyLimit > 0 && novelty > e.NoveltyLimit)
}

// ErrNoLabeller marks a bundle without a subtitle labeller.
var ErrNoLabeller = errors.New("bundle has no subtitle labeller")

// LoadBundle reads the labeller of the bundle in fsys (named name in
// errors), checking the weights' checksum against the manifest.
func LoadBundle(fsys fs.FS, name string) (*Model, *Entry, error) {
	var e Entry
	data, err := models.ReadPart(fsys, "subtitle", &e, func() string { return e.Weights })
	if errors.Is(err, models.ErrNoPart) {
		return nil, nil, fmt.Errorf("subtitle: model bundle %s: %w", name, ErrNoLabeller)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("subtitle: model bundle %s: %w", name, err)
	}
	m, err := LoadModel(data, filepath.Join(name, e.Weights))
	if err != nil {
		return nil, nil, err
	}
	return m, &e, nil
}

// WriteBundle writes a complete model bundle into dir: every file of base
// (the bundle whose CNN computed the training features, with its caption
// model if it has one) and its manifest, with this labeller and its entry in
// place of any base had. Files are written atomically, manifest.json last.
func WriteBundle(dir string, base fs.FS, baseName string, weights []byte, e Entry) error {
	man, err := models.ReadManifest(base)
	if err != nil {
		return fmt.Errorf("subtitle: model bundle %s: %w", baseName, err)
	}
	m, err := LoadModel(weights, "the new labeller")
	if err != nil {
		return err
	}
	e.Weights, e.Config, e.Labels = weightsFile, m.Config, m.Labels
	if err := models.WriteBundle(dir, base, man, "subtitle", weightsFile, weights, e); err != nil {
		return fmt.Errorf("subtitle: writing model bundle %s: %w", dir, err)
	}
	return nil
}

// RecordScores stores an evaluation report in the subtitle entry of the
// bundle folder dir's manifest, under scores[name] (e.g. "test").
func RecordScores(dir, name string, rep *Report, about map[string]any) error {
	err := models.RecordScores(dir, "subtitle", name, rep, about)
	if errors.Is(err, models.ErrNoPart) {
		return fmt.Errorf("subtitle: model bundle %s: %w", dir, ErrNoLabeller)
	}
	if err != nil {
		return fmt.Errorf("subtitle: model bundle %s: %w", dir, err)
	}
	return nil
}
