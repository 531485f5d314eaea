package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestRebuildsDefaultBundle runs the converter on the npm tarball named by
// NSFWJS_TGZ (skipped without it) and requires the committed bundle back,
// byte for byte.
func TestRebuildsDefaultBundle(t *testing.T) {
	tgz := os.Getenv("NSFWJS_TGZ")
	if tgz == "" {
		t.Skip("NSFWJS_TGZ not set")
	}
	out := t.TempDir()
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
