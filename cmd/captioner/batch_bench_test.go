package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"captioner/models"
	"captioner/world"
)

// batchBenchFolders generates the benchmarks' folders: 200 images, 10
// videos, and both together (hard links).
func batchBenchFolders(b *testing.B) (images, videos, both string) {
	root := b.TempDir()
	ctx := context.Background()
	gen, videos, both := filepath.Join(root, "images"), filepath.Join(root, "videos"), filepath.Join(root, "both")
	if err := world.GenerateImages(ctx, world.ImageOptions{N: 200, Seed: 21, Out: gen}); err != nil {
		b.Fatal(err)
	}
	if err := world.GenerateVideos(ctx, world.VideoOptions{N: 10, Seed: 22, Out: videos}); err != nil {
		b.Fatal(err)
	}
	// The videos' own tracks and ground truth would be listed as skipped
	// files: keep only the videos.
	os.MkdirAll(both, 0o755)
	entries, _ := os.ReadDir(videos)
	for _, e := range entries {
		p := filepath.Join(videos, e.Name())
		if !strings.HasSuffix(e.Name(), ".mp4") {
			os.Remove(p)
			continue
		}
		if err := os.Link(p, filepath.Join(both, e.Name())); err != nil {
			b.Fatal(err)
		}
	}
	images = filepath.Join(gen, "images")
	entries, _ = os.ReadDir(images)
	for _, e := range entries {
		if err := os.Link(filepath.Join(images, e.Name()), filepath.Join(both, e.Name())); err != nil {
			b.Fatal(err)
		}
	}
	return images, videos, both
}

// benchLabeller is the model the benchmarks use: the embedded bundle once
// it has a labeller, until then one trained for seconds on six videos (its
// LSTM is smaller, but the CNN, which does most of the work, is the same).
func benchLabeller(b *testing.B) string {
	man, err := models.ReadManifest(models.Default())
	if err != nil {
		b.Fatal(err)
	}
	if _, ok := man["subtitle"]; ok {
		return ""
	}
	dir := b.TempDir()
	for _, args := range [][]string{
		{"synth", "videos", "--n", "6", "--seed", "7", "--min-duration", "4s", "--max-duration", "6s", "--size", "160x120", "--out", filepath.Join(dir, "data")},
		{"train", "subtitle", "--data", filepath.Join(dir, "data"), "--out", filepath.Join(dir, "model"), "--cache", "off",
			"--epochs", "2", "--hidden", "16", "--window", "16", "--val-videos", "2"},
	} {
		if out, err := exec.Command(binary, args...).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v: %s", args[0], err, out)
		}
	}
	return filepath.Join(dir, "model")
}

// batchBench runs `captioner batch --force` with --jobs jobs on the
// images, the videos and both, and reports images per second, seconds of
// video per second and, for both, files per second, each from the run's
// own summary (model loading included, process start not).
func batchBench(b *testing.B, jobs string) {
	images, videos, both := batchBenchFolders(b)
	model := benchLabeller(b)
	run := func(dir string) batchSummaryRecord {
		args := []string{"batch", dir, "--json", "--force", "--jobs", jobs, "--out", b.TempDir()}
		if model != "" {
			args = append(args, "--model", model)
		}
		cmd := exec.Command(binary, args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			b.Fatalf("%v: %s", err, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var s batchSummaryRecord
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil || s.Failed != 0 || s.Skipped != 0 {
			b.Fatalf("summary %q: %v", lines[len(lines)-1], err)
		}
		return s
	}
	var img, vid, mixed, mixedFiles, imgN, vidS float64
	for b.Loop() {
		s := run(images)
		img += s.Elapsed
		imgN += float64(s.Images)
		s = run(videos)
		vid += s.Elapsed
		vidS += s.VideoSeconds
		s = run(both)
		mixed += s.Elapsed
		mixedFiles += float64(s.Files)
	}
	b.ReportMetric(imgN/img, "images/s")
	b.ReportMetric(vidS/vid, "video-s/s")
	b.ReportMetric(mixedFiles/mixed, "mixed-files/s")
	b.ReportMetric(mixed/float64(b.N), "mixed-s")
}

// BenchmarkBatchJobs1 and BenchmarkBatchJobs2: 200 images (320x240 PNG),
// 10 videos (320x240 H.264, 4 to 20 s) and both together, see
// batch/BENCHMARKS.md:
//
//	go test -run XXX -bench BatchJobs -benchtime 1x -count 3 ./cmd/captioner
func BenchmarkBatchJobs1(b *testing.B) { batchBench(b, "1") }
func BenchmarkBatchJobs2(b *testing.B) { batchBench(b, "2") }
