package caption

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"captioner/models"
)

// Entry is a caption model's part of a model bundle's manifest.json: the
// "caption" entry (the Shapes world's captioner, over the bundle's CNN), or
// another key for a model of another domain ("objects_caption").
type Entry struct {
	Weights string `json:"weights"` // the safetensors file, relative to the bundle
	Config  Config `json:"config"`
	// Domain is what the model knows ("objects"); "" for the bundle's
	// CNN-fed captioner of the Shapes world.
	Domain string `json:"domain,omitempty"`
	// Featurizer says how the model's feature vectors are made when they
	// are not the bundle CNN's; nil when they are.
	Featurizer *Featurizer `json:"featurizer,omitempty"`
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

// Featurizer describes feature vectors made from a detector's detections,
// so that a model loads and runs without code that knows its words.
type Featurizer struct {
	Kind string `json:"kind"` // "detections": objects.Featurizer's vector (docs/OBJECTS.md)
	// Classes are the detector's labels, in the vector's order.
	Classes []string `json:"classes"`
	// Floor is the lowest detection score the vector counts; the detector
	// runs at this minimum score.
	Floor float64 `json:"floor"`
	// InputSize is the detector's input width and height (frames stretched).
	InputSize int `json:"input_size"`
	// PerClass is the number of values a class has in the vector.
	PerClass int `json:"per_class"`
}

// Part is the manifest key of the default caption model.
const Part = "caption"

// partWeights is the weights file of the part key: caption.safetensors for
// "caption", objects_caption.safetensors for "objects_caption".
func partWeights(key string) string { return key + ".safetensors" }

// partName is ": key" for errors about a part other than the default.
func partName(key string) string {
	if key == Part {
		return ""
	}
	return ": " + key
}

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
	return LoadBundlePart(fsys, name, Part)
}

// LoadBundlePart reads the caption model under the manifest key key
// ("caption", "objects_caption") of the bundle in fsys, as LoadBundle does.
// A bundle without one gives an error wrapping ErrNoCaptioner.
func LoadBundlePart(fsys fs.FS, name, key string) (*Model, *Entry, error) {
	var e Entry
	data, err := models.ReadPart(fsys, key, &e, func() string { return e.Weights })
	if errors.Is(err, models.ErrNoPart) {
		return nil, nil, fmt.Errorf("caption: model bundle %s%s: %w", name, partName(key), ErrNoCaptioner)
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
	return WriteBundlePart(dir, base, baseName, Part, weights, e)
}

// WriteBundlePart is WriteBundle for the caption model under the manifest
// key key, whose weights go to key.safetensors ("caption" is
// caption.safetensors). Every other entry and file of base is kept as it is.
func WriteBundlePart(dir string, base fs.FS, baseName, key string, weights []byte, e Entry) error {
	man, err := models.ReadManifest(base)
	if err != nil {
		return fmt.Errorf("caption: model bundle %s: %w", baseName, err)
	}
	e.Weights = partWeights(key)
	if err := models.WriteBundle(dir, base, man, key, e.Weights, weights, e); err != nil {
		return fmt.Errorf("caption: writing model bundle %s: %w", dir, err)
	}
	return nil
}

// RecordScores stores an evaluation report in the caption entry of the
// bundle folder dir's manifest, under scores[name] (e.g. "test"). The
// manifest's file checksums are unaffected: the manifest lists the other
// files, not itself.
func RecordScores(dir, name string, rep *Report, about map[string]any) error {
	return RecordPartScores(dir, Part, name, rep, about)
}

// RecordPartScores is RecordScores for the caption model under the
// manifest key key, with a report of any kind (a domain's own scores).
func RecordPartScores(dir, key, name string, rep any, about map[string]any) error {
	err := models.RecordScores(dir, key, name, rep, about)
	if errors.Is(err, models.ErrNoPart) {
		return fmt.Errorf("caption: model bundle %s%s: %w", dir, partName(key), ErrNoCaptioner)
	}
	if err != nil {
		return fmt.Errorf("caption: model bundle %s: %w", dir, err)
	}
	return nil
}
