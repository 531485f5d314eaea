package media

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// TestBatches reads a 3 s video sampled at 4 frames a second in batches of
// 5: 12 frames as 5, 5 and 2, in order; an error from fn stops it.
func TestBatches(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.mp4")
	colourVideo(t, path, 3, 10, "")
	open := func() *VideoStream {
		s, err := OpenVideo(context.Background(), path, VideoOptions{FPS: 4})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	var sizes, indices []int
	if err := s.Batches(5, func(fs []Frame) error {
		sizes = append(sizes, len(fs))
		for _, f := range fs {
			indices = append(indices, f.Index)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{5, 5, 2}) {
		t.Errorf("batch sizes %v, want [5 5 2]", sizes)
	}
	for i, k := range indices {
		if k != i {
			t.Fatalf("frame indices %v, want 0..11 in order", indices)
		}
	}
	stop := errors.New("stop")
	s = open()
	defer s.Close()
	calls := 0
	err := s.Batches(2, func([]Frame) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("an error from fn: %v after %d calls, want it after 1", err, calls)
	}
}
