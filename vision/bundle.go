package vision

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"captioner/models"
)

// Manifest is the part of a model bundle's manifest.json that vision reads
// (DESIGN.md, "Model bundle"): the format version, the CNN and the checksum
// of every file. Other parts of the manifest are left to their packages.
type Manifest struct {
	FormatVersion int                  `json:"format_version"`
	CNN           *CNNEntry            `json:"cnn"`
	Files         map[string]FileEntry `json:"files"`
}

// ManifestVersion is the manifest format version this package reads.
const ManifestVersion = 1

// CNNEntry describes a bundle's CNN: the spec (model path relative to the
// bundle), the length of its feature vectors and where the weights came from.
type CNNEntry struct {
	Spec       Spec           `json:"spec"`
	FeatureDim int            `json:"feature_dim"`
	Source     map[string]any `json:"source,omitempty"`
}

// FileEntry is one bundle file's size and checksum.
type FileEntry = models.FileEntry

// DefaultSpec returns the spec of the embedded default CNN (models/default),
// with its model in memory, after checking the bundle's checksums.
func DefaultSpec() (Spec, error) {
	return bundleSpec(models.Default(), "embedded default bundle")
}

// NewDefault returns an Extractor for the embedded default CNN.
func NewDefault(opts Options) (*Extractor, error) {
	spec, err := DefaultSpec()
	if err != nil {
		return nil, err
	}
	return New(spec, opts)
}

// OpenSpec reads a model spec from a JSON file, or, when path is a folder,
// the CNN of the model bundle in it (its manifest.json), checking the
// bundle's checksums.
func OpenSpec(path string) (Spec, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Spec{}, fmt.Errorf("vision: model spec: %w", err)
	}
	if st.IsDir() {
		return bundleSpec(os.DirFS(path), path)
	}
	return LoadSpec(path)
}

// bundleSpec reads the CNN spec of the bundle in fsys and loads its files
// into memory, verifying their checksums.
func bundleSpec(fsys fs.FS, name string) (Spec, error) {
	data, err := fs.ReadFile(fsys, "manifest.json")
	if err != nil {
		return Spec{}, fmt.Errorf("vision: model bundle %s: %w", name, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Spec{}, fmt.Errorf("vision: model bundle %s: manifest.json: %w", name, err)
	}
	if m.FormatVersion != ManifestVersion {
		return Spec{}, fmt.Errorf("vision: model bundle %s: manifest format version %d, want %d", name, m.FormatVersion, ManifestVersion)
	}
	if m.CNN == nil {
		return Spec{}, fmt.Errorf("vision: model bundle %s: manifest.json has no cnn", name)
	}
	return loadBundleSpec(fsys, m.Files, name, m.CNN.Spec)
}

// loadBundleSpec completes a spec read from the manifest of the bundle name
// in fsys: its model and config files are read into memory, checked against
// the manifest's checksums (files), the model path is made the bundle's,
// and the spec is checked.
func loadBundleSpec(fsys fs.FS, files map[string]FileEntry, name string, s Spec) (Spec, error) {
	s.Source = path.Join(name, "manifest.json")
	for _, f := range []struct {
		file string
		data *[]byte
	}{{s.Model, &s.ModelData}, {s.Config, &s.ConfigData}} {
		if f.file == "" {
			continue
		}
		b, err := models.ReadFile(fsys, files, f.file)
		if err != nil {
			return Spec{}, fmt.Errorf("vision: model bundle %s: %w", name, err)
		}
		*f.data = b
	}
	if s.Model != "" {
		s.Model = filepath.Join(name, filepath.FromSlash(s.Model))
	}
	if err := s.Check(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// ErrChecksum marks a bundle file whose checksum does not match its manifest.
var ErrChecksum = models.ErrChecksum
