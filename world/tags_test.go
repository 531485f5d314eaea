package world

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAllTags(t *testing.T) {
	all := AllTags()
	if len(all) != 27 || all[0] != "red circle" || all[1] != "red square" || all[23] != "orange star" ||
		!slices.Equal(all[24:], []string{"moves", "appears", "disappears"}) {
		t.Errorf("AllTags = %v", all)
	}
	for _, tag := range all {
		if got, err := ParseTag(tag); err != nil || got != tag {
			t.Errorf("ParseTag(%q) = %q, %v", tag, got, err)
		}
	}
}

func TestVideoScriptTags(t *testing.T) {
	obj := func(id int, c Colour, s Shape) VideoObject {
		return VideoObject{ID: id, Object: Object{Colour: c, Shape: s, Size: Small}}
	}
	red, blue, green := obj(1, Red, Square), obj(2, Blue, Circle), obj(3, Green, Star)
	cases := []struct {
		name string
		segs []Segment
		want []string
	}{
		{"one still object", []Segment{{Event: Still, Object: -1, Before: []VideoObject{red}, After: []VideoObject{red}}},
			[]string{"red square"}},
		{"empty and still", []Segment{{Event: Still, Object: -1}}, nil},
		{"appears into an empty view", []Segment{
			{Event: Still, Object: -1},
			{Event: Appear, Object: 2, After: []VideoObject{blue}},
		}, []string{"blue circle", "appears"}},
		{"moves then disappears", []Segment{
			{Event: Move, Object: 3, Before: []VideoObject{green, red}, After: []VideoObject{green, red}},
			{Event: Disappear, Object: 3, Before: []VideoObject{green, red}, After: []VideoObject{red}},
		}, []string{"red square", "green star", "moves", "disappears"}},
		{"every kind", []Segment{
			{Event: Disappear, Object: 1, Before: []VideoObject{red}},
			{Event: Appear, Object: 2, After: []VideoObject{blue}},
			{Event: Move, Object: 2, Before: []VideoObject{blue}, After: []VideoObject{blue}},
		}, []string{"red square", "blue circle", "moves", "appears", "disappears"}},
	}
	for _, c := range cases {
		s := &VideoScript{Segments: c.segs}
		if got := s.Tags(); !slices.Equal(got, c.want) {
			t.Errorf("%s: tags %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseTags(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
		err      string
	}{
		{"canonical", "red square\nmoves\n", []string{"red square", "moves"}, ""},
		{"reordered, spaced, upper case", "  Appears\n\nBLUE   circle \r\nred square", []string{"red square", "blue circle", "appears"}, ""},
		{"empty", "\n \n", nil, ""},
		{"unknown", "red square\npink square\n", nil, `line 2: world: tag "pink square"`},
		{"a label is not a tag", "a red square moves left\n", nil, "line 1"},
		{"twice", "moves\nMoves\n", nil, `line 2: "moves" given twice`},
	}
	for _, c := range cases {
		got, err := ParseTags(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "world: ") {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
		// Written back and read again: the same tags.
		again, err := ParseTags(FormatTags(got))
		if err != nil || !slices.Equal(again, got) {
			t.Errorf("%s: round trip %v, %v", c.name, again, err)
		}
	}
	if _, err := ParseTag("nothing moves"); !errors.Is(err, ErrParse) {
		t.Errorf("ParseTag(nothing moves): %v, want ErrParse", err)
	}
}

func TestSortTags(t *testing.T) {
	got := SortTags([]string{"zebra", "moves", "person", "orange star", "red circle"})
	want := []string{"red circle", "orange star", "moves", "person", "zebra"}
	if !slices.Equal(got, want) {
		t.Errorf("SortTags = %v, want %v", got, want)
	}
}

// TestGeneratedTags checks the tags sidecar synth writes against the
// video's record, and that every generated video has some tag kinds in
// the mix.
func TestGeneratedTags(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateVideos(context.Background(), VideoOptions{N: 2, Seed: 5, Out: dir, MinDuration: 4 * time.Second, MaxDuration: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		base := filepath.Join(dir, []string{"0000", "0001"}[i])
		rec, err := ReadVideoRecord(base + ".json")
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(base + ".tags")
		if err != nil {
			t.Fatal(err)
		}
		tags, err := ParseTags(string(data))
		if err != nil {
			t.Fatal(err)
		}
		if want := rec.Tags(); !slices.Equal(tags, want) || len(tags) == 0 {
			t.Errorf("%s.tags = %v, record says %v", base, tags, want)
		}
		if string(data) != FormatTags(tags) {
			t.Errorf("%s.tags is not in canonical form: %q", base, data)
		}
	}
	// Over many planned videos every tag occurs.
	seen := map[string]int{}
	for i := range 300 {
		s, err := PlanVideo(13, i, VideoOptions{MaxDuration: 12 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range s.Tags() {
			seen[tag]++
		}
	}
	for _, tag := range AllTags() {
		if seen[tag] == 0 {
			t.Errorf("tag %q in none of 300 planned videos", tag)
		}
	}
}
