package models

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
)

// FileEntry is one bundle file's size and checksum, as manifest.json's
// "files" lists them.
type FileEntry struct {
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Entry describes data as a FileEntry.
func Entry(data []byte) FileEntry {
	sum := sha256.Sum256(data)
	return FileEntry{SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(data))}
}

// ErrChecksum marks a bundle file whose content does not match its manifest.
var ErrChecksum = errors.New("checksum mismatch")

// ReadFile reads name from a bundle and checks it against files (the
// manifest's list): the name must stay inside the bundle and be listed, and
// the content must have the listed size and sha256.
func ReadFile(fsys fs.FS, files map[string]FileEntry, name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("file %q is outside the bundle", name)
	}
	want, ok := files[name]
	if !ok {
		return nil, fmt.Errorf("%s has no checksum in manifest.json", name)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	if got := Entry(data); got != want {
		return nil, fmt.Errorf("%s: %w (sha256 %s, %d bytes; manifest says %s, %d bytes)", name, ErrChecksum, got.SHA256, got.Bytes, want.SHA256, want.Bytes)
	}
	return data, nil
}
