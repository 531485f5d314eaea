package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRebuildsDefaultBundle runs the converter on the npm tarball named by
// HUMAN_TGZ (scripts/test.sh fetches it with npm pack; skipped without it)
// over a copy of the committed manifest, as the documented command does
// over models/default, and requires the committed files back, byte for byte.
func TestRebuildsDefaultBundle(t *testing.T) {
	tgz := os.Getenv("HUMAN_TGZ")
	if tgz == "" {
		t.Skip("HUMAN_TGZ not set")
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
	if err := run(notGzip, dir); err == nil || !strings.Contains(err.Error(), "convert: package") {
		t.Errorf("not a tarball: error %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, onnxName)); err == nil {
		t.Errorf("a failed run wrote %s", onnxName)
	}
}

func TestParseLabels(t *testing.T) {
	src := []byte(`export const labels = [
  { class: 1, label: 'person' },
  { class: 2, label: 'bicycle' },
  { class: 3, label: 'traffic light' },
];`)
	got, err := parseLabels(src)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"person", "bicycle", "traffic light"}; !slices.Equal(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
	for name, bad := range map[string][]byte{
		"missing":      nil,
		"empty":        []byte("export const labels = [];"),
		"out of order": []byte("{ class: 1, label: 'a' }, { class: 3, label: 'c' }"),
	} {
		if _, err := parseLabels(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
