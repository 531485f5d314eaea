package world

import (
	"context"
	"testing"
	"time"
)

func BenchmarkMakeImage320x240(b *testing.B) { makeImageBench(b, 320, 240) }
func BenchmarkMakeImage640x480(b *testing.B) { makeImageBench(b, 640, 480) }

func BenchmarkGenerateImages100(b *testing.B) { generateImagesBench(b, 100, nil) }

// The whole contract's spread, and its sides up to 640 (what the default
// captioner's recipe trains on).
func BenchmarkGenerateSpreadImages100(b *testing.B) { generateImagesBench(b, 100, &Spread{}) }
func BenchmarkGenerateSpreadImages100To640(b *testing.B) {
	generateImagesBench(b, 100, &Spread{MaxSide: 640})
}

func BenchmarkRenderVideo20s(b *testing.B) { renderVideoBench(b, 20*time.Second) }

func BenchmarkGenerateVideos2x20s(b *testing.B) { generateVideosBench(b, 2, 20*time.Second) }

func makeImageBench(b *testing.B, w, h int) {
	for i := 0; b.Loop(); i++ {
		if _, err := MakeImage(1, i, w, h); err != nil {
			b.Fatal(err)
		}
	}
}

func generateImagesBench(b *testing.B, n int, s *Spread) {
	for b.Loop() {
		if err := GenerateImages(context.Background(), ImageOptions{N: n, Seed: 1, Spread: s, Out: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
}

func renderVideoBench(b *testing.B, d time.Duration) {
	var secs float64
	for i := 0; b.Loop(); i++ {
		s, err := PlanVideo(1, i, VideoOptions{MinDuration: d, MaxDuration: d})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Render(context.Background(), func(int, []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
		secs += s.Duration
	}
	b.ReportMetric(secs/b.Elapsed().Seconds(), "video-s/s")
}

func generateVideosBench(b *testing.B, n int, d time.Duration) {
	for b.Loop() {
		if err := GenerateVideos(context.Background(), VideoOptions{N: n, Seed: 1, Out: b.TempDir(), MinDuration: d, MaxDuration: d}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)*d.Seconds()/b.Elapsed().Seconds(), "video-s/s")
}
