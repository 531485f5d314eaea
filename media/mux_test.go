package media

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const muxSRT = "1\n00:00:00,500 --> 00:00:02,000\na red circle moves left\n\n2\n00:00:02,500 --> 00:00:04,000\nnothing moves\n"

type probedStream struct {
	CodecType string            `json:"codec_type"`
	CodecName string            `json:"codec_name"`
	StartTime string            `json:"start_time"`
	Tags      map[string]string `json:"tags"`
}

func probeStreams(t *testing.T, path string) []probedStream {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p struct{ Streams []probedStream }
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p.Streams
}

// firstPacket is the time of the first packet of the streams sel selects.
func firstPacket(t *testing.T, path, sel string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", sel, "-show_entries", "packet=pts_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]), 64)
	if err != nil {
		t.Fatalf("ffprobe %s: packet times %q", path, out)
	}
	return v
}

func TestMux(t *testing.T) {
	fx := getFixtures(t)
	dir := t.TempDir()
	srt := filepath.Join(dir, "clip.srt")
	os.WriteFile(srt, []byte(muxSRT), 0o644)
	vtt := filepath.Join(dir, "clip.vtt")
	os.WriteFile(vtt, []byte("WEBVTT\n\n00:00:00.500 --> 00:00:02.000\na red circle moves left\n"), 0o644)
	for _, c := range []struct {
		name, video, track, lang string
		want                     []string // codec types and names
	}{
		{"srt with audio", fx.late, srt, "en", []string{"video h264", "audio aac", "subtitle subrip"}},
		{"vtt without audio", fx.cfr, vtt, "", []string{"video h264", "subtitle webvtt"}},
	} {
		out := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".mkv")
		if err := Mux(context.Background(), c.video, c.track, out, c.lang); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		streams := probeStreams(t, out)
		var got []string
		start := map[string]float64{}
		for _, s := range streams {
			start[s.CodecType], _ = strconv.ParseFloat(s.StartTime, 64)
			got = append(got, s.CodecType+" "+s.CodecName)
			if s.CodecType == "subtitle" && c.lang != "" && s.Tags["language"] != c.lang {
				t.Errorf("%s: subtitle language %q, want %q", c.name, s.Tags["language"], c.lang)
			}
		}
		if strings.Join(got, ", ") != strings.Join(c.want, ", ") {
			t.Errorf("%s: streams %v, want %v", c.name, got, c.want)
		}
		// The first cue starts 0.5 s into the source's timeline, whose
		// video starts at srcStart: the muxer may shift the whole file (to
		// keep AAC priming samples), but the cue stays in sync with the
		// picture.
		var srcStart float64
		for _, s := range probeStreams(t, c.video) {
			if s.CodecType == "video" {
				srcStart, _ = strconv.ParseFloat(s.StartTime, 64)
			}
		}
		sub := firstPacket(t, out, "s")
		if d := (sub - start["video"]) - (0.5 - srcStart); math.Abs(d) > 0.002 {
			t.Errorf("%s: first cue at %.3f s, video at %.3f s: out of sync by %.3f s", c.name, sub, start["video"], d)
		}
		back := filepath.Join(dir, "back.srt")
		ffmpegRun(t, "-i", out, "-map", "0:s", "-c:s", "srt", back)
		if data, _ := os.ReadFile(back); !strings.Contains(string(data), "\na red circle moves left\n") {
			t.Errorf("%s: subtitle stream reads back as %q", c.name, data)
		}
		os.Remove(back)
	}
	// A track ffmpeg cannot read fails with the file named and leaves
	// nothing behind; so does a cancelled context.
	bad := filepath.Join(dir, "bad.srt")
	os.WriteFile(bad, []byte{0, 1, 2, 3, 0xff, 0xfe}, 0o644)
	out := filepath.Join(dir, "bad.mkv")
	if err := Mux(context.Background(), fx.cfr, bad, out, ""); err == nil || !strings.Contains(err.Error(), "bad.mkv") {
		t.Errorf("bad track: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Mux(ctx, fx.cfr, srt, filepath.Join(dir, "cancelled.mkv"), ""); err == nil {
		t.Error("cancelled Mux succeeded")
	}
	if err := Mux(context.Background(), filepath.Join(dir, "missing.mp4"), srt, filepath.Join(dir, "missing.mkv"), ""); err == nil {
		t.Error("missing video muxed")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.Name() == "bad.mkv" || e.Name() == "cancelled.mkv" || e.Name() == "missing.mkv" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
