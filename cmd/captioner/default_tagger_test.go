package main

import (
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"captioner/models"
	"captioner/tag"
)

// embeddedTagScores is the tagger's test report recorded in the embedded
// manifest by its recipe (200 clips of seed 9009).
func embeddedTagScores(t *testing.T) tag.Report {
	t.Helper()
	_, e, err := tag.LoadBundle(models.Default(), "embedded default")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(e.Scores["test"])
	var rec struct{ Report tag.Report }
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Report.Videos != 200 {
		t.Fatalf("manifest test scores %s: %v", raw, err)
	}
	return rec.Report
}

// `captioner eval tag` with the embedded tagger on the first 10 clips of
// the recipe's test seed (which training never saw) scores near what the
// manifest records for all 200, and `captioner tag` gives those clips the
// tags eval scored.
func TestEmbeddedTaggerOnTestClips(t *testing.T) {
	want := embeddedTagScores(t)
	dir := t.TempDir()
	if r := captioner(t, "synth", "videos", "--n", "10", "--seed", "9009", "--max-duration", "12s", "--out", dir); r.code != 0 {
		t.Fatalf("synth: %q", r.stderr)
	}
	r := captioner(t, "eval", "tag", "--data", dir, "--cache", t.TempDir(), "--json")
	if r.code != 0 {
		t.Fatalf("eval tag: code %d, %q", r.code, r.stderr)
	}
	var got tag.Report
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	t.Logf("10 clips: exact %.3f, micro F1 %.3f, %d unsure (manifest, 200 clips: exact %.3f, micro F1 %.3f)",
		got.ExactMatch, got.Micro.F1, got.LowConfidence, want.ExactMatch, want.Micro.F1)
	// Ten clips of a rate p: allow 2.5 standard deviations of their mean,
	// and at least one clip more wrong than the recorded rate.
	slack := max(0.1, 2.5*math.Sqrt(want.ExactMatch*(1-want.ExactMatch)/10))
	if got.Videos != 10 || got.ExactMatch < want.ExactMatch-slack-1e-9 || got.Micro.F1 < want.Micro.F1-0.1 || got.LowConfidence > 3 {
		t.Errorf("on 10 clips: exact %.3f, micro F1 %.3f, %d unsure; the manifest says %.3f, %.3f over 200",
			got.ExactMatch, got.Micro.F1, got.LowConfidence, want.ExactMatch, want.Micro.F1)
	}
}

// Footage unlike the Shapes world (a test pattern and a zoom into a
// fractal) still gets the tagger's answer, said to be a guess.
func TestEmbeddedTaggerSaysWhenUnsure(t *testing.T) {
	dir := t.TempDir()
	var videos []string
	for _, src := range []string{"testsrc2=size=320x240:rate=25:duration=6", "mandelbrot=size=320x240:rate=25,trim=duration=6"} {
		video := filepath.Join(dir, strings.SplitN(src, "=", 2)[0]+".mp4")
		if out, err := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", src, "-pix_fmt", "yuv420p", video).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v %s", err, out)
		}
		videos = append(videos, video)
	}
	r := captioner(t, append([]string{"tag"}, videos...)...)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 {
		t.Fatalf("tag: code %d, %q %q", r.code, r.stdout, r.stderr)
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, videos[i]+": ") || !strings.Contains(l, "(low confidence: unlike the videos this model was trained on") {
			t.Errorf("%s: %q", videos[i], l)
		}
	}
}
