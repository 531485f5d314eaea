package media

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"testing"
)

// peakHeap streams every frame of path at 224x224 and returns the largest
// live heap seen (after a collection, every 100 frames) and the frame count.
func peakHeap(t *testing.T, path string) (peak uint64, frames int) {
	t.Helper()
	s, err := OpenVideo(context.Background(), path, VideoOptions{Width: 224, Height: 224})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ms runtime.MemStats
	for {
		f, err := s.Next()
		if errors.Is(err, io.EOF) {
			return peak, frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames++
		_ = f.Pix[len(f.Pix)-1]
		if frames%100 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
}

// Streaming a video twelve times longer does not hold more memory: frames are
// handed out one at a time and nothing accumulates (450 MB of frames pass
// through the long run).
func TestMemoryFlatWithVideoLength(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 2-minute video")
	}
	dir := t.TempDir()
	short, long := filepath.Join(dir, "short.mp4"), filepath.Join(dir, "long.mp4")
	for _, v := range []struct {
		path, dur string
	}{{short, "10"}, {long, "120"}} {
		ffmpegRun(t, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration="+v.dur,
			"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", v.path)
	}
	peakShort, nShort := peakHeap(t, short)
	peakLong, nLong := peakHeap(t, long)
	if nShort != 250 || nLong != 3000 {
		t.Fatalf("frames: short %d (want 250), long %d (want 3000)", nShort, nLong)
	}
	const slack = 8 << 20
	if peakLong > peakShort+slack {
		t.Errorf("live heap grew with the video: %d MB over 10 s, %d MB over 120 s", peakShort>>20, peakLong>>20)
	}
	t.Logf("live heap: %.1f MB over 10 s, %.1f MB over 120 s", float64(peakShort)/(1<<20), float64(peakLong)/(1<<20))
}
