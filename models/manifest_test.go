package models

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadPartAndRecordScores(t *testing.T) {
	dir := t.TempDir()
	weights := []byte("weights of the labeller")
	man := Manifest{}
	man.Set("format_version", FormatVersion)
	man.Set("files", map[string]FileEntry{"w.bin": Entry(weights)})
	man.Set("labeller", map[string]any{"weights": "w.bin", "hidden": 7})
	os.WriteFile(filepath.Join(dir, "w.bin"), weights, 0o644)
	if err := man.Write(dir); err != nil {
		t.Fatal(err)
	}
	var e struct {
		Weights string
		Hidden  int
	}
	data, err := ReadPart(os.DirFS(dir), "labeller", &e, func() string { return e.Weights })
	if err != nil || string(data) != string(weights) || e.Hidden != 7 {
		t.Fatalf("ReadPart: %q %+v %v", data, e, err)
	}
	if _, err := ReadPart(os.DirFS(dir), "captioner", &e, func() string { return e.Weights }); !errors.Is(err, ErrNoPart) {
		t.Errorf("missing part: %v", err)
	}
	if err := RecordScores(dir, "labeller", "test", map[string]float64{"f1": 0.5}, map[string]any{"data": "x"}); err != nil {
		t.Fatal(err)
	}
	if err := RecordScores(dir, "captioner", "test", nil, nil); !errors.Is(err, ErrNoPart) {
		t.Errorf("scores for a missing part: %v", err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	var back struct {
		Labeller struct {
			Hidden int
			Scores map[string]struct {
				Report map[string]float64
				Data   string
			}
		}
	}
	if err := json.Unmarshal(raw, &back); err != nil || back.Labeller.Hidden != 7 || back.Labeller.Scores["test"].Report["f1"] != 0.5 || back.Labeller.Scores["test"].Data != "x" {
		t.Errorf("manifest after RecordScores: %s", raw)
	}
	// The weights still pass their checksum; a changed file does not.
	if _, err := ReadPart(os.DirFS(dir), "labeller", &e, func() string { return e.Weights }); err != nil {
		t.Error(err)
	}
	os.WriteFile(filepath.Join(dir, "w.bin"), []byte("other weights"), 0o644)
	if _, err := ReadPart(os.DirFS(dir), "labeller", &e, func() string { return e.Weights }); !errors.Is(err, ErrChecksum) {
		t.Errorf("changed weights: %v", err)
	}
}
