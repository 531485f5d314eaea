package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"captioner/internal/atomicfile"
)

// FormatVersion is the bundle format this captioner reads and writes.
const FormatVersion = 1

// Manifest is a bundle's manifest.json with each top-level entry kept raw,
// so that each package reads and writes its own part ("cnn", "caption",
// "subtitle") and passes the others through untouched.
type Manifest map[string]json.RawMessage

// ReadManifest reads fsys's manifest.json and checks its format version.
// Errors name neither the package nor the bundle: callers add both.
func ReadManifest(fsys fs.FS) (Manifest, error) {
	data, err := fs.ReadFile(fsys, "manifest.json")
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	var version int
	if err := json.Unmarshal(m["format_version"], &version); err != nil || version != FormatVersion {
		return nil, fmt.Errorf("format version %s, this captioner reads %d", m["format_version"], FormatVersion)
	}
	return m, nil
}

// Files returns the manifest's list of files and their checksums.
func (m Manifest) Files() (map[string]FileEntry, error) {
	var files map[string]FileEntry
	if err := json.Unmarshal(m["files"], &files); err != nil {
		return nil, fmt.Errorf("manifest.json: files: %w", err)
	}
	return files, nil
}

// Get decodes the entry key into v and says whether there was one.
func (m Manifest) Get(key string, v any) (bool, error) {
	raw, ok := m[key]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("manifest.json: %s: %w", key, err)
	}
	return true, nil
}

// Set stores v as the entry key.
func (m Manifest) Set(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("manifest.json: %s: %w", key, err)
	}
	m[key] = raw
	return nil
}

// Write writes the manifest into dir atomically, indented.
func (m Manifest) Write(dir string) error {
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "manifest.json"), append(out, '\n'), 0o644)
}

// WriteBundle writes a complete bundle into dir: every file of base (whose
// manifest is man) but weightsName, then weights as weightsName, and the
// manifest with entry as key and the files' checksums updated. Files are
// written atomically, manifest.json last, so an interrupted write leaves
// no manifest that lists a missing file.
func WriteBundle(dir string, base fs.FS, man Manifest, key, weightsName string, weights []byte, entry any) error {
	files, err := man.Files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n == weightsName {
			continue
		}
		data, err := ReadFile(base, files, n)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			return err
		}
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, weightsName), weights, 0o644); err != nil {
		return err
	}
	files[weightsName] = Entry(weights)
	out := Manifest{}
	for k, v := range man {
		out[k] = v
	}
	if err := out.Set(key, entry); err != nil {
		return err
	}
	if err := out.Set("files", files); err != nil {
		return err
	}
	return out.Write(dir)
}

// ErrNoPart marks a bundle whose manifest has no entry for a model part.
var ErrNoPart = errors.New("no such model in the bundle")

// ReadPart reads a model part of the bundle in fsys: it decodes the
// manifest's entry key into entry and returns the contents of the weights
// file that weights (called after decoding) names, checked against the
// manifest's checksums. A missing entry wraps ErrNoPart.
func ReadPart(fsys fs.FS, key string, entry any, weights func() string) ([]byte, error) {
	man, err := ReadManifest(fsys)
	if err != nil {
		return nil, err
	}
	if ok, err := man.Get(key, entry); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("%s: %w", key, ErrNoPart)
	}
	files, err := man.Files()
	if err != nil {
		return nil, err
	}
	return ReadFile(fsys, files, weights())
}

// RecordScores stores report (with about's keys beside it) in the entry
// key of the manifest of the bundle folder dir, under scores[name]. The
// checksums are unaffected: the manifest lists the other files, not itself.
func RecordScores(dir, key, name string, report any, about map[string]any) error {
	man, err := ReadManifest(os.DirFS(dir))
	if err != nil {
		return err
	}
	var entry map[string]any
	if ok, err := man.Get(key, &entry); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("%s: %w", key, ErrNoPart)
	}
	scores, _ := entry["scores"].(map[string]any)
	if scores == nil {
		scores = map[string]any{}
	}
	rec := map[string]any{"report": report}
	for k, v := range about {
		rec[k] = v
	}
	scores[name] = rec
	entry["scores"] = scores
	if err := man.Set(key, entry); err != nil {
		return err
	}
	return man.Write(dir)
}

// InstallPart copies the model part key of the bundle folder from (its
// manifest entry and the weights file the entry's "weights" names) into the
// bundle folder to, leaving every other entry and file of to as it is: the
// weights file is written, then the manifest with the entry and the file's
// checksum. Recipes use it to add one trained model to models/default.
func InstallPart(from, to, key string) error {
	src, err := ReadManifest(os.DirFS(from))
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	var e struct {
		Weights string `json:"weights"`
	}
	if ok, err := src.Get(key, &e); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	} else if !ok {
		return fmt.Errorf("%s: %s: %w", from, key, ErrNoPart)
	}
	files, err := src.Files()
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	weights, err := ReadFile(os.DirFS(from), files, e.Weights)
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	dst, err := ReadManifest(os.DirFS(to))
	if err != nil {
		return fmt.Errorf("%s: %w", to, err)
	}
	dfiles, err := dst.Files()
	if err != nil {
		return fmt.Errorf("%s: %w", to, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(to, e.Weights), weights, 0o644); err != nil {
		return err
	}
	dfiles[e.Weights] = Entry(weights)
	dst[key] = src[key]
	if err := dst.Set("files", dfiles); err != nil {
		return err
	}
	if err := dst.Write(to); err != nil {
		return fmt.Errorf("%s: %w", to, err)
	}
	return nil
}
