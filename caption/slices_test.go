package caption

import (
	"strings"
	"testing"

	"captioner/world"
)

func TestSliceReports(t *testing.T) {
	refs := [][]string{
		{"a small red circle in the center"}, {"a large blue square at the top"},
		{"a small green star on the left"}, {"a large yellow triangle above a small red circle"},
	}
	preds := []string{"a small red circle in the center", "a large blue circle at the top", "a small green star on the left", "nonsense"}
	slices := [][]string{{"aspect=4:3", "noise=none"}, {"aspect=4:3", "noise=channel"}, {"aspect=16:9", "noise=channel"}, {"aspect=16:9", "noise=none"}}
	got := sliceReports(preds, refs, slices)
	want := map[string][2]float64{ // images, exact
		"aspect=16:9": {2, 0.5}, "aspect=4:3": {2, 0.5}, "noise=channel": {2, 0.5}, "noise=none": {2, 0.5},
	}
	if len(got) != len(want) {
		t.Fatalf("%d slices, want %d: %+v", len(got), len(want), got)
	}
	for i, s := range got {
		w, ok := want[s.Name]
		if !ok || float64(s.Images) != w[0] || s.Scene.ExactMatch != w[1] {
			t.Errorf("slice %s: %d images, exact %.2f; want %v", s.Name, s.Images, s.Scene.ExactMatch, w)
		}
		if i > 0 && got[i-1].Name >= s.Name {
			t.Errorf("slices out of order: %s before %s", got[i-1].Name, s.Name)
		}
	}
	if got[3].Name != "noise=none" || got[3].Scene.ParseFailures != 1 {
		t.Errorf("noise=none: %+v", got[3])
	}
}

func TestShapesSlices(t *testing.T) {
	for _, c := range []struct {
		rec  world.ImageRecord
		info world.SynthInfo
		want string
	}{
		{world.ImageRecord{File: "images/000001.jpg", Width: 1280, Height: 720, Background: world.Background{Noise: 3, PerChannel: true}},
			world.SynthInfo{}, "aspect=16:9 size=>960 noise=channel format=jpg"},
		{world.ImageRecord{File: "images/000002.png", Background: world.Background{Noise: 2}},
			world.SynthInfo{Width: 320, Height: 240}, "aspect=4:3 size=<=400 noise=shared format=png"},
		{world.ImageRecord{File: "images/000003.png", Width: 300, Height: 400}, world.SynthInfo{}, "aspect=portrait size=<=400 noise=none format=png"},
	} {
		got := shapesSlices(c.rec, c.info)
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("%s: %q, want %q", c.rec.File, s, c.want)
		}
	}
}
