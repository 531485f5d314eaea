// Package featcache keeps CNN feature vectors on disk, so that training for
// many epochs, or captioning the same files again, does not rerun the CNN.
// A cache belongs to one CNN (its checksum names the folder), and an entry is
// keyed by what identifies the input: for a file, its absolute path, size and
// modification time, so a changed file is computed again.
package featcache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"captioner/internal/atomicfile"
)

// Cache is a folder of feature vectors computed by one CNN. It is safe for
// concurrent use by several goroutines and processes: entries are written
// atomically and never changed.
type Cache struct {
	dir string
	dim int
}

const magic = "CFV1" // file header: magic, then uint32 dim, then dim float32 (little endian)

// Open returns the cache for the CNN with the given checksum under root
// (created if missing), for vectors of dim values.
func Open(root, cnnChecksum string, dim int) (*Cache, error) {
	if cnnChecksum == "" || dim <= 0 {
		return nil, fmt.Errorf("featcache: need a CNN checksum and a positive dimension, got %q and %d", cnnChecksum, dim)
	}
	dir := filepath.Join(root, cnnChecksum)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("featcache: %w", err)
	}
	return &Cache{dir: dir, dim: dim}, nil
}

// FileKey identifies a file's content cheaply: its absolute path, size and
// modification time, plus extra (for example the sampling of a video).
func FileKey(path, extra string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("featcache: %w", err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("featcache: %w", err)
	}
	return fmt.Sprintf("%s\x00%d\x00%d\x00%s", abs, st.Size(), st.ModTime().UnixNano(), extra), nil
}

func (c *Cache) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(c.dir, h[:2], h+".f32")
}

// Get returns the vector stored under key; ok is false when there is none
// (or the entry is damaged, which is treated as missing).
func (c *Cache) Get(key string) (v []float32, ok bool) {
	data, err := os.ReadFile(c.path(key))
	if err != nil || len(data) != 8+4*c.dim || string(data[:4]) != magic || int(binary.LittleEndian.Uint32(data[4:8])) != c.dim {
		return nil, false
	}
	v = make([]float32, c.dim)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[8+4*i:]))
	}
	return v, true
}

// Put stores v under key.
func (c *Cache) Put(key string, v []float32) error {
	if len(v) != c.dim {
		return fmt.Errorf("featcache: vector of %d values, cache holds %d", len(v), c.dim)
	}
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("featcache: %w", err)
	}
	data := make([]byte, 8+4*len(v))
	copy(data, magic)
	binary.LittleEndian.PutUint32(data[4:], uint32(c.dim))
	for i, x := range v {
		binary.LittleEndian.PutUint32(data[8+4*i:], math.Float32bits(x))
	}
	if err := atomicfile.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("featcache: %w", err)
	}
	return nil
}
