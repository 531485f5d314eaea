package vision

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"captioner/models"
)

// DetectorEntry is a model bundle's "detector" entry: the detector's spec
// (model path relative to the bundle, class names inside it), its version
// and where its weights came from.
type DetectorEntry struct {
	Version string `json:"version"`
	// Weights names the network's file, as every model part of a bundle
	// does (batch tells the parts apart by it).
	Weights string         `json:"weights"`
	Spec    Spec           `json:"spec"`
	Source  map[string]any `json:"source,omitempty"`
	// Scores are what the detector was measured to do (vision/BENCHMARKS.md).
	Scores map[string]any `json:"scores,omitempty"`
}

// ErrNoDetector marks a bundle without a detector.
var ErrNoDetector = errors.New("no detector in the bundle")

// DefaultDetectorSpec returns the spec of the embedded default detector
// (models/default: CenterNet, 80 COCO classes), with its model in memory,
// after checking the bundle's checksums.
func DefaultDetectorSpec() (Spec, error) {
	return bundleDetectorSpec(models.Default(), "embedded default bundle")
}

// NewDefaultDetector returns a Detector for the embedded default detector.
func NewDefaultDetector(opts Options) (*Detector, error) {
	spec, err := DefaultDetectorSpec()
	if err != nil {
		return nil, err
	}
	return NewDetector(spec, opts)
}

// OpenDetectorSpec reads a detector spec from a JSON file (with a
// "detector" object), or, when path is a folder, the detector of the model
// bundle in it, checking the bundle's checksums.
func OpenDetectorSpec(p string) (Spec, error) {
	st, err := os.Stat(p)
	if err != nil {
		return Spec{}, fmt.Errorf("vision: detector spec: %w", err)
	}
	if st.IsDir() {
		return bundleDetectorSpec(os.DirFS(p), p)
	}
	s, err := LoadSpec(p)
	if err != nil {
		return Spec{}, err
	}
	if s.Detector == nil {
		return Spec{}, fmt.Errorf("vision: model spec %s: %w: no \"detector\" object: it describes a CNN, not a detector", p, ErrSpec)
	}
	return s, nil
}

// bundleDetectorSpec reads the detector spec of the bundle in fsys and loads
// its model into memory, verifying checksums.
func bundleDetectorSpec(fsys fs.FS, name string) (Spec, error) {
	man, err := models.ReadManifest(fsys)
	if err != nil {
		return Spec{}, fmt.Errorf("vision: model bundle %s: %w", name, err)
	}
	var e DetectorEntry
	if ok, err := man.Get("detector", &e); err != nil {
		return Spec{}, fmt.Errorf("vision: model bundle %s: %w", name, err)
	} else if !ok {
		return Spec{}, fmt.Errorf("vision: model bundle %s: %w", name, ErrNoDetector)
	}
	files, err := man.Files()
	if err != nil {
		return Spec{}, fmt.Errorf("vision: model bundle %s: %w", name, err)
	}
	if e.Spec.Detector == nil {
		return Spec{}, fmt.Errorf("vision: model bundle %s: manifest.json: detector: %w: no \"detector\" object in its spec", name, ErrSpec)
	}
	return loadBundleSpec(fsys, files, name, e.Spec)
}
