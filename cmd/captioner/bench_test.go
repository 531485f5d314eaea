package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
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

// BenchmarkSubtitleMemory runs `captioner subtitle` on generated videos of
// 1 and 10 minutes and reports each process's peak resident memory: it
// should not grow with the length of the video.
//
//	go test -run XXX -bench SubtitleMemory -benchtime 1x ./cmd/captioner
func BenchmarkSubtitleMemory(b *testing.B) {
	dir := b.TempDir()
	// A generated minute (the Shapes world's longest video), and ten of it
	// end to end.
	one := filepath.Join(dir, "1min")
	if err := world.GenerateVideos(context.Background(), world.VideoOptions{N: 1, Seed: 4, MinDuration: time.Minute, MaxDuration: time.Minute, Out: one}); err != nil {
		b.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "10min"), 0o755)
	if out, err := exec.Command("ffmpeg", "-loglevel", "error", "-stream_loop", "9", "-i", filepath.Join(one, "0000.mp4"), "-c", "copy",
		filepath.Join(dir, "10min", "0000.mp4")).CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v %s", err, out)
	}
	for b.Loop() {
		for _, minutes := range []int{1, 10} {
			video := filepath.Join(dir, fmt.Sprintf("%dmin", minutes), "0000.mp4")
			cmd := exec.Command(binary, "subtitle", "--force", "--out", b.TempDir(), video)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			b.ReportMetric(float64(ru.Maxrss)/1024, fmt.Sprintf("MB-peak-RSS-%dmin", minutes))
		}
	}
}
