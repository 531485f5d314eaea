package batch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestManifestJournal(t *testing.T) {
	dir := t.TempDir()
	m, err := openManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 29, 3, 0, 0, 123456789, time.UTC)
	recs := []Record{
		{File: "a.png", Size: 10, MTime: at, Status: Done, Kind: "image", Caption: &Caption{Text: "a red circle"}, At: at},
		{File: "b.mp4", Size: 20, MTime: at, Status: Started, Kind: "video", Outputs: []string{"b.vtt"}, At: at},
	}
	if err := m.append(recs...); err != nil {
		t.Fatal(err)
	}
	// A second run is locked out while the first holds the folder.
	if _, err := openManifest(dir); !errors.Is(err, ErrLocked) {
		t.Errorf("a second open: %v, want ErrLocked", err)
	}
	upd := recs[1]
	upd.Status, upd.At = Done, at.Add(time.Second)
	if err := m.append(upd); err != nil {
		t.Fatal(err)
	}
	m.close()

	// Each append is on disk at once: three lines after the header.
	path := filepath.Join(dir, ManifestName)
	data, _ := os.ReadFile(path)
	if n := strings.Count(string(data), "\n"); n != 4 {
		t.Fatalf("journal has %d lines, want 4:\n%s", n, data)
	}
	// A crash in the middle of a line leaves it cut short.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"file":"c.png","size":3`)
	f.Close()

	m, err = openManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := m.get("b.mp4"); !ok || r.Status != Done {
		t.Errorf("b.mp4: %+v, want the later record", r)
	}
	if r, ok := m.get("a.png"); !ok || !r.MTime.Equal(at) || r.Caption.Text != "a red circle" {
		t.Errorf("a.png: %+v", r)
	}
	if _, ok := m.get("c.png"); ok {
		t.Error("the torn line was read")
	}
	// Opening compacted the journal: one line a file, no torn line.
	data, _ = os.ReadFile(path)
	if n := strings.Count(string(data), "\n"); n != 3 || !strings.HasSuffix(string(data), "\n") {
		t.Errorf("compacted journal:\n%s", data)
	}
	if err := m.append(Record{File: "c.png", Status: Skipped, At: at}); err != nil {
		t.Fatal(err)
	}
	if err := m.compact(func(r Record) bool { return r.File == "a.png" }); err != nil {
		t.Fatal(err)
	}
	m.close()
	got := readManifest(t, dir)
	if len(got) != 2 || got["c.png"].Status != Skipped || got["b.mp4"].Status != Done {
		t.Errorf("after compaction: %+v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d files, want only the manifest", len(entries))
	}
}

func TestManifestRefusesOtherFiles(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"not ours", "file,caption\n", "not a captioner batch manifest"},
		{"newer", `{"format":"captioner-batch","version":9}` + "\n", "manifest version 9"},
		{"empty", "", "empty manifest"},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, ManifestName), []byte(tc.content), 0o644)
		m, err := openManifest(dir)
		if err == nil {
			m.close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "batch: ") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if data, _ := os.ReadFile(filepath.Join(dir, ManifestName)); string(data) != tc.content {
			t.Errorf("%s: the file was changed", tc.name)
		}
	}
}
