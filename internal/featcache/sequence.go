package featcache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"captioner/internal/atomicfile"
)

// Sequence is the feature vectors of a video's sampled frames, with their
// times and the video's duration.
type Sequence struct {
	Times    []time.Duration
	Vectors  [][]float32
	Duration time.Duration
}

// seqMagic heads a sequence entry: magic, uint32 dim, uint32 n, int64
// duration (ns), n int64 times (ns), n*dim float32, all little endian.
const seqMagic = "CFS1"

func (c *Cache) seqPath(key string) string {
	p := c.path(key)
	return p[:len(p)-len(".f32")] + ".seq"
}

// GetSequence returns the sequence stored under key; ok is false when there
// is none or it is damaged.
func (c *Cache) GetSequence(key string) (s Sequence, ok bool) {
	data, err := os.ReadFile(c.seqPath(key))
	if err != nil || len(data) < 20 || string(data[:4]) != seqMagic || int(binary.LittleEndian.Uint32(data[4:8])) != c.dim {
		return Sequence{}, false
	}
	n := int(binary.LittleEndian.Uint32(data[8:12]))
	if len(data) != 20+8*n+4*n*c.dim {
		return Sequence{}, false
	}
	s.Duration = time.Duration(binary.LittleEndian.Uint64(data[12:20]))
	off := 20
	s.Times = make([]time.Duration, n)
	for i := range s.Times {
		s.Times[i] = time.Duration(binary.LittleEndian.Uint64(data[off:]))
		off += 8
	}
	flat := make([]float32, n*c.dim)
	for i := range flat {
		flat[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[off:]))
		off += 4
	}
	s.Vectors = make([][]float32, n)
	for i := range s.Vectors {
		s.Vectors[i] = flat[i*c.dim : (i+1)*c.dim : (i+1)*c.dim]
	}
	return s, true
}

// PutSequence stores s under key.
func (c *Cache) PutSequence(key string, s Sequence) error {
	n := len(s.Times)
	if len(s.Vectors) != n {
		return fmt.Errorf("featcache: %d times for %d vectors", n, len(s.Vectors))
	}
	data := make([]byte, 20+8*n+4*n*c.dim)
	copy(data, seqMagic)
	binary.LittleEndian.PutUint32(data[4:], uint32(c.dim))
	binary.LittleEndian.PutUint32(data[8:], uint32(n))
	binary.LittleEndian.PutUint64(data[12:], uint64(s.Duration))
	off := 20
	for _, t := range s.Times {
		binary.LittleEndian.PutUint64(data[off:], uint64(t))
		off += 8
	}
	for _, v := range s.Vectors {
		if len(v) != c.dim {
			return fmt.Errorf("featcache: vector of %d values, cache holds %d", len(v), c.dim)
		}
		for _, x := range v {
			binary.LittleEndian.PutUint32(data[off:], math.Float32bits(x))
			off += 4
		}
	}
	p := c.seqPath(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("featcache: %w", err)
	}
	if err := atomicfile.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("featcache: %w", err)
	}
	return nil
}
