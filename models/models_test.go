package models

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
)

func TestDefaultBundle(t *testing.T) {
	b := Default()
	var m struct {
		Version string `json:"version"`
		Files   map[string]struct {
			Bytes int64 `json:"bytes"`
		} `json:"files"`
	}
	data, err := fs.ReadFile(b, "manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if Version() == "" || Version() != m.Version {
		t.Errorf("Version() = %q, manifest says %q", Version(), m.Version)
	}
	if len(m.Files) < 2 {
		t.Fatalf("manifest lists %d files", len(m.Files))
	}
	for name, f := range m.Files {
		st, err := fs.Stat(b, name)
		if err != nil || st.Size() != f.Bytes {
			t.Errorf("%s: %v, size %d, manifest says %d", name, err, st.Size(), f.Bytes)
		}
	}
	lic, err := fs.ReadFile(b, "LICENSE.nsfwjs")
	if err != nil || !strings.Contains(string(lic), "MIT License") || !strings.Contains(string(lic), "Infinite Red") {
		t.Errorf("licence notice: %v, %.60q", err, lic)
	}
}
