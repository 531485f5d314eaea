package server

import "testing"

func TestDownloadName(t *testing.T) {
	for _, c := range []struct{ video, file, want string }{
		{"clip.mp4", "subtitles.vtt", "clip.vtt"},
		{"my.holiday.mov", "subtitles.srt", "my.holiday.srt"},
		{"noext", "subtitles.vtt", "noext.vtt"},
		{".mp4", "subtitles.vtt", "subtitles.vtt"},
		{`a"b.mp4`, "subtitles.vtt", "subtitles.vtt"},
		{"", "subtitles.srt", "subtitles.srt"},
	} {
		if got := downloadName(c.video, c.file); got != c.want {
			t.Errorf("downloadName(%q, %q) = %q, want %q", c.video, c.file, got, c.want)
		}
	}
}
