package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
		if recs[f].Domain != domainObjects {
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
	if s := recs[shapes]; s.Domain != domainShapes || s.LowConfidence || !strings.HasPrefix(s.Caption, "a ") {
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
