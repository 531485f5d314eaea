package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"captioner/internal/realmedia"
)

// BenchmarkDetectVideo times `captioner detect` on a minute of real
// 1280x720 H.264 footage (opencv-doc's street, vtest.avi, scaled and looped)
// at the default sampling (2 frames a second, 416x416 detector input), next
// to ffmpeg alone decoding and scaling the same frames: the floor that
// decoding sets. Both are measured in the same run and reported as frames
// a second and as multiples of real time.
//
//	go test -run XXX -bench DetectVideo -benchtime 3x ./cmd/captioner
func BenchmarkDetectVideo(b *testing.B) {
	src := realmedia.Path(b, "vtest.avi")
	video := filepath.Join(b.TempDir(), "street720.mp4")
	gen := exec.Command("ffmpeg", "-loglevel", "error", "-stream_loop", "-1", "-i", src, "-t", "60",
		"-vf", "scale=1280:720", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-an", video)
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v: %s", err, out)
	}
	const seconds, frames = 60.0, 120.0
	var decode, detect time.Duration
	for b.Loop() {
		start := time.Now()
		floor := exec.Command("ffmpeg", "-loglevel", "error", "-i", video, "-vf", "fps=2,scale=416:416",
			"-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "/dev/null")
		if out, err := floor.CombinedOutput(); err != nil {
			b.Fatalf("ffmpeg floor: %v: %s", err, out)
		}
		decode += time.Since(start)
		start = time.Now()
		out, err := exec.Command(binary, "detect", video).Output()
		if err != nil {
			b.Fatalf("detect: %v", err)
		}
		detect += time.Since(start)
		if n := strings.Count(string(out), " person "); n < 300 {
			b.Fatalf("detect found %d people in a minute of street, want hundreds", n)
		}
	}
	n := float64(b.N)
	b.ReportMetric(frames*n/detect.Seconds(), "frames/s")
	b.ReportMetric(seconds*n/detect.Seconds(), "x_realtime")
	b.ReportMetric(frames*n/decode.Seconds(), "decode_frames/s")
	b.ReportMetric(seconds*n/decode.Seconds(), "decode_x_realtime")
}

// BenchmarkSubtitleRealVideo times `captioner subtitle` on the same minute
// of real 1280x720 street footage as BenchmarkDetectVideo (the Shapes
// labeller's pass, which tells the domain, then the objects domain's at 2
// frames a second and 416x416), next to ffmpeg alone decoding the frames
// both passes sample, in the same run.
//
//	go test -run XXX -bench SubtitleRealVideo -benchtime 2x ./cmd/captioner
func BenchmarkSubtitleRealVideo(b *testing.B) {
	src := realmedia.Path(b, "vtest.avi")
	dir := b.TempDir()
	video := filepath.Join(dir, "street720.mp4")
	gen := exec.Command("ffmpeg", "-loglevel", "error", "-stream_loop", "-1", "-i", src, "-t", "60",
		"-vf", "scale=1280:720", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-an", video)
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v: %s", err, out)
	}
	const seconds = 60.0
	var decode, sub time.Duration
	for b.Loop() {
		start := time.Now()
		for _, vf := range []string{"fps=4,scale=224:224", "fps=2,scale=416:416"} {
			floor := exec.Command("ffmpeg", "-loglevel", "error", "-i", video, "-vf", vf, "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "/dev/null")
			if out, err := floor.CombinedOutput(); err != nil {
				b.Fatalf("ffmpeg floor: %v: %s", err, out)
			}
		}
		decode += time.Since(start)
		start = time.Now()
		out, err := exec.Command(binary, "subtitle", "--force", "--json", "--out", dir, video).Output()
		if err != nil {
			b.Fatalf("subtitle: %v", err)
		}
		sub += time.Since(start)
		if !strings.Contains(string(out), `"domain":"objects"`) {
			b.Fatalf("subtitle did not label the street in the objects domain: %s", out)
		}
	}
	n := float64(b.N)
	b.ReportMetric(seconds*n/sub.Seconds(), "x_realtime")
	b.ReportMetric(seconds*n/decode.Seconds(), "decode_x_realtime")
}
