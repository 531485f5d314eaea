package subtitle

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"captioner/media"
)

// meanRGB is a stand-in CNN: each frame's mean red, green and blue.
type meanRGB struct{}

func (meanRGB) Dim() int { return 3 }

func (meanRGB) Features(ctx context.Context, frames []media.Frame) ([][]float32, error) {
	out := make([][]float32, len(frames))
	for i, f := range frames {
		v := make([]float32, 3)
		for p := 0; p+2 < len(f.Pix); p += 3 {
			v[0] += float32(f.Pix[p])
			v[1] += float32(f.Pix[p+1])
			v[2] += float32(f.Pix[p+2])
		}
		out[i] = v
	}
	return out, nil
}

type progressCall struct{ done, total time.Duration }

// progressLabeller is an untrained labeller over meanRGB, sampling 4
// frames a second in batches of batch.
func progressLabeller(t *testing.T, batch int) *Labeller {
	t.Helper()
	cfg := Config{FeatureDim: 3, Hidden: 4, Layers: 1, Inputs: []string{InputFeatures}, FPS: 4, Window: 16}
	m, err := NewModel(cfg, []string{"a", "b"}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	m.SetTrain(false)
	s := &Sampler{Extractor: meanRGB{}, FPS: 4, Width: 32, Height: 32, Fit: media.Stretch, Batch: batch}
	return &Labeller{Model: m, Entry: &Entry{Penalty: 1}, Sampler: s, Cue: DefaultOptions()}
}

// Progress follows the time stamps of the frames done: 0 when the video
// is open, the end of each batch's last step, never past the duration,
// then the whole duration once more when the video is done.
func TestLabelProgressFollowsVideoTime(t *testing.T) {
	video := filepath.Join(t.TempDir(), "ten.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=10", "-pix_fmt", "yuv420p", video)
	l := progressLabeller(t, 8) // 8 frames at 4 a second: 2 s a batch
	var calls []progressCall
	tr, err := l.LabelProgress(context.Background(), video, func(done, total time.Duration) {
		calls = append(calls, progressCall{done, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Steps != 40 {
		t.Fatalf("%d steps, want 40", tr.Steps)
	}
	total := tr.Info.Duration
	if total < 9900*time.Millisecond || total > 10100*time.Millisecond {
		t.Fatalf("duration %v, want 10 s", total)
	}
	want := []progressCall{{0, total}}
	for s := 2; s <= 10; s += 2 {
		want = append(want, progressCall{min(time.Duration(s)*time.Second, total), total})
	}
	want = append(want, progressCall{total, total})
	if len(calls) != len(want) {
		t.Fatalf("progress calls %v, want %v", calls, want)
	}
	for i := range want {
		if d := absDur(calls[i].done - want[i].done); d > time.Millisecond || calls[i].total != want[i].total {
			t.Errorf("call %d: %v, want %v", i, calls[i], want[i])
		}
	}
	// Label gives the same track without a progress function.
	plain, err := l.Label(context.Background(), video)
	if err != nil || len(plain.Cues) != len(tr.Cues) || plain.Steps != tr.Steps {
		t.Errorf("Label: %v, %d cues and %d steps; LabelProgress: %d and %d", err, len(plain.Cues), plain.Steps, len(tr.Cues), tr.Steps)
	}
}

// Cancelling while progress is reported stops the labelling: the error is
// the context's, and the video is never reported done.
func TestLabelProgressStopsOnCancel(t *testing.T) {
	video := filepath.Join(t.TempDir(), "long.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=60", "-pix_fmt", "yuv420p", video)
	l := progressLabeller(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var last progressCall
	calls := 0
	_, err := l.LabelProgress(ctx, video, func(done, total time.Duration) {
		calls++
		last = progressCall{done, total}
		if done >= 5*time.Second {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if last.done >= last.total || last.done > 8*time.Second || calls > 8 {
		t.Errorf("after cancelling at 5 s: %d calls, the last %v", calls, last)
	}
}
