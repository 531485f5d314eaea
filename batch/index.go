package batch

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"captioner/internal/atomicfile"
)

// The index files in the output folder, and the name a sidecar adds to its
// image's (photo.jpg.caption.json).
const (
	IndexJSONL    = "captions.jsonl"
	IndexCSV      = "captions.csv"
	SidecarSuffix = ".caption.json"
)

// IndexEntry is a line of captions.jsonl, a row of captions.csv and, with
// File the image's own name, the content of a sidecar.
type IndexEntry struct {
	File          string  `json:"file"` // relative to the input folder, slash-separated
	Caption       string  `json:"caption"`
	Score         float64 `json:"score"`
	Novelty       float64 `json:"novelty"`
	LowConfidence bool    `json:"low_confidence"`
	Domain        string  `json:"domain"`         // which models answered: "shapes" or "objects"
	Model         string  `json:"model"`          // the bundle's version label
	ModelChecksum string  `json:"model_checksum"` // ModelChecksum of its captioner
}

var indexColumns = []string{"file", "caption", "score", "novelty", "low_confidence", "domain", "model", "model_checksum"}

func indexEntry(r Record) IndexEntry {
	return IndexEntry{
		File: r.File, Caption: r.Caption.Text, Score: r.Caption.Score, Novelty: r.Caption.Novelty,
		LowConfidence: r.Caption.LowConfidence, Domain: r.Caption.Domain, Model: r.ModelVersion, ModelChecksum: r.Model,
	}
}

// captioned says whether r is an image with a caption.
func captioned(r Record) bool {
	return r.Kind == "image" && r.Status == Done && r.Caption != nil
}

// writeIndex writes captions.jsonl and captions.csv into dir from the
// captioned images among recs (sorted by file), each atomically, and only
// when its content changes.
func writeIndex(dir string, recs []Record) error {
	var jl, cs bytes.Buffer
	w := csv.NewWriter(&cs)
	w.Write(indexColumns)
	enc := json.NewEncoder(&jl)
	enc.SetEscapeHTML(false)
	for _, r := range recs {
		if !captioned(r) {
			continue
		}
		e := indexEntry(r)
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("batch: index: %w", err)
		}
		w.Write([]string{e.File, e.Caption, strconv.FormatFloat(e.Score, 'f', 6, 64), strconv.FormatFloat(e.Novelty, 'f', 6, 64),
			strconv.FormatBool(e.LowConfidence), e.Domain, e.Model, e.ModelChecksum})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("batch: index: %w", err)
	}
	if err := writeIfChanged(filepath.Join(dir, IndexJSONL), jl.Bytes()); err != nil {
		return err
	}
	return writeIfChanged(filepath.Join(dir, IndexCSV), cs.Bytes())
}

// writeIfChanged writes data to p atomically unless p holds it already.
func writeIfChanged(p string, data []byte) error {
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := atomicfile.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return nil
}

// writeSidecar writes the caption of r's image to p, atomically.
func writeSidecar(p string, r Record) error {
	e := indexEntry(r)
	e.File = path.Base(r.File)
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("batch: sidecar: %w", err)
	}
	if err := atomicfile.WriteFile(p, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return nil
}
