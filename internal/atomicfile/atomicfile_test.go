package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestOldContentUntilCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.vtt")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new content")
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("before Commit the file reads %q, want the old content", got)
	}
	if n := len(entries(t, dir)); n != 2 {
		t.Fatalf("while writing: %d entries, want the target and one temporary file", n)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // no-op after Commit
	if got, _ := os.ReadFile(path); string(got) != "new content" {
		t.Fatalf("after Commit the file reads %q", got)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("after Commit: %v, want only out.vtt", names)
	}
	if err := f.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "x.srt"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half a subtitle")
	f.Abort()
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("after Abort: %v, want an empty folder", names)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	if err := WriteFile(path, []byte("{}\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "{}\n" {
		t.Errorf("content %q", got)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "a.json"), nil, 0o644); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("entries %v, want only a.json", names)
	}
}
