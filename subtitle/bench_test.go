package subtitle

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"captioner/media"
	"captioner/models"
	"captioner/vision"
	"captioner/world"
)

// benchVideo generates the speed case: 60 s of 1280x720 at 25 fps.
func benchVideo(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	err := world.GenerateVideos(context.Background(), world.VideoOptions{N: 1, Seed: 9, Width: 1280, Height: 720, FPS: 25,
		MinDuration: 60 * time.Second, MaxDuration: 60 * time.Second, Out: dir})
	if err != nil {
		b.Fatal(err)
	}
	return filepath.Join(dir, "0000.mp4")
}

// benchLabeller is the embedded labeller, or when the bundle has none yet an
// untrained one of the same shape (its speed does not depend on its weights).
func benchLabeller(b *testing.B, ex Extractor) *Labeller {
	m, e, err := LoadBundle(models.Default(), "embedded default")
	if errors.Is(err, ErrNoLabeller) {
		cfg := Config{FeatureDim: ex.Dim(), Hidden: 128, Layers: 1, Bidirectional: true, Inputs: []string{InputFeatures, InputChange}, FPS: 4, Window: 64, Factored: true}
		m, err = NewModel(cfg, nil, rand.New(rand.NewPCG(1, 1)))
		e = &Entry{Penalty: 2}
	}
	if err != nil {
		b.Fatal(err)
	}
	m.SetTrain(false)
	return &Labeller{Model: m, Entry: e, Sampler: &Sampler{Extractor: ex, FPS: 4, Width: 224, Height: 224, Fit: media.Stretch}, Cue: DefaultOptions()}
}

// BenchmarkRealTime60s compares, in one run, the whole labelling of a 60 s
// 1280x720 video at 4 samples a second with its two floors: ffmpeg decoding
// and sampling the file to a pipe, and the CNN alone on as many frames.
// Each reports x-realtime, seconds of video per second of work.
//
//	go test -run XXX -bench RealTime60s -benchtime 3x ./subtitle
func BenchmarkRealTime60s(b *testing.B) {
	video := benchVideo(b)
	ex, err := vision.NewDefault(vision.Options{BatchSize: 16})
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close()
	l := benchLabeller(b, ex)
	ctx := context.Background()
	opts := media.VideoOptions{FPS: 4, Phase: l.Sampler.Phase(), Width: 224, Height: 224, Fit: media.Stretch}
	var frames []media.Frame
	realtime := func(b *testing.B, start time.Time) {
		b.ReportMetric(60*float64(b.N)/time.Since(start).Seconds(), "x-realtime")
	}
	b.Run("decode", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			s, err := media.OpenVideo(ctx, video, opts)
			if err != nil {
				b.Fatal(err)
			}
			frames = frames[:0]
			for {
				f, err := s.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				frames = append(frames, f)
			}
			s.Close()
		}
		realtime(b, start)
	})
	b.Run("cnn", func(b *testing.B) {
		if len(frames) != 240 {
			b.Fatalf("%d frames decoded, want 240", len(frames))
		}
		start := time.Now()
		for b.Loop() {
			for i := 0; i < len(frames); i += 16 {
				if _, err := ex.Features(ctx, frames[i:min(i+16, len(frames))]); err != nil {
					b.Fatal(err)
				}
			}
		}
		realtime(b, start)
	})
	b.Run("subtitle", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			tr, err := l.Label(ctx, video)
			if err != nil {
				b.Fatal(err)
			}
			if tr.Steps != 240 {
				b.Fatalf("%d steps, want 240", tr.Steps)
			}
		}
		realtime(b, start)
	})
}
