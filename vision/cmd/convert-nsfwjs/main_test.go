package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"captioner/vision"
)

// TestRebuildsDefaultBundle runs the converter on the npm tarball named by
// NSFWJS_TGZ (skipped without it) over a copy of the committed manifest, as
// the documented command does over models/default, and requires the
// committed bundle back, byte for byte.
func TestRebuildsDefaultBundle(t *testing.T) {
	tgz := os.Getenv("NSFWJS_TGZ")
	if tgz == "" {
		t.Skip("NSFWJS_TGZ not set")
	}
	out := t.TempDir()
	shipped, err := os.ReadFile(filepath.Join("..", "..", "..", "models", "default", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "manifest.json"), shipped, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(tgz, out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{onnxName, licenceName, "manifest.json"} {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "..", "models", "default", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: rebuilt file (%d bytes) differs from models/default (%d bytes)", name, len(got), len(want))
		}
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	if err := run(filepath.Join(dir, "missing.tgz"), dir); err == nil {
		t.Error("missing tarball: no error")
	}
	notGzip := filepath.Join(dir, "x.tgz")
	os.WriteFile(notGzip, []byte("not a tarball"), 0o644)
	if err := run(notGzip, dir); err == nil || !bytes.Contains([]byte(err.Error()), []byte("convert: package")) {
		t.Errorf("not a tarball: error %v", err)
	}
}

// TestMergeManifest checks that the converter sets only its own keys of an
// existing manifest and keeps the others, file entries included.
func TestMergeManifest(t *testing.T) {
	old := []byte(`{
  "caption": {"model": "caption.bin", "vocab": ["a", "<b>"]},
  "cnn": {"feature_dim": 1},
  "files": {"caption.bin": {"sha256": "aa", "bytes": 3}, "cnn.onnx": {"sha256": "old", "bytes": 1}},
  "format_version": 1,
  "subtitle": {"model": "labels.bin"},
  "version": "old"
}`)
	owned := map[string]any{"cnn": map[string]int{"feature_dim": 2}, "format_version": 1, "version": "new"}
	files := map[string]vision.FileEntry{"cnn.onnx": {SHA256: "new", Bytes: 2}, "LICENSE.nsfwjs": {SHA256: "lic", Bytes: 4}}
	got, err := mergeManifest(old, owned, files)
	if err != nil {
		t.Fatal(err)
	}
	var m, want map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(`{
  "caption": {"model": "caption.bin", "vocab": ["a", "<b>"]},
  "cnn": {"feature_dim": 2},
  "files": {"caption.bin": {"sha256": "aa", "bytes": 3}, "cnn.onnx": {"sha256": "new", "bytes": 2}, "LICENSE.nsfwjs": {"sha256": "lic", "bytes": 4}},
  "format_version": 1,
  "subtitle": {"model": "labels.bin"},
  "version": "new"
}`), &want)
	if !reflect.DeepEqual(m, want) {
		t.Errorf("merged manifest:\n%s\nwant the same as\n%v", got, want)
	}
	again, err := mergeManifest(got, owned, files)
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("merging twice changes the manifest (%v):\n%s\n%s", err, got, again)
	}
	fresh, err := mergeManifest(nil, owned, files)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	json.Unmarshal(fresh, &f)
	if len(f) != 4 || f["version"] != "new" || len(f["files"].(map[string]any)) != 2 {
		t.Errorf("manifest from nothing: %s", fresh)
	}
	if _, err := mergeManifest([]byte("{not json"), owned, files); err == nil {
		t.Error("broken manifest: no error")
	}
}
