package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"captioner/models"
	"captioner/subtitle"
	"captioner/world"
)

// embeddedTestScores is the labeller's test report recorded in the embedded
// manifest by its recipe.
func embeddedTestScores(t *testing.T) world.TrackReport {
	t.Helper()
	_, e, err := subtitle.LoadBundle(models.Default(), "embedded default")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(e.Scores["test"])
	var rec struct{ Report world.TrackReport }
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Report.Tracks != 50 {
		t.Fatalf("manifest test scores %s: %v", raw, err)
	}
	return rec.Report
}

// `captioner subtitle` on the first videos of the recipe's test seed (which
// training never saw) writes tracks that score near what the manifest
// records for all 50.
func TestEmbeddedLabellerOnTestVideos(t *testing.T) {
	want := embeddedTestScores(t)
	dir := t.TempDir()
	const n = 10
	if r := captioner(t, "synth", "videos", "--n", "10", "--seed", "4004", "--out", dir); r.code != 0 {
		t.Fatalf("synth: %q", r.stderr)
	}
	var videos []string
	for i := range n {
		videos = append(videos, filepath.Join(dir, fmtIndex(i)+".mp4"))
	}
	out := t.TempDir()
	r := captioner(t, append([]string{"subtitle", "--out", out, "--json"}, videos...)...)
	if r.code != 0 {
		t.Fatalf("subtitle: code %d, %q", r.code, r.stderr)
	}
	var sc world.TrackScorer
	unsure := 0
	for i, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var rec subtitleRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		truth, err := subtitle.ReadTrack(filepath.Join(dir, fmtIndex(i)+".vtt"))
		if err != nil {
			t.Fatal(err)
		}
		pred, err := subtitle.ReadTrack(rec.Tracks[0])
		if err != nil {
			t.Fatal(err)
		}
		if rec.LowConfidence {
			unsure++
		}
		sc.Add(pred, truth, time.Duration(rec.Duration*float64(time.Second)))
	}
	got := sc.Report()
	t.Logf("%d videos: step %.3f, F1 %.3f, time %.3f (manifest, 50 videos: %.3f, %.3f, %.3f); %d flagged unsure",
		n, got.StepAccuracy, got.F1, got.TimeAccuracy, want.StepAccuracy, want.F1, want.TimeAccuracy, unsure)
	if got.StepAccuracy < want.StepAccuracy-0.06 || got.F1 < want.F1-0.08 || got.TimeAccuracy < want.TimeAccuracy-0.06 || unsure > 1 {
		t.Errorf("on %d test videos: step %.3f, F1 %.3f, time %.3f, %d unsure; the manifest says %.3f, %.3f, %.3f over 50",
			n, got.StepAccuracy, got.F1, got.TimeAccuracy, unsure, want.StepAccuracy, want.F1, want.TimeAccuracy)
	}
}

func fmtIndex(i int) string { return fmt.Sprintf("%04d", i) }

// Footage unlike the Shapes world (a test pattern, and a zoom into a
// fractal, neither of which the labeller has seen) still gets a well-formed
// track, said to be a guess.
func TestEmbeddedLabellerSaysWhenUnsure(t *testing.T) {
	dir := t.TempDir()
	for _, src := range []string{"testsrc2=size=320x240:rate=25:duration=8", "mandelbrot=size=320x240:rate=25,trim=duration=8"} {
		name := strings.SplitN(src, "=", 2)[0]
		video := filepath.Join(dir, name+".mp4")
		if out, err := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", src, "-pix_fmt", "yuv420p", video).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v %s", err, out)
		}
		// In its domain (objects: unlike the Shapes world), nothing the
		// detector knows is in view; forced to the Shapes world, the
		// labels are guesses. Both say so.
		r := captioner(t, "subtitle", video)
		if r.code != 0 || !strings.Contains(r.stdout, "(low confidence: nothing the detector knows is in view)") {
			t.Errorf("%s: code %d, %q %q", name, r.code, r.stdout, r.stderr)
		}
		checkTrack(t, filepath.Join(dir, name+".srt"), 8*time.Second)
		r = captioner(t, "subtitle", "--force", "--domain", "shapes", video)
		if r.code != 0 || !strings.Contains(r.stdout, "(low confidence ") || !strings.Contains(r.stdout, "the labels are guesses") {
			t.Errorf("%s --domain shapes: code %d, %q %q", name, r.code, r.stdout, r.stderr)
		}
		checkTrack(t, filepath.Join(dir, name+".srt"), 8*time.Second)
	}
}
