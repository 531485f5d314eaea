package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"captioner/world"
)

// BenchmarkColdStart times a whole process: start, load the embedded
// models, caption one image, exit (what a user waits for after typing
// `captioner photo.jpg`).
func BenchmarkColdStart(b *testing.B) {
	dir := b.TempDir()
	if err := world.GenerateImages(context.Background(), world.ImageOptions{N: 1, Seed: 3, Out: dir}); err != nil {
		b.Fatal(err)
	}
	img := filepath.Join(dir, "images", "000000.png")
	for b.Loop() {
		if out, err := exec.Command(binary, img).CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}

// BenchmarkWarm200 times captioning 200 images in one process, and reports
// the warm throughput: the images after the first, over the time they took
// beyond a one-image run of the same process measured alongside.
func BenchmarkWarm200(b *testing.B) {
	dir := b.TempDir()
	if err := world.GenerateImages(context.Background(), world.ImageOptions{N: 200, Seed: 3, Out: dir}); err != nil {
		b.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "images", "*.png"))
	run := func(files []string) time.Duration {
		start := time.Now()
		if out, err := exec.Command(binary, append([]string{"caption"}, files...)...).CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		return time.Since(start)
	}
	var one, all time.Duration
	for b.Loop() {
		one += run(paths[:1])
		all += run(paths)
	}
	b.ReportMetric(float64(len(paths)-1)*float64(b.N)/(all-one).Seconds(), "images/s")
}
