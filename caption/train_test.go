package caption

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"captioner/internal/featcache"
	"captioner/media"
	"captioner/models"
	"captioner/vision"
	"captioner/world"
)

// trainTiny trains a small captioner for a few seconds on generated images
// with the real default CNN.
func trainTiny(t *testing.T, dir string, epochs int, resume bool) *TrainResult {
	t.Helper()
	return trainTinyAt(t, filepath.Join(dir, "data"), filepath.Join(dir, "model"), epochs, 0, resume)
}

// trainTinyAt is trainTiny with the data and the output folders apart; a
// run with stopAfter > 0 is interrupted (its context cancelled) once that
// epoch's checkpoint is written, and returns nil.
func trainTinyAt(t *testing.T, data, out string, epochs, stopAfter int, resume bool) *TrainResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := os.Stat(data); err != nil {
		if err := world.GenerateImages(context.Background(), world.ImageOptions{N: 600, Seed: 77, Out: data}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := vision.NewDefault(vision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	// The runs on one data folder share its features.
	cache, err := featcache.Open(filepath.Join(data, "cache"), "test", ex.Dim())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Train(ctx, TrainOptions{
		Data:     d,
		Features: &FeatureSource{Extractor: ex, Cache: cache, Load: media.ImageOptions{Width: 224, Height: 224}},
		Out:      out, Base: models.Default(), BaseName: "embedded",
		Seed: 3, Epochs: epochs, Batch: 32, LR: 3e-3, Patience: 100,
		Config: Config{Embed: 64, Hidden: 128, MaxLen: 20},
		Resume: resume, ValImages: 60,
		Log: func(f string, a ...any) {
			t.Logf(f, a...)
			if stopAfter > 0 && strings.HasPrefix(fmt.Sprintf(f, a...), fmt.Sprintf("epoch %d:", stopAfter)) {
				cancel()
			}
		},
	})
	if stopAfter > 0 {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestTrainResumeAndBundle(t *testing.T) {
	dir := t.TempDir()
	trainTinyAt(t, filepath.Join(dir, "data"), filepath.Join(dir, "model"), 12, 3, false) // interrupted after epoch 3
	res := trainTiny(t, dir, 12, true)
	if res.Epochs != 12 {
		t.Fatalf("resumed run ended after epoch %d, want 12", res.Epochs)
	}
	// Twelve short epochs on 270 images: far from the embedded model, but
	// clearly past guessing (a caption that names nothing scores ~0.1).
	if res.Report.BLEU[3] < 0.25 {
		t.Errorf("validation BLEU-4 %.3f after 12 epochs, want at least 0.25", res.Report.BLEU[3])
	}

	bundle := filepath.Join(dir, "model")
	m, entry, err := LoadBundle(os.DirFS(bundle), bundle)
	if err != nil {
		t.Fatal(err)
	}
	if entry.Config.Hidden != 128 || m.Vocab.Len() < 20 || math.IsInf(entry.LowConfidence, 0) {
		t.Errorf("entry %+v, vocabulary %d", entry, m.Vocab.Len())
	}
	var man map[string]any
	data, _ := os.ReadFile(filepath.Join(bundle, "manifest.json"))
	if err := json.Unmarshal(data, &man); err != nil || man["cnn"] == nil || man["caption"] == nil {
		t.Fatalf("manifest: %v %v", err, man)
	}
	// The bundle's CNN loads too, so --model takes the folder whole.
	if _, err := vision.OpenSpec(bundle); err != nil {
		t.Errorf("bundle CNN: %v", err)
	}
	// A damaged weights file is refused by its checksum.
	w := filepath.Join(bundle, "caption.safetensors")
	raw, _ := os.ReadFile(w)
	raw[len(raw)-1] ^= 1
	os.WriteFile(w, raw, 0o644)
	if _, _, err := LoadBundle(os.DirFS(bundle), bundle); err == nil {
		t.Error("a damaged bundle loaded")
	}
}

// TestResumeBitIdentical interrupts a run after 2 of 4 epochs and resumes
// it: the weights at the end, and the best ones, are the same bytes as an
// uninterrupted run's, Adam's moments and step count included.
func TestResumeBitIdentical(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	whole, split := filepath.Join(dir, "whole"), filepath.Join(dir, "split")
	trainTinyAt(t, data, whole, 4, 0, false)
	trainTinyAt(t, data, split, 4, 2, false)
	trainTinyAt(t, data, split, 4, 0, true)
	for _, f := range []string{"checkpoint.safetensors", "best.safetensors", "checkpoint.optimizer.safetensors", "caption.safetensors"} {
		a, err1 := os.ReadFile(filepath.Join(whole, f))
		b, err2 := os.ReadFile(filepath.Join(split, f))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the resumed run's differs from the uninterrupted run's", f)
		}
	}
}

func TestDecoder(t *testing.T) {
	dir := t.TempDir()
	trainTiny(t, dir, 8, false)
	m, entry, err := LoadBundle(os.DirFS(filepath.Join(dir, "model")), "model")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := vision.NewDefault(vision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	// A Shapes-world image and a test pattern it has never seen.
	pattern := filepath.Join(dir, "pattern.png")
	if out, err := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", pattern).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	src := &FeatureSource{Extractor: ex, Load: media.ImageOptions{Width: 224, Height: 224}}
	feats, errs, err := src.Images(context.Background(), []string{filepath.Join(dir, "data", "images", "000001.png"), pattern}, nil)
	if err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatal(err, errs)
	}
	dec, err := m.NewDecoder(DecodeOptions{Beam: 4, NBest: 3, LengthAlpha: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := dec.Caption(feats[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].Score < res[1].Score || res[1].Score < res[2].Score || res[0].Text == res[1].Text {
		t.Errorf("n-best: %+v", res)
	}
	strange, _ := dec.Caption(feats[1])
	t.Logf("shapes: %q score %.3f novelty %.2f; test pattern: %q score %.3f novelty %.2f; limits %.3f %.2f",
		res[0].Text, res[0].Score, res[0].Novelty, strange[0].Text, strange[0].Score, strange[0].Novelty, entry.LowConfidence, entry.NoveltyLimit)
	if entry.Unsure(res[0]) || !entry.Unsure(strange[0]) {
		t.Errorf("unsure: Shapes image %v (want false), test pattern %v (want true)", entry.Unsure(res[0]), entry.Unsure(strange[0]))
	}
	if _, err := dec.Caption(feats[0][:10]); err == nil {
		t.Error("a short feature vector was accepted")
	}
	if _, err := m.NewDecoder(DecodeOptions{Beam: 2, NBest: 3}); err == nil {
		t.Error("n-best above the beam was accepted")
	}
}
