package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"captioner/world"
)

// The peer of these benchmarks is OpenCV itself, through Debian's
// python3-opencv (/usr/bin/python3), running the embedded CNN
// (caption/bench/opencv_peer.py); both sides are measured in the same run,
// alternating, since absolute figures differ several-fold between machines
// and from minute to minute on a shared one (caption/BENCHMARKS.md):
//
//	go test -run XXX -bench 'VsOpenCV' -benchtime 3x ./cmd/captioner

// peerLayers are the CNN outputs the embedded bundle's extractor asks for.
const peerLayers = "block_12_add,Conv1_relu/grid3_max,Conv1_relu/global_max,Conv1_relu/global_mean,Conv1_relu/grid7_max"

func peerScript(b *testing.B) (python, script, model string) {
	python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import cv2").CombinedOutput(); err != nil {
		b.Skipf("no python3-opencv (apt-get install python3-opencv): %v %s", err, out)
	}
	return python, filepath.Join("..", "..", "caption", "bench", "opencv_peer.py"), filepath.Join("..", "..", "models", "default", "cnn.onnx")
}

// BenchmarkCaption300VsOpenCV: `captioner caption --json` on 300 PNG files
// (320x240), per image, against OpenCV's bare batched forward pass of the
// same CNN over the same images (batches of 16, decoding not timed).
func BenchmarkCaption300VsOpenCV(b *testing.B) { captionVsOpenCVBench(b, 300) }

func captionVsOpenCVBench(b *testing.B, n int) {
	python, script, model := peerScript(b)
	dir := b.TempDir()
	if err := world.GenerateImages(context.Background(), world.ImageOptions{N: n, Seed: 3, Out: dir}); err != nil {
		b.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "images", "*.png"))
	var ours, peer time.Duration
	for b.Loop() {
		start := time.Now()
		if out, err := exec.Command(binary, append([]string{"caption", "--json"}, paths...)...).CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		ours += time.Since(start)
		out, err := exec.Command(python, append([]string{script, "forward", model, peerLayers}, paths...)...).CombinedOutput()
		if err != nil {
			b.Fatalf("peer: %v: %s", err, out)
		}
		f := strings.Fields(string(out))
		ms, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil || f[0] != "forward-ms-per-frame" {
			b.Fatalf("peer said %q", out)
		}
		peer += time.Duration(ms * float64(time.Millisecond) * float64(n))
	}
	ourMs := ours.Seconds() * 1000 / float64(n*b.N)
	peerMs := peer.Seconds() * 1000 / float64(n*b.N)
	b.ReportMetric(ourMs, "ms/image")
	b.ReportMetric(peerMs, "opencv-ms/frame")
	b.ReportMetric(ourMs/peerMs, "ratio")
}

// BenchmarkColdStartVsOpenCV: a whole `captioner photo.png` process against
// a fresh Python process doing the same work with OpenCV alone (import cv2,
// read the ONNX, decode the image, one forward pass), alternating.
func BenchmarkColdStartVsOpenCV(b *testing.B) {
	python, script, model := peerScript(b)
	dir := b.TempDir()
	if err := world.GenerateImages(context.Background(), world.ImageOptions{N: 1, Seed: 3, Out: dir}); err != nil {
		b.Fatal(err)
	}
	img := filepath.Join(dir, "images", "000000.png")
	var ours, peer, version time.Duration
	run := func(name string, args ...string) time.Duration {
		start := time.Now()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v: %s", name, err, out)
		}
		return time.Since(start)
	}
	for b.Loop() {
		ours += run(binary, img)
		peer += run(python, script, "cold", model, peerLayers, img)
		version += run(binary, "version")
	}
	n := float64(b.N)
	b.ReportMetric(ours.Seconds()/n, "s/cold-run")
	b.ReportMetric(peer.Seconds()/n, "opencv-s/cold-run")
	b.ReportMetric(version.Seconds()/n, "s/version")
	b.ReportMetric(ours.Seconds()/peer.Seconds(), "ratio")
}
