package caption

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"captioner/models"
)

// Entry is the "caption" part of a model bundle's manifest.json.
type Entry struct {
	Weights string `json:"weights"` // the safetensors file, relative to the bundle
	Config  Config `json:"config"`
	// LowConfidence is the score under which a caption is flagged as a
	// guess: the model has seen nothing like the image. It is set from the
	// validation images' scores when the model is trained.
	LowConfidence float64 `json:"low_confidence"`
	// NoveltyLimit is the novelty over which an image is flagged as unlike
	// the training images, set from the validation images like LowConfidence.
	NoveltyLimit float64        `json:"novelty_limit"`
	Training     map[string]any `json:"training,omitempty"`
	Scores       map[string]any `json:"scores,omitempty"`
}

const weightsFile = "caption.safetensors"

// Unsure says whether a result should be presented as a guess: its words
// are unlikely, or the image is unlike anything the model was trained on.
func (e *Entry) Unsure(r Result) bool {
	return r.Score < e.LowConfidence || (e.NoveltyLimit > 0 && r.Novelty > e.NoveltyLimit)
}

// ErrNoCaptioner marks a bundle without a caption model.
var ErrNoCaptioner = errors.New("bundle has no caption model")

// LoadBundle reads the caption model of the bundle in fsys (named name in
// errors), checking the weights' checksum against the manifest.
func LoadBundle(fsys fs.FS, name string) (*Model, *Entry, error) {
	var e Entry
	data, err := models.ReadPart(fsys, "caption", &e, func() string { return e.Weights })
	if errors.Is(err, models.ErrNoPart) {
		return nil, nil, fmt.Errorf("caption: model bundle %s: %w", name, ErrNoCaptioner)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("caption: model bundle %s: %w", name, err)
	}
	m, err := LoadModel(data, filepath.Join(name, e.Weights))
	if err != nil {
		return nil, nil, err
	}
	return m, &e, nil
}

// WriteBundle writes a complete model bundle into dir: every file of base
// (the bundle whose CNN computed the training features) and its manifest,
// with this caption model and its entry in place of any caption model base
// had. Files are written atomically, manifest.json last.
func WriteBundle(dir string, base fs.FS, baseName string, weights []byte, e Entry) error {
	man, err := models.ReadManifest(base)
	if err != nil {
		return fmt.Errorf("caption: model bundle %s: %w", baseName, err)
	}
	e.Weights = weightsFile
	if err := models.WriteBundle(dir, base, man, "caption", weightsFile, weights, e); err != nil {
		return fmt.Errorf("caption: writing model bundle %s: %w", dir, err)
	}
	return nil
}

// RecordScores stores an evaluation report in the caption entry of the
// bundle folder dir's manifest, under scores[name] (e.g. "test"). The
// manifest's file checksums are unaffected: the manifest lists the other
// files, not itself.
func RecordScores(dir, name string, rep *Report, about map[string]any) error {
	err := models.RecordScores(dir, "caption", name, rep, about)
	if errors.Is(err, models.ErrNoPart) {
		return fmt.Errorf("caption: model bundle %s: %w", dir, ErrNoCaptioner)
	}
	if err != nil {
		return fmt.Errorf("caption: model bundle %s: %w", dir, err)
	}
	return nil
}
