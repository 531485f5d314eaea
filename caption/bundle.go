package caption

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"captioner/internal/atomicfile"
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
	man, err := readManifest(fsys, name)
	if err != nil {
		return nil, nil, err
	}
	raw, ok := man["caption"]
	if !ok {
		return nil, nil, fmt.Errorf("caption: model bundle %s: %w", name, ErrNoCaptioner)
	}
	var e Entry
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, nil, fmt.Errorf("caption: model bundle %s: caption entry: %w", name, err)
	}
	var files map[string]models.FileEntry
	if err := json.Unmarshal(man["files"], &files); err != nil {
		return nil, nil, fmt.Errorf("caption: model bundle %s: manifest.json: files: %w", name, err)
	}
	data, err := models.ReadFile(fsys, files, e.Weights)
	if err != nil {
		return nil, nil, fmt.Errorf("caption: model bundle %s: %w", name, err)
	}
	m, err := LoadModel(data, filepath.Join(name, e.Weights))
	if err != nil {
		return nil, nil, err
	}
	return m, &e, nil
}

func readManifest(fsys fs.FS, name string) (map[string]json.RawMessage, error) {
	data, err := fs.ReadFile(fsys, "manifest.json")
	if err != nil {
		return nil, fmt.Errorf("caption: model bundle %s: %w", name, err)
	}
	var man map[string]json.RawMessage
	if err := json.Unmarshal(data, &man); err != nil {
		return nil, fmt.Errorf("caption: model bundle %s: manifest.json: %w", name, err)
	}
	var version int
	if err := json.Unmarshal(man["format_version"], &version); err != nil || version != 1 {
		return nil, fmt.Errorf("caption: model bundle %s: format version %s, this captioner reads 1", name, man["format_version"])
	}
	return man, nil
}

// WriteBundle writes a complete model bundle into dir: every file of base
// (the bundle whose CNN computed the training features) and its manifest,
// with this caption model and its entry in place of any caption model base
// had. Files are written atomically, manifest.json last.
func WriteBundle(dir string, base fs.FS, baseName string, weights []byte, e Entry) error {
	man, err := readManifest(base, baseName)
	if err != nil {
		return err
	}
	var files map[string]models.FileEntry
	if err := json.Unmarshal(man["files"], &files); err != nil {
		return fmt.Errorf("caption: model bundle %s: manifest.json: files: %w", baseName, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("caption: %w", err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n == weightsFile {
			continue
		}
		data, err := models.ReadFile(base, files, n)
		if err != nil {
			return fmt.Errorf("caption: model bundle %s: %w", baseName, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			return fmt.Errorf("caption: %w", err)
		}
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, weightsFile), weights, 0o644); err != nil {
		return fmt.Errorf("caption: %w", err)
	}
	files[weightsFile] = models.Entry(weights)
	e.Weights = weightsFile
	man["caption"] = json.RawMessage(mustJSON(e))
	man["files"] = json.RawMessage(mustJSON(files))
	out, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return fmt.Errorf("caption: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, "manifest.json"), append(out, '\n'), 0o644)
}

// RecordScores stores an evaluation report in the caption entry of the
// bundle folder dir's manifest, under scores[name] (e.g. "test"). The
// manifest's file checksums are unaffected: the manifest lists the other
// files, not itself.
func RecordScores(dir, name string, rep *Report, about map[string]any) error {
	fsys := os.DirFS(dir)
	man, err := readManifest(fsys, dir)
	if err != nil {
		return err
	}
	var e Entry
	if err := json.Unmarshal(man["caption"], &e); err != nil {
		return fmt.Errorf("caption: model bundle %s: %w", dir, ErrNoCaptioner)
	}
	if e.Scores == nil {
		e.Scores = map[string]any{}
	}
	entry := map[string]any{"report": rep}
	for k, v := range about {
		entry[k] = v
	}
	e.Scores[name] = entry
	man["caption"] = json.RawMessage(mustJSON(e))
	out, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return fmt.Errorf("caption: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, "manifest.json"), append(out, '\n'), 0o644)
}
