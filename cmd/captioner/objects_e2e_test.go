package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"captioner/engine"
	"captioner/internal/realmedia"
	"captioner/objects"
)

// TestCaptionRoutesByDomain captions real photos and a Shapes-world image in
// one run: each goes to its domain, the photos' captions are in the objects
// domain's language and name what is there, and a photo of nothing COCO
// knows says so.
func TestCaptionRoutesByDomain(t *testing.T) {
	dog, horses, baboon := realmedia.Path(t, "dog.jpg"), realmedia.Path(t, "horses.jpg"), realmedia.Path(t, "baboon.jpg")
	shapes := filepath.Join("..", "..", "testdata", "shapes", "000000.png")
	r := captioner(t, "--json", dog, horses, baboon, shapes)
	if r.code != 0 {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	recs := map[string]captionRecord{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var rec captionRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		recs[rec.File] = rec
	}
	classes := func(file string) []string {
		d, err := objects.ParseCaption(recs[file].Caption)
		if err != nil {
			t.Errorf("%s: caption %q: %v", file, recs[file].Caption, err)
		}
		var out []string
		for _, g := range d.Groups {
			out = append(out, g.Class)
		}
		return out
	}
	for _, f := range []string{dog, horses, baboon} {
		if recs[f].Domain != engine.DomainObjects {
			t.Errorf("%s: domain %q, want objects", f, recs[f].Domain)
		}
	}
	if c := classes(dog); !slices.Contains(c, "dog") || !slices.Contains(c, "bicycle") {
		t.Errorf("dog.jpg: %q names %v, want a dog and a bicycle", recs[dog].Caption, c)
	}
	if c := classes(horses); !slices.Contains(c, "horse") {
		t.Errorf("horses.jpg: %q names %v, want horses", recs[horses].Caption, c)
	}
	if b := recs[baboon]; b.Caption != objects.NoObjects || !b.LowConfidence {
		t.Errorf("baboon.jpg: %+v, want %q with low confidence", b, objects.NoObjects)
	}
	if s := recs[shapes]; s.Domain != engine.DomainShapes || s.LowConfidence || !strings.HasPrefix(s.Caption, "a ") {
		t.Errorf("a Shapes-world image: %+v, want a confident Shapes caption", s)
	}
	if r := captioner(t, "--domain", "colours", dog); r.code != 2 {
		t.Errorf("--domain colours: code %d, want 2", r.code)
	}
}

// TestBatchRoutesByDomain: batch captions a real photo in the objects domain
// and a Shapes-world image in its own, and its index says which answered.
func TestBatchRoutesByDomain(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, realmedia.Path(t, "dog.jpg"), filepath.Join(dir, "dog.jpg"))
	copyFile(t, filepath.Join("..", "..", "testdata", "shapes", "000000.png"), filepath.Join(dir, "shape.png"))
	if r := captioner(t, "batch", "--jobs", "2", dir); r.code != 0 {
		t.Fatalf("batch: code %d, stderr %q", r.code, r.stderr)
	}
	got := map[string]string{}
	for _, line := range readLines(t, filepath.Join(dir, "captions.jsonl")) {
		var e struct{ File, Caption, Domain string }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		got[e.File] = e.Domain + ": " + e.Caption
	}
	if !strings.HasPrefix(got["dog.jpg"], "objects: ") || !strings.Contains(got["dog.jpg"], "a dog") {
		t.Errorf("dog.jpg: %q, want an objects caption naming a dog", got["dog.jpg"])
	}
	if !strings.HasPrefix(got["shape.png"], "shapes: a ") {
		t.Errorf("shape.png: %q, want a Shapes caption", got["shape.png"])
	}
}

// TestSubtitleRealVideo subtitles ten seconds of a real street
// (opencv-doc's vtest.avi): the video goes to the objects domain, its cues
// speak of people, and none is shorter than a second.
func TestSubtitleRealVideo(t *testing.T) {
	dir := t.TempDir()
	clip := filepath.Join(dir, "street.mkv")
	cut := exec.Command("ffmpeg", "-loglevel", "error", "-i", realmedia.Path(t, "vtest.avi"), "-t", "10", "-c", "copy", clip)
	if out, err := cut.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	r := captioner(t, "subtitle", "--json", clip)
	if r.code != 0 {
		t.Fatalf("subtitle: code %d, stderr %q", r.code, r.stderr)
	}
	var rec subtitleRecord
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil {
		t.Fatalf("%q: %v", r.stdout, err)
	}
	if rec.Domain != engine.DomainObjects || rec.Steps != 20 || len(rec.Cues) == 0 {
		t.Fatalf("record %+v: want the objects domain, 20 steps at 2 a second, cues", rec)
	}
	people := false
	for _, c := range rec.Cues {
		if _, err := objects.ParseLabel(c.Text); err != nil {
			t.Errorf("cue %q: not an objects label: %v", c.Text, err)
		}
		if c.End-c.Start < 1-1e-9 && c.End < rec.Duration-1e-9 {
			t.Errorf("cue %q lasts %.2f s, under a second", c.Text, c.End-c.Start)
		}
		people = people || strings.Contains(c.Text, "person") || strings.Contains(c.Text, "people")
	}
	if !people {
		t.Errorf("cues %+v: none speaks of the people in the street", rec.Cues)
	}
	if len(rec.Tracks) != 2 {
		t.Errorf("tracks %v, want a vtt and an srt", rec.Tracks)
	}
}
