package vision

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDetectorBundle opens the detector of a copy of the default bundle and
// requires clear refusals: a corrupt network (checksum), a bundle without a
// detector, a spec file that describes a CNN.
func TestDetectorBundle(t *testing.T) {
	def, err := DefaultDetectorSpec()
	if err != nil {
		t.Fatal(err)
	}
	if def.Detector == nil || def.Detector.Kind != DetectorCenterNet || len(def.Detector.Labels) != 80 || def.Detector.Labels[0] != "person" {
		t.Fatalf("default detector spec %+v: want a centernet of 80 classes, person first", def.Detector)
	}
	dir := t.TempDir()
	manifest, err := os.ReadFile("../models/default/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "manifest.json"), manifest)
	writeFile(t, filepath.Join(dir, "detector.onnx"), def.ModelData)
	got, err := OpenDetectorSpec(dir)
	if err != nil {
		t.Fatalf("copy of the default bundle: %v", err)
	}
	if got.Model != filepath.Join(dir, "detector.onnx") || !bytes.Equal(got.ModelData, def.ModelData) {
		t.Errorf("opened model %q (%d bytes)", got.Model, len(got.ModelData))
	}
	corrupt := bytes.Clone(def.ModelData)
	corrupt[len(corrupt)/2] ^= 1
	writeFile(t, filepath.Join(dir, "detector.onnx"), corrupt)
	if _, err := OpenDetectorSpec(dir); !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "detector.onnx") {
		t.Errorf("corrupt bundle: error %v, want a checksum error naming detector.onnx", err)
	}

	var m map[string]json.RawMessage
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "detector")
	noDet, _ := json.Marshal(m)
	writeFile(t, filepath.Join(dir, "manifest.json"), noDet)
	if _, err := OpenDetectorSpec(dir); !errors.Is(err, ErrNoDetector) || !strings.Contains(err.Error(), dir) {
		t.Errorf("bundle without a detector: error %v, want ErrNoDetector naming the folder", err)
	}

	cnn := filepath.Join(dir, "cnn.json")
	writeFile(t, cnn, []byte(`{"format":"onnx","model":"cnn.onnx","input":{"width":8,"height":8,"channels":"rgb"},"outputs":[{"layer":"a"}]}`))
	if _, err := OpenDetectorSpec(cnn); !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), cnn) {
		t.Errorf("a CNN spec: error %v, want ErrSpec naming the file", err)
	}
	if _, err := OpenDetectorSpec(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing path: no error")
	}
}
