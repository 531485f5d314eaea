package models

import (
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadFile(t *testing.T) {
	fsys := fstest.MapFS{"a.bin": {Data: []byte("weights")}, "b.bin": {Data: []byte("other")}}
	files := map[string]FileEntry{"a.bin": Entry([]byte("weights")), "b.bin": Entry([]byte("changed"))}
	if data, err := ReadFile(fsys, files, "a.bin"); err != nil || string(data) != "weights" {
		t.Fatalf("a.bin: %q %v", data, err)
	}
	for _, tc := range []struct{ name, says string }{
		{"b.bin", "checksum mismatch"},
		{"c.bin", "no checksum"},
		{"../a.bin", "outside the bundle"},
	} {
		if _, err := ReadFile(fsys, files, tc.name); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.says)
		}
	}
	if _, err := ReadFile(fsys, files, "b.bin"); !errors.Is(err, ErrChecksum) {
		t.Errorf("mismatch does not wrap ErrChecksum: %v", err)
	}
}

// Every file the embedded bundle lists is there and matches.
func TestDefaultBundleChecksums(t *testing.T) {
	data, err := fs.ReadFile(Default(), "manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Files map[string]FileEntry `json:"files"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cnn.onnx", "caption.safetensors", "LICENSE.nsfwjs"} {
		if _, err := ReadFile(Default(), m.Files, want); err != nil {
			t.Errorf("%s: %v", want, err)
		}
	}
}
