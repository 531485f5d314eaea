// Package atomicfile writes files so that readers see either the old content or
// the whole new content, never a part: data goes to a temporary file in the same
// folder, is synced, and is renamed over the target.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// File is a file being written. Commit makes it visible under its final name;
// Abort (or Commit failing) removes the temporary file. Calling Abort after a
// successful Commit does nothing, so `defer f.Abort()` is always safe.
type File struct {
	*os.File
	target string
	done   bool
}

// Create starts writing path. The temporary file lives beside path, so the
// final rename never crosses file systems.
func Create(path string, perm os.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	return &File{File: f, target: path}, nil
}

// TempName is where the data is being written until Commit.
func (f *File) TempName() string { return f.File.Name() }

// Commit syncs, closes and renames the file to its final name.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s: already finished", f.target)
	}
	f.done = true
	tmp := f.File.Name()
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %s: %w", f.target, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %s: %w", f.target, err)
	}
	if err := os.Rename(tmp, f.target); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %w", err)
	}
	return nil
}

// Abort drops the temporary file. It is a no-op after Commit or Abort.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("atomicfile: %s: %w", path, err)
	}
	return f.Commit()
}
