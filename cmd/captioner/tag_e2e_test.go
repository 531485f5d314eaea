package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"captioner/tag"
	"captioner/world"
)

// trainTinyTagger trains a small LSTM tagger for seconds on 12 generated
// 4-second videos (seed 61), 10 of them training and 2 validating, and
// returns the data folder, the bundle and the feature cache.
func trainTinyTagger(t *testing.T) (data, bundle, cache string) {
	t.Helper()
	dir := t.TempDir()
	data, bundle, cache = filepath.Join(dir, "data"), filepath.Join(dir, "bundle"), filepath.Join(dir, "cache")
	synthVideos(t, data, 12, 61, 4*time.Second)
	r := captioner(t, "train", "tag", "--data", data, "--out", bundle, "--cache", cache, "--seed", "1",
		"--epochs", "300", "--patience", "300", "--batch", "4", "--lr", "5e-3", "--hidden", "32", "--dropout", "0", "--val-videos", "2", "--keep-last")
	if r.code != 0 || !strings.Contains(r.stdout, "trained "+bundle) {
		t.Fatalf("train tag: code %d, %q %q", r.code, r.stdout, r.stderr)
	}
	return data, bundle, cache
}

// TestTrainTagLearns: a tagger trained for seconds says the tags of the
// videos it learnt from (where an untrained one says none right), its
// bundle holds its tags and settings, `captioner tag` answers on a video
// as `eval tag` scores it, and a bad input gets one line naming it.
func TestTrainTagLearns(t *testing.T) {
	data, bundle, cache := trainTinyTagger(t)
	var man struct {
		Tag tag.Entry `json:"tag"`
	}
	readJSON(t, filepath.Join(bundle, "manifest.json"), &man)
	e := man.Tag
	if e.Weights != "tag.safetensors" || e.Config.Arch != tag.ArchLSTM || e.Config.Hidden != 32 || e.Config.FPS != 4 ||
		len(e.Tags) < 5 || e.Training["training_videos"] != float64(10) || e.Scores["validation"] == nil {
		t.Errorf("manifest entry %+v", e)
	}
	for _, tg := range e.Tags {
		if _, err := world.ParseTag(tg); err != nil {
			t.Errorf("the model's tag %q: %v", tg, err)
		}
	}
	// On the 10 videos it trained on (and the 2 it did not).
	r := captioner(t, "eval", "tag", "--data", data, "--model", bundle, "--cache", cache, "--json")
	if r.code != 0 {
		t.Fatalf("eval tag: code %d, %q", r.code, r.stderr)
	}
	var rep tag.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("trained on 10 videos: exact %.3f, micro F1 %.3f over all 12", rep.ExactMatch, rep.Micro.F1)
	if rep.Videos != 12 || rep.Split != "all" || rep.ExactMatch < 0.75 || rep.Micro.F1 < 0.8 {
		t.Errorf("eval on the training videos: %d videos, split %q, exact %.3f, micro F1 %.3f; want 12, all, >= 0.75, >= 0.8",
			rep.Videos, rep.Split, rep.ExactMatch, rep.Micro.F1)
	}

	// captioner tag on the first training videos, and bad inputs beside them.
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.mp4")
	cut := filepath.Join(dir, "cut.mp4")
	image := filepath.Join(dir, "still.png")
	os.WriteFile(text, []byte("not a video\n"), 0o644)
	full, _ := os.ReadFile(filepath.Join(data, "0000.mp4"))
	os.WriteFile(cut, full[:len(full)/3], 0o644)
	if r := captioner(t, "frames", "--out", dir, filepath.Join(data, "0000.mp4")); r.code != 0 {
		t.Fatalf("frames: %q", r.stderr)
	}
	frames, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(frames) == 0 {
		t.Fatal("no frame written")
	}
	os.Rename(frames[0], image)
	missing := filepath.Join(dir, "missing.mp4")
	videos := []string{filepath.Join(data, "0000.mp4"), filepath.Join(data, "0001.mp4"), filepath.Join(data, "0002.mp4")}
	r = captioner(t, append(append([]string{"tag", "--json", "--all", "--model", bundle}, videos...), text, cut, image, missing)...)
	if r.code != 1 {
		t.Errorf("tag with bad inputs: code %d, want 1", r.code)
	}
	right := 0
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(videos) {
		t.Fatalf("tag: %d lines for %d videos: %q %q", len(lines), len(videos), r.stdout, r.stderr)
	}
	for i, line := range lines {
		var rec tagRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(strings.TrimSuffix(videos[i], ".mp4") + ".tags")
		truth, err := world.ParseTags(string(data))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tg := range rec.Tags {
			got = append(got, tg.Tag)
			if tg.Probability < e.Config.Threshold || tg.Probability > 1 {
				t.Errorf("%s: tag %q at %v", videos[i], tg.Tag, tg.Probability)
			}
		}
		if slices.Equal(got, truth) {
			right++
		}
		if rec.File != videos[i] || len(rec.All) != len(e.Tags) || rec.Steps != 16 || rec.Domain != "shapes" || rec.Duration != 4 {
			t.Errorf("record %+v", rec)
		}
	}
	if right < 2 {
		t.Errorf("captioner tag got %d of the first 3 training videos' tags exactly right, want at least 2: %s", right, r.stdout)
	}
	errLines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	for _, bad := range []string{text, cut, image, missing} {
		n := 0
		for _, l := range errLines {
			if strings.HasPrefix(l, "captioner: ") && strings.Contains(l, bad) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d error lines naming it, want 1: %q", bad, n, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "captioner: 4 of 7 inputs failed") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// TestTagUsage: flags and data that cannot work are refused with a usage
// error (2) or a one-line error (1).
func TestTagUsage(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"tag"}, 2, "needs at least 1 argument"},
		{[]string{"train", "tag", "--data", dir}, 2, "--data and --out are required"},
		{[]string{"train", "tag", "--data", dir, "--out", dir, "--arch", "gru"}, 2, `--arch "gru"`},
		{[]string{"train", "tag", "--data", dir, "--out", dir, "--readout", "first"}, 2, "unknown readout"},
		{[]string{"train", "tag", "--data", dir, "--out", filepath.Join(dir, "b")}, 1, "no video with its tags beside it"},
		{[]string{"eval", "tag", "--data", filepath.Join(dir, "nowhere")}, 1, "tag: data: "},
		{[]string{"eval", "tag", "--data", dir, "--record", "test"}, 2, "--record needs --model"},
		{[]string{"tag", "--model", dir, "clip.mp4"}, 1, dir},
	}
	for _, c := range cases {
		r := captioner(t, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: code %d, stderr %q; want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
}
