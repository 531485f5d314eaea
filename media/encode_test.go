package media

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestVideoWriterModeAndRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "grey.mp4")
	w, err := NewVideoWriter(context.Background(), path, 64, 48, 10, EncodeOptions{Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 64*48*3)
	for i := 0; i < 20; i++ {
		for j := range frame {
			frame[j] = byte(10 * i)
		}
		if err := w.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteFrame(frame[:10]); err == nil {
		t.Error("a short frame was accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	info, err := Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 64 || info.Height != 48 || info.Codec != "h264" || info.FrameRate != 10 {
		t.Errorf("probe: %+v", info)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v, want only grey.mp4", names)
	}
}

// A writer whose context ends before Close leaves nothing behind, even though
// ffmpeg could have finished a shorter, well-formed file.
func TestVideoWriterCancelledLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := NewVideoWriter(ctx, filepath.Join(dir, "x.mp4"), 32, 32, 25, EncodeOptions{Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 32*32*3)
	for i := 0; i < 10; i++ {
		w.WriteFrame(frame)
	}
	cancel()
	w.WriteFrame(frame)
	if err := w.Close(); !errors.Is(err, context.Canceled) {
		t.Errorf("Close after cancel: %v, want context.Canceled", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("folder holds %v, want nothing", names)
	}
}

func dirNames(t *testing.T, dir string) []string {
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

func TestVideoWriterCloseAfterAbortFails(t *testing.T) {
	dir := t.TempDir()
	w, err := NewVideoWriter(context.Background(), filepath.Join(dir, "y.mp4"), 32, 32, 25, EncodeOptions{Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	w.WriteFrame(make([]byte, 32*32*3))
	w.Abort()
	if err := w.Close(); err == nil {
		t.Error("Close after Abort reported success")
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("folder holds %v, want nothing", names)
	}
}
