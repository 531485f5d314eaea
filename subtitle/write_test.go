package subtitle

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asticode/go-astisub"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixedCues is the input of the golden files: touching segments of a
// Shapes-world track built with the default rules.
func fixedCues(t *testing.T) []Cue {
	t.Helper()
	segs := []Segment{
		{0, 1500 * ms, 1, 0.93}, {1500 * ms, 3250 * ms, 2, 0.81}, {3250 * ms, 12000 * ms, 0, 0.99}, {12000 * ms, 14000 * ms, 4, 0.42},
	}
	cues, err := BuildCues(segs, labelText, 14000*ms, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return cues
}

func TestGoldenTracks(t *testing.T) {
	dir := t.TempDir()
	video := filepath.Join(dir, "clip.mp4")
	paths, err := WriteTracks(video, fixedCues(t), TrackOptions{Formats: []string{"vtt", "srt"}, Notes: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "golden"+filepath.Ext(p))
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./subtitle -run Golden -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", p, golden, got, want)
		}
		// Idempotent: the same cues give the same bytes again.
		again, err := WriteTracks(video, fixedCues(t), TrackOptions{Formats: []string{strings.TrimPrefix(filepath.Ext(p), ".")}, Notes: true, Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(again[0]); !bytes.Equal(b, got) {
			t.Errorf("%s: writing the same cues twice gave different bytes", p)
		}
	}
}

func TestTrackPathsAndOverwrite(t *testing.T) {
	dir := t.TempDir()
	video := filepath.Join(dir, "my clip.v2.mp4")
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	for _, tc := range []struct {
		o    TrackOptions
		want []string
	}{
		{TrackOptions{}, []string{filepath.Join(dir, "my clip.v2.vtt"), filepath.Join(dir, "my clip.v2.srt")}},
		{TrackOptions{Lang: "en", Formats: []string{"vtt"}}, []string{filepath.Join(dir, "my clip.v2.en.vtt")}},
		{TrackOptions{OutDir: out, Formats: []string{"ttml", "ssa", "stl"}}, []string{filepath.Join(out, "my clip.v2.ttml"), filepath.Join(out, "my clip.v2.ssa"), filepath.Join(out, "my clip.v2.stl")}},
	} {
		got, err := WriteTracks(video, fixedCues(t), tc.o)
		if err != nil {
			t.Fatalf("%+v: %v", tc.o, err)
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%+v: wrote %q, want %q", tc.o, got, tc.want)
		}
		for _, p := range got {
			if st, err := os.Stat(p); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", p, err)
			}
		}
	}
	// An existing track is kept without Force, and nothing else is written.
	os.Remove(filepath.Join(dir, "my clip.v2.srt"))
	before, _ := os.ReadFile(filepath.Join(dir, "my clip.v2.vtt"))
	_, err := WriteTracks(video, fixedCues(t)[:1], TrackOptions{})
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "my clip.v2.vtt") {
		t.Errorf("overwrite without force: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "my clip.v2.srt")); err == nil {
		t.Error("a refused write still wrote the srt track")
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "my clip.v2.vtt")); !bytes.Equal(before, after) {
		t.Error("the existing track changed")
	}
	if _, err := WriteTracks(video, fixedCues(t)[:1], TrackOptions{Force: true}); err != nil {
		t.Errorf("with force: %v", err)
	}
	if _, err := ParseFormats("vtt,srt,docx"); err == nil || !strings.Contains(err.Error(), `"docx"`) {
		t.Errorf("ParseFormats: %v", err)
	}
	if fs, err := ParseFormats(" WebVTT,srt,vtt"); err != nil || strings.Join(fs, ",") != "vtt,srt" {
		t.Errorf("ParseFormats: %v %v", fs, err)
	}
}

func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	full := append([]string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y"}, args...)
	if out, err := exec.Command("ffmpeg", full...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// sameCues compares cues with what a reader got back, to the millisecond.
func sameCues(t *testing.T, name string, cues []Cue, s *astisub.Subtitles) {
	t.Helper()
	if len(s.Items) != len(cues) {
		t.Fatalf("%s: %d cues back, want %d", name, len(s.Items), len(cues))
	}
	for i, it := range s.Items {
		c := cues[i]
		var lines []string
		for _, l := range it.Lines {
			// go-astisub's reader turns the blank line that ends ffmpeg's
			// files into an empty last line; players show nothing for it.
			if s := l.String(); s != "" {
				lines = append(lines, s)
			}
		}
		if d := it.StartAt - c.Start; d < -ms || d > ms {
			t.Errorf("%s: cue %d starts at %v, want %v", name, i, it.StartAt, c.Start)
		}
		if d := it.EndAt - c.End; d < -ms || d > ms {
			t.Errorf("%s: cue %d ends at %v, want %v", name, i, it.EndAt, c.End)
		}
		if strings.Join(lines, "|") != strings.Join(c.Lines, "|") {
			t.Errorf("%s: cue %d reads %q, want %q", name, i, lines, c.Lines)
		}
	}
}

// Real consumers accept the tracks: ffmpeg converts them and muxes them into
// MKV and MP4 as subtitle streams, and the cues come back the same.
func TestFFmpegReadsTracks(t *testing.T) {
	dir := t.TempDir()
	video := filepath.Join(dir, "clip.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "color=c=gray:size=64x48:rate=25:duration=14", "-c:v", "libx264", "-preset", "ultrafast", video)
	cues := fixedCues(t)
	if _, err := WriteTracks(video, cues, TrackOptions{Notes: true}); err != nil {
		t.Fatal(err)
	}
	vtt, srt := filepath.Join(dir, "clip.vtt"), filepath.Join(dir, "clip.srt")

	back := filepath.Join(dir, "back.srt")
	ffmpeg(t, "-i", vtt, "-c:s", "srt", back)
	s, err := astisub.OpenFile(back)
	if err != nil {
		t.Fatal(err)
	}
	sameCues(t, "vtt -> ffmpeg -> srt", cues, s)

	backVTT := filepath.Join(dir, "back.vtt")
	ffmpeg(t, "-i", srt, "-c:s", "webvtt", backVTT)
	if s, err = astisub.OpenFile(backVTT); err != nil {
		t.Fatal(err)
	}
	sameCues(t, "srt -> ffmpeg -> vtt", cues, s)

	for _, mux := range []struct{ out, codec, track, probed string }{
		{"muxed.mkv", "srt", srt, "subrip"}, {"muxed.mp4", "mov_text", srt, "mov_text"}, {"muxed-vtt.mkv", "webvtt", vtt, "webvtt"},
	} {
		out := filepath.Join(dir, mux.out)
		ffmpeg(t, "-i", video, "-i", mux.track, "-map", "0:v", "-map", "1:s", "-c:v", "copy", "-c:s", mux.codec, out)
		probe, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "s", "-show_entries", "stream=codec_name", "-of", "csv=p=0", out).Output()
		if err != nil || strings.TrimSpace(string(probe)) != mux.probed {
			t.Errorf("%s: subtitle stream %q (%v), want %s", mux.out, probe, err, mux.probed)
			continue
		}
		extracted := filepath.Join(dir, mux.out+".srt")
		ffmpeg(t, "-i", out, "-map", "0:s", "-c:s", "srt", extracted)
		if s, err = astisub.OpenFile(extracted); err != nil {
			t.Fatal(err)
		}
		sameCues(t, mux.out, cues, s)
	}
}
