package describe

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestChaptersPath(t *testing.T) {
	for _, tc := range []struct{ video, dir, want string }{
		{"/v/clip.mp4", "", "/v/clip.chapters.vtt"},
		{"/v/clip.mp4", "/out", "/out/clip.chapters.vtt"},
		{"clip", "", "clip.chapters.vtt"},
		{"/v/a.b.mkv", "", "/v/a.b.chapters.vtt"},
	} {
		if got := ChaptersPath(tc.video, tc.dir); got != tc.want {
			t.Errorf("ChaptersPath(%q, %q) = %q, want %q", tc.video, tc.dir, got, tc.want)
		}
	}
}

// Two chapters become a WebVTT file of two cues, the titles as text;
// an existing file is kept without force and replaced with it.
func TestWriteChapters(t *testing.T) {
	chs := []Chapter{
		{Start: 0, End: 7375 * time.Millisecond, Result: Result{Text: "a red circle moves left, then a blue star appears"}},
		{Start: 7375 * time.Millisecond, End: 12 * time.Second, Result: Result{Text: "a green square disappears"}},
	}
	want := "WEBVTT\n\n1\n00:00:00.000 --> 00:00:07.375\na red circle moves left, then a blue star appears\n\n" +
		"2\n00:00:07.375 --> 00:00:12.000\na green square disappears\n"
	path := filepath.Join(t.TempDir(), "clip.chapters.vtt")
	if err := WriteChapters(path, chs, false); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("wrote %q, %v; want %q", got, err, want)
	}
	if err := WriteChapters(path, chs[:1], false); !errors.Is(err, ErrExists) {
		t.Errorf("second write without force: %v, want ErrExists", err)
	}
	if err := WriteChapters(path, chs[1:], true); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if want := "WEBVTT\n\n1\n00:00:07.375 --> 00:00:12.000\na green square disappears\n"; string(got) != want {
		t.Errorf("forced write: %q, want %q", got, want)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("%d files in the folder: a temporary file was left", len(entries))
	}
}
