package subtitle

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReadTrackAndLabels(t *testing.T) {
	dir := t.TempDir()
	video := filepath.Join(dir, "clip.mp4")
	os.WriteFile(video, []byte("not read"), 0o644)
	if _, ok := FindTrack(video, ""); ok {
		t.Fatal("found a track before any was written")
	}
	cues := fixedCues(t)
	if _, err := WriteTracks(video, cues, TrackOptions{Formats: []string{"srt"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteTracks(video, cues[:2], TrackOptions{Formats: []string{"vtt"}, Lang: "de"}); err != nil {
		t.Fatal(err)
	}
	path, ok := FindTrack(video, "")
	if !ok || path != filepath.Join(dir, "clip.srt") {
		t.Fatalf("FindTrack: %q %v", path, ok)
	}
	if p, _ := FindTrack(video, "de"); p != filepath.Join(dir, "clip.de.vtt") {
		t.Errorf("FindTrack with lang: %q", p)
	}
	back, err := ReadTrack(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(cues) {
		t.Fatalf("%d cues back, want %d", len(back), len(cues))
	}
	for i := range cues {
		if back[i].Start != cues[i].Start || back[i].End != cues[i].End || back[i].Text != cues[i].Text() {
			t.Errorf("cue %d: %+v, want %v-%v %q", i, back[i], cues[i].Start, cues[i].End, cues[i].Text())
		}
	}
	times := []time.Duration{0, 1450 * ms, 1460 * ms, 2 * time.Second, 13 * time.Second, 20 * time.Second}
	got := LabelsAt(back, times)
	want := []string{"a red circle moves left", "", "", "a blue star appears", "a small purple triangle to the left of a large orange star and a very long tail of", ""}
	if !slices.Equal(got, want) {
		t.Errorf("LabelsAt:\n got %q\nwant %q", got, want)
	}
}

func TestReadTrackErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.srt")
	os.WriteFile(bad, []byte("1\n00:00:05,000 --> nonsense\nhello\n"), 0o644)
	for _, p := range []string{bad, filepath.Join(dir, "missing.vtt")} {
		if _, err := ReadTrack(p); err == nil || !strings.HasPrefix(err.Error(), "subtitle: ") || !strings.Contains(err.Error(), filepath.Base(p)) {
			t.Errorf("%s: %v", p, err)
		}
	}
}
