package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"captioner/internal/realmedia"
	"captioner/subtitle"
	"captioner/world"
)

// errorLines are the lines of stderr that report a failed input (not the
// final count of them).
func errorLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !strings.HasSuffix(l, "inputs failed") && !strings.HasSuffix(l, "input failed") {
			out = append(out, l)
		}
	}
	return out
}

// lcs is the length of the longest common subsequence of a and b.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	for i := range a {
		cur := make([]int, len(b)+1)
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev = cur
	}
	return prev[len(b)]
}

// `describe --chapters` on a generated 20-24 s clip (seed 6161: eight
// events) writes a WebVTT chapters track whose cues are the chapters of
// --json, in order, touching, from 0 to the end, each titled by a
// description of at most three events that parses; the clip's description
// is the chapters' events in order, and says most of the true events in
// order. Run again without --force it refuses, leaving the track alone.
func TestDescribeChaptersLongClip(t *testing.T) {
	dir := t.TempDir()
	if r := captioner(t, "synth", "videos", "--n", "1", "--seed", "6161", "--min-duration", "20s", "--max-duration", "24s", "--out", dir); r.code != 0 {
		t.Fatalf("synth: %q", r.stderr)
	}
	video := filepath.Join(dir, "0000.mp4")
	rec, err := world.ReadVideoRecord(filepath.Join(dir, "0000.json"))
	if err != nil {
		t.Fatal(err)
	}
	truth, err := world.Events(rec.Segments)
	if err != nil {
		t.Fatal(err)
	}
	if len(truth) <= world.MaxEvents {
		t.Fatalf("the test clip has %d events: want more than %d", len(truth), world.MaxEvents)
	}
	out := filepath.Join(t.TempDir(), "chapters")
	r := captioner(t, "describe", "--chapters", "--json", "--out", out, video)
	if r.code != 0 {
		t.Fatalf("describe: code %d, %q", r.code, r.stderr)
	}
	var got describeRecord
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("describe --json printed %q: %v", r.stdout, err)
	}
	track := filepath.Join(out, "0000.chapters.vtt")
	if got.ChaptersFile != track || len(got.Chapters) < 2 {
		t.Fatalf("chapters file %q (want %q), %d chapters", got.ChaptersFile, track, len(got.Chapters))
	}
	var all []string
	at := 0.0
	for i, c := range got.Chapters {
		evs, err := world.ParseDescription(c.Title)
		if err != nil || len(evs) == 0 || len(evs) > world.MaxEvents || world.Describe(evs) != c.Title {
			t.Errorf("chapter %d: title %q: %d events, %v (want 1 to %d, canonical)", i, c.Title, len(evs), err, world.MaxEvents)
		}
		for _, e := range evs {
			all = append(all, e.String())
		}
		if math.Abs(c.Start-at) > 1e-9 || c.End <= c.Start {
			t.Errorf("chapter %d: %.3f-%.3f s after a chapter ending at %.3f s", i, c.Start, c.End, at)
		}
		at = c.End
	}
	if math.Abs(at-rec.Duration) > 0.05 {
		t.Errorf("the chapters end at %.3f s, the clip at %.3f s", at, rec.Duration)
	}
	if want := strings.Join(all, world.Then); got.Description != want || !slices.Equal(got.Events, all) {
		t.Errorf("description %q, events %v; the chapters say %q", got.Description, got.Events, want)
	}
	var truthText []string
	for _, e := range truth {
		truthText = append(truthText, e.String())
	}
	if n := lcs(all, truthText); 2*n < len(truth) {
		t.Errorf("description %q says %d of the %d true events in order: %q", got.Description, n, len(truth), world.Describe(truth))
	}
	t.Logf("%d chapters: %q; truth %q", len(got.Chapters), got.Description, world.Describe(truth))

	data, err := os.ReadFile(track)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "WEBVTT") {
		t.Errorf("%s does not start with WEBVTT: %q", track, data[:min(len(data), 40)])
	}
	cues, err := subtitle.ReadTrack(track)
	if err != nil {
		t.Fatal(err)
	}
	if len(cues) != len(got.Chapters) {
		t.Fatalf("%s has %d cues, --json %d chapters", track, len(cues), len(got.Chapters))
	}
	for i, c := range cues {
		ch := got.Chapters[i]
		if c.Text != ch.Title || math.Abs(c.Start.Seconds()-ch.Start) > 0.001 || math.Abs(c.End.Seconds()-ch.End) > 0.001 {
			t.Errorf("cue %d: %v-%v %q; chapter %.3f-%.3f %q", i, c.Start, c.End, c.Text, ch.Start, ch.End, ch.Title)
		}
	}

	r = captioner(t, "describe", "--chapters", "--out", out, video)
	if r.code != 1 || !strings.Contains(r.stderr, track+" exists") || len(errorLines(r.stderr)) != 1 {
		t.Errorf("second run without --force: code %d, stderr %q", r.code, r.stderr)
	}
	if again, _ := os.ReadFile(track); string(again) != string(data) {
		t.Errorf("the refused run changed %s", track)
	}
}

// A short clip is one chapter, its description without chapters the same
// line; bad inputs get one line naming them, exit status 1, and no
// chapters track; the good input among them is still described.
func TestDescribeShortClipAndBadInput(t *testing.T) {
	dir := t.TempDir()
	if r := captioner(t, "synth", "videos", "--n", "1", "--seed", "6262", "--max-duration", "6s", "--out", dir); r.code != 0 {
		t.Fatalf("synth: %q", r.stderr)
	}
	video := filepath.Join(dir, "0000.mp4")
	fake := filepath.Join(dir, "notes.mp4")
	if err := os.WriteFile(fake, []byte("not a video at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := captioner(t, "describe", "--chapters", fake, video, filepath.Join(dir, "missing.mp4"))
	if r.code != 1 {
		t.Fatalf("describe: code %d (want 1), %q %q", r.code, r.stdout, r.stderr)
	}
	errLines := errorLines(r.stderr)
	if len(errLines) != 2 || !strings.Contains(errLines[0], fake) || !strings.Contains(errLines[1], "missing.mp4") {
		t.Errorf("stderr %q: want one line for each bad file, naming it", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.chapters.vtt")); err == nil {
		t.Errorf("a chapters track was written for the bad input")
	}
	line := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(line, video+": ") || !strings.HasSuffix(line, "(1 chapter -> "+filepath.Join(dir, "0000.chapters.vtt")+")") {
		t.Fatalf("stdout %q", r.stdout)
	}
	desc := strings.TrimSuffix(strings.TrimPrefix(line, video+": "), " (1 chapter -> "+filepath.Join(dir, "0000.chapters.vtt")+")")
	if _, err := world.ParseDescription(desc); err != nil {
		t.Errorf("description %q: %v", desc, err)
	}
	cues, err := subtitle.ReadTrack(filepath.Join(dir, "0000.chapters.vtt"))
	if err != nil || len(cues) != 1 || cues[0].Text != desc || cues[0].Start != 0 {
		t.Errorf("chapters of a short clip: %v, %v; want one from 0 titled %q", cues, err, desc)
	}
	r = captioner(t, "describe", video)
	if r.code != 0 || strings.TrimSpace(r.stdout) != video+": "+desc {
		t.Errorf("describe without --chapters: code %d, %q; want %q", r.code, r.stdout, video+": "+desc)
	}
}

// Footage unlike the Shapes world (a test pattern, and real footage:
// opencv-doc's street video) is described, as a guess, and said to be
// one; its chapters track is written all the same.
func TestDescribeSaysWhenUnsure(t *testing.T) {
	dir := t.TempDir()
	video := filepath.Join(dir, "pattern.mp4")
	if out, err := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=6", "-pix_fmt", "yuv420p", video).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	for _, v := range []string{video, realmedia.Path(t, "vtest.avi")} {
		r := captioner(t, "describe", "--json", "--chapters", "--out", dir, v)
		var rec describeRecord
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rec) != nil {
			t.Fatalf("describe %s: code %d, %q %q", v, r.code, r.stdout, r.stderr)
		}
		if !rec.LowConfidence || rec.Description == "" || len(rec.Chapters) == 0 {
			t.Errorf("%s: %+v; want a description flagged low confidence", v, rec)
		}
		if cues, err := subtitle.ReadTrack(rec.ChaptersFile); err != nil || len(cues) != len(rec.Chapters) {
			t.Errorf("%s: chapters track %s: %d cues, %v; want %d", v, rec.ChaptersFile, len(cues), err, len(rec.Chapters))
		}
		t.Logf("%s: %q, novelty %.1f, confidence %.2f", filepath.Base(v), rec.Description, rec.Novelty, rec.Confidence)
	}
	r := captioner(t, "describe", video)
	if r.code != 0 || !strings.Contains(r.stdout, "(low confidence ") || !strings.Contains(r.stdout, "the description is a guess") {
		t.Errorf("test pattern: code %d, %q", r.code, r.stdout)
	}
}
