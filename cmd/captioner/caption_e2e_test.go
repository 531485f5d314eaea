package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Train a small captioner, then caption with it, by every route a user has.
func TestTrainCaptionEval(t *testing.T) {
	dir := t.TempDir()
	data, model := filepath.Join(dir, "data"), filepath.Join(dir, "model")
	if r := captioner(t, "synth", "images", "--spread=false", "--n", "200", "--seed", "4", "--out", data); r.code != 0 {
		t.Fatalf("synth: %q", r.stderr)
	}
	r := captioner(t, "train", "caption", "--data", data, "--out", model, "--epochs", "3", "--embed", "32", "--hidden", "64", "--cache", "off", "--val-images", "20")
	if r.code != 0 || !strings.Contains(r.stdout, "trained "+model) || !strings.Contains(r.stderr, "train: epoch 3:") {
		t.Fatalf("train caption: code %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{"manifest.json", "caption.safetensors", "cnn.onnx", "checkpoint.json", "best.safetensors"} {
		if _, err := os.Stat(filepath.Join(model, f)); err != nil {
			t.Errorf("bundle: %v", err)
		}
	}
	// By default it reads as much of the CNN's vector as the embedded
	// captioner does: the 1,216 values before the labeller's 7x7 grids.
	var entry struct {
		Caption struct {
			Config struct {
				FeatureDim int `json:"feature_dim"`
			}
		}
	}
	readJSON(t, filepath.Join(model, "manifest.json"), &entry)
	if entry.Caption.Config.FeatureDim != 1216 {
		t.Errorf("trained on %d values of the CNN's vector, want 1216", entry.Caption.Config.FeatureDim)
	}

	img := filepath.Join(data, "images", "000003.png")
	r = captioner(t, "caption", "--model", model, "--json", "--beam", "3", "--n-best", "2", img)
	var rec captionRecord
	if err := json.Unmarshal([]byte(r.stdout), &rec); r.code != 0 || err != nil {
		t.Fatalf("caption --json: code %d, %v, stdout %q, stderr %q", r.code, err, r.stdout, r.stderr)
	}
	if rec.File != img || rec.Caption == "" || rec.Score >= 0 || len(rec.Alternatives) != 2 || rec.Alternatives[0].Text != rec.Caption {
		t.Errorf("caption --json: %+v", rec)
	}
	// The shorthand prints "FILE: caption".
	r = captioner(t, "--model", model, img)
	if r.code != 0 || !strings.HasPrefix(r.stdout, img+": ") || len(r.stdout) < len(img)+5 {
		t.Errorf("captioner FILE: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// A video, a missing file and a text file: one line each, the image still done.
	video := filepath.Join(dir, "clip.mp4")
	if r := captioner(t, "synth", "videos", "--n", "1", "--out", dir); r.code != 0 {
		t.Fatalf("synth videos: %q", r.stderr)
	}
	os.Rename(filepath.Join(dir, "0000.mp4"), video)
	r = captioner(t, "caption", "--model", model, video, img, filepath.Join(dir, "nope.jpg"))
	if r.code != 1 || !strings.Contains(r.stderr, "clip.mp4: is a video") || !strings.Contains(r.stderr, "nope.jpg") || !strings.Contains(r.stdout, img+": ") {
		t.Errorf("caption with bad inputs: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	r = captioner(t, "eval", "caption", "--model", model, "--data", data, "--json", "--cache", "off", "--record", "selftest")
	type evalReport struct {
		Split  string
		Total  int
		Images int
		BLEU   [4]float64
		Scene  *struct {
			ExactMatch float64 `json:"exact_match"`
		}
	}
	var rep evalReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil || rep.Images != 200 || rep.Scene == nil || rep.BLEU[0] <= 0 {
		t.Fatalf("eval caption: code %d, %v, stdout %q, stderr %q", r.code, err, r.stdout, r.stderr)
	}
	if rep.Split != "all" || rep.Total != 200 {
		t.Errorf("a set without a test split: scored split %q of %d images, want all of 200", rep.Split, rep.Total)
	}
	// A generated set in parts (train/ and test/, each from its own seed):
	// the test part is scored by default, and the report says so.
	parts := filepath.Join(dir, "parts")
	if err := os.MkdirAll(parts, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(data, filepath.Join(parts, "train")); err != nil {
		t.Fatal(err)
	}
	if r := captioner(t, "synth", "images", "--spread=false", "--n", "20", "--seed", "40", "--out", filepath.Join(parts, "test")); r.code != 0 {
		t.Fatalf("synth: %q", r.stderr)
	}
	r = captioner(t, "eval", "caption", "--model", model, "--data", parts, "--cache", "off")
	if want := "split         test: 20 of 20 images (0 left out)\n"; r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("eval caption on parts: code %d, stdout %q, stderr %q; want it to start %q", r.code, r.stdout, r.stderr, want)
	}
	r = captioner(t, "eval", "caption", "--model", model, "--data", parts, "--cache", "off", "--split", "all", "--json")
	rep = evalReport{}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Split != "all" || rep.Images != 220 {
		t.Errorf("eval caption --split all: %v, %+v; want 220 images", err, rep)
	}
	man, _ := os.ReadFile(filepath.Join(model, "manifest.json"))
	if !strings.Contains(string(man), `"selftest"`) {
		t.Error("eval --record did not store the scores in the manifest")
	}
	// The bundle still loads after the manifest was rewritten.
	if r := captioner(t, "caption", "--model", model, img); r.code != 0 {
		t.Errorf("caption after --record: %q", r.stderr)
	}
	// Usage errors.
	if r := captioner(t, "caption", "--beam", "2", "--n-best", "3", img); r.code != 2 {
		t.Errorf("--n-best over --beam: code %d", r.code)
	}
	if r := captioner(t, "captoin", img); r.code != 2 {
		t.Errorf("a typo: code %d", r.code)
	}
}
