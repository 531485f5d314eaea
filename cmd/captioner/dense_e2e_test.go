package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"captioner/subtitle"
)

// train subtitle --dense writes a bundle whose labeller has no memory
// (subtitle/DENSE.md), with its context and layers in the manifest; eval
// subtitle scores it and subtitle labels with it, unchanged. --videos 5
// trains on the first five videos (two of them validating). --context
// without --dense, or wider than a quarter window, is refused.
func TestTrainEvalSubtitleDense(t *testing.T) {
	_, data := tinyLabellerBundle(t)
	cache := filepath.Join(tinyLabeller.dir, "cache")
	model := filepath.Join(t.TempDir(), "dense")
	r := captioner(t, "train", "subtitle", "--data", data, "--out", model, "--cache", cache,
		"--epochs", "2", "--dense", "--context", "1", "--hidden", "16", "--layers", "2", "--window", "16", "--val-videos", "2", "--videos", "5")
	if r.code != 0 || !strings.Contains(r.stdout, "trained "+model) {
		t.Fatalf("train subtitle --dense: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	var man struct{ Subtitle subtitle.Entry }
	readJSON(t, filepath.Join(model, "manifest.json"), &man)
	if c := man.Subtitle.Config; !c.Dense || c.Context != 1 || c.Bidirectional || c.Layers != 2 || c.Hidden != 16 || !c.Factored {
		t.Errorf("manifest config %+v: want dense, context 1, 2 layers of 16, not bidirectional", c)
	}
	if tr := man.Subtitle.Training; tr["training_videos"] != 3.0 || tr["validation_videos"] != 2.0 {
		t.Errorf("--videos 5 --val-videos 2: trained on %v videos, validated on %v; want 3 and 2", tr["training_videos"], tr["validation_videos"])
	}
	r = captioner(t, "eval", "subtitle", "--model", model, "--data", data, "--cache", cache, "--json")
	var rep subtitle.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil || rep.Videos != 6 || rep.Steps < 6*4*4 || rep.TrueBoundaries == 0 {
		t.Errorf("eval subtitle of the dense labeller: code %d, %v, %+v, stderr %q", r.code, err, rep, r.stderr)
	}
	out := t.TempDir()
	r = captioner(t, "subtitle", "--model", model, "--out", out, filepath.Join(data, "0000.mp4"))
	if r.code != 0 {
		t.Fatalf("subtitle with the dense labeller: code %d, stderr %q", r.code, r.stderr)
	}
	if vtt, err := os.ReadFile(filepath.Join(out, "0000.vtt")); err != nil || !strings.HasPrefix(string(vtt), "WEBVTT") || !strings.Contains(string(vtt), " --> ") {
		t.Errorf("the dense labeller's track: %v, %q", err, vtt)
	}
	r = captioner(t, "train", "subtitle", "--data", data, "--out", t.TempDir(), "--cache", cache, "--context", "1")
	if r.code != 2 || !strings.Contains(r.stderr, "--context is for --dense labellers") {
		t.Errorf("--context without --dense: code %d, stderr %q", r.code, r.stderr)
	}
	r = captioner(t, "train", "subtitle", "--data", data, "--out", t.TempDir(), "--cache", cache, "--dense", "--context", "5", "--window", "16")
	if r.code != 1 || !strings.Contains(r.stderr, "context 5 outside [0, 4]") {
		t.Errorf("--context 5 --window 16: code %d, stderr %q", r.code, r.stderr)
	}
}
