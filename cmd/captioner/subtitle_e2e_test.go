package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"captioner/subtitle"
)

var tinyLabeller struct {
	once       sync.Once
	data, dir  string
	err        string
	trainedOut string
}

// tinyLabellerBundle trains a labeller for seconds on six short generated
// videos, once per test binary, and returns its bundle and the data.
func tinyLabellerBundle(t *testing.T) (model, data string) {
	t.Helper()
	tl := &tinyLabeller
	tl.once.Do(func() {
		dir, err := os.MkdirTemp("", "captioner-labeller-")
		if err != nil {
			tl.err = err.Error()
			return
		}
		tl.dir = dir
		tl.data = filepath.Join(dir, "data")
		if r := captioner(t, "synth", "videos", "--n", "6", "--seed", "7", "--min-duration", "4s", "--max-duration", "6s", "--size", "160x120", "--out", tl.data); r.code != 0 {
			tl.err = "synth: " + r.stderr
			return
		}
		r := captioner(t, "train", "subtitle", "--data", tl.data, "--out", filepath.Join(dir, "model"), "--cache", filepath.Join(dir, "cache"),
			"--epochs", "2", "--hidden", "16", "--window", "16", "--val-videos", "2")
		if r.code != 0 {
			tl.err = "train subtitle: " + r.stderr
			return
		}
		tl.trainedOut = r.stdout
	})
	if tl.err != "" {
		t.Fatal(tl.err)
	}
	return filepath.Join(tl.dir, "model"), tl.data
}

func TestTrainEvalSubtitle(t *testing.T) {
	model, data := tinyLabellerBundle(t)
	if !strings.Contains(tinyLabeller.trainedOut, "trained "+model) {
		t.Errorf("train subtitle printed %q", tinyLabeller.trainedOut)
	}
	var man struct {
		Caption  json.RawMessage
		Subtitle subtitle.Entry
		Files    map[string]any
	}
	readJSON(t, filepath.Join(model, "manifest.json"), &man)
	e := man.Subtitle
	if e.Weights != "subtitle.safetensors" || !e.Config.Factored || len(e.Labels) != 145 || e.Config.FPS != 4 || e.Config.Hidden != 16 {
		t.Errorf("manifest subtitle entry: %+v", e)
	}
	// By default the labeller reads the finest grids of the embedded CNN:
	// its 7x7 maps of block_12_add and Conv1_relu, after the 1,216 values
	// the captioner reads.
	if got, want := fmt.Sprint(e.Config.Grids), "[{1216 96 7} {5920 32 7}]"; got != want || e.Config.FeatureDim != 7488 {
		t.Errorf("labeller reads grids %s of %d values, want %s of 7488", got, e.Config.FeatureDim, want)
	}
	if e.Training["training_videos"] != 4.0 || e.Training["validation_videos"] != 2.0 || e.Scores["validation"] == nil {
		t.Errorf("manifest training record: %v, scores %v", e.Training, e.Scores)
	}
	if man.Caption == nil || man.Files["subtitle.safetensors"] == nil || man.Files["caption.safetensors"] == nil {
		t.Error("the bundle lost the base's caption model or lists no labeller weights")
	}

	r := captioner(t, "eval", "subtitle", "--model", model, "--data", data, "--cache", filepath.Join(tinyLabeller.dir, "cache"), "--json", "--record", "test")
	if r.code != 0 {
		t.Fatalf("eval subtitle: code %d, stderr %q", r.code, r.stderr)
	}
	var rep subtitle.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("eval --json printed %q: %v", r.stdout, err)
	}
	if rep.Videos != 6 || rep.Steps < 6*4*4 || rep.StepAccuracy < 0 || rep.StepAccuracy > 1 || rep.TrueBoundaries == 0 {
		t.Errorf("eval report %+v", rep)
	}
	if rep.Split != "all" || rep.Total != 6 {
		t.Errorf("data without a test part: scored split %q of %d videos, want all of 6", rep.Split, rep.Total)
	}
	// A set made of parts: the test part is scored by default, and said to be.
	parts := t.TempDir()
	for i, part := range []string{"train", "train", "train", "train", "test", "test"} {
		for _, ext := range []string{".mp4", ".vtt"} {
			copyFile(t, filepath.Join(data, fmtIndex(i)+ext), filepath.Join(parts, part, fmtIndex(i)+ext))
		}
	}
	cache := filepath.Join(tinyLabeller.dir, "cache")
	r = captioner(t, "eval", "subtitle", "--model", model, "--data", parts, "--cache", cache)
	if want := "split           test: 2 of 2 videos ("; r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("eval subtitle on parts: code %d, stdout %q, stderr %q; want it to start %q", r.code, r.stdout, r.stderr, want)
	}
	for _, c := range []struct {
		split string
		n     int
	}{{"all", 6}, {"train", 4}} {
		r = captioner(t, "eval", "subtitle", "--model", model, "--data", parts, "--cache", cache, "--split", c.split, "--json")
		var rep subtitle.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Split != c.split || rep.Videos != c.n || rep.Total != c.n {
			t.Errorf("eval --split %s: %v, %+v; want %d videos", c.split, err, rep, c.n)
		}
	}
	if r := captioner(t, "eval", "subtitle", "--model", model, "--data", parts, "--split", "val"); r.code != 1 || !strings.Contains(r.stderr, `no videos in split "val"`) {
		t.Errorf("eval --split val on data without one: code %d, stderr %q", r.code, r.stderr)
	}
	// Training on the parts leaves the test part out.
	r = captioner(t, "train", "subtitle", "--data", parts, "--out", t.TempDir(), "--cache", cache,
		"--epochs", "1", "--hidden", "8", "--window", "16", "--val-videos", "1")
	if r.code != 0 || !strings.Contains(r.stderr, "3 training videos, 1 validation videos") {
		t.Errorf("train subtitle on parts: code %d, stderr %q; want 3 training and 1 validation video", r.code, r.stderr)
	}
	readJSON(t, filepath.Join(model, "manifest.json"), &man)
	if man.Subtitle.Scores["test"] == nil {
		t.Error("--record test stored nothing")
	}
	// Resuming a finished run trains no further and writes the bundle again.
	r = captioner(t, "train", "subtitle", "--data", data, "--out", model, "--cache", filepath.Join(tinyLabeller.dir, "cache"),
		"--epochs", "2", "--hidden", "16", "--window", "16", "--val-videos", "2", "--resume")
	if r.code != 0 || !strings.Contains(r.stderr, "resuming after epoch 2") {
		t.Errorf("--resume: code %d, stderr %q", r.code, r.stderr)
	}
	// Grids the CNN does not have are a usage error that names the ones it has.
	r = captioner(t, "train", "subtitle", "--data", data, "--out", t.TempDir(), "--cache", filepath.Join(tinyLabeller.dir, "cache"), "--grids", "5")
	if r.code != 2 || !strings.Contains(r.stderr, "--grids [5]: the CNN's spatial maps have sides [3 7]") {
		t.Errorf("--grids 5: code %d, stderr %q", r.code, r.stderr)
	}
	// A folder without labelled videos is refused with its name.
	empty := t.TempDir()
	if r := captioner(t, "train", "subtitle", "--data", empty, "--out", filepath.Join(empty, "m")); r.code != 1 || !strings.Contains(r.stderr, empty) {
		t.Errorf("empty data: code %d, stderr %q", r.code, r.stderr)
	}
}

// checkTrack reads a written track and checks the cue rules.
func checkTrack(t *testing.T, path string, duration time.Duration) []subtitle.Cue {
	t.Helper()
	cues, err := subtitle.ReadTrack(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cues) == 0 {
		t.Fatalf("%s: no cues", path)
	}
	var out []subtitle.Cue
	for i, c := range cues {
		if c.Start < 0 || c.End <= c.Start || c.End > duration+time.Millisecond || (i > 0 && c.Start < cues[i-1].End) || c.Text == "" {
			t.Errorf("%s: cue %d %v-%v %q breaks the rules (video %v)", path, i, c.Start, c.End, c.Text, duration)
		}
		out = append(out, subtitle.Cue{Start: c.Start, End: c.End, Lines: []string{c.Text}})
	}
	return out
}

func TestSubtitleCommand(t *testing.T) {
	model, data := tinyLabellerBundle(t)
	dir := t.TempDir()
	video := filepath.Join(dir, "clip one.mp4") // a name with a space
	src, _ := os.ReadFile(filepath.Join(data, "0000.mp4"))
	os.WriteFile(video, src, 0o644)
	var truth struct {
		Duration float64 `json:"duration"`
	}
	readJSON(t, filepath.Join(data, "0000.json"), &truth)
	dur := time.Duration(truth.Duration * float64(time.Second))

	r := captioner(t, "subtitle", "--model", model, video)
	if r.code != 0 {
		t.Fatalf("subtitle: code %d, stderr %q", r.code, r.stderr)
	}
	vtt, srt := filepath.Join(dir, "clip one.vtt"), filepath.Join(dir, "clip one.srt")
	if !strings.HasPrefix(r.stdout, video+": ") || !strings.Contains(r.stdout, vtt+", "+srt) {
		t.Errorf("subtitle printed %q", r.stdout)
	}
	a, b := checkTrack(t, vtt, dur), checkTrack(t, srt, dur)
	if len(a) != len(b) {
		t.Errorf("vtt has %d cues, srt %d", len(a), len(b))
	}
	if raw, _ := os.ReadFile(vtt); !strings.Contains(string(raw), "NOTE confidence ") {
		t.Error("the WebVTT track carries no confidence notes")
	}
	before, _ := os.ReadFile(srt)

	// An existing track is kept without --force, and the video is not
	// even decoded; with --force it is written again.
	r = captioner(t, "subtitle", "--model", model, video)
	if r.code != 1 || !strings.Contains(r.stderr, "exists (use --force") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 1 {
		t.Errorf("second run: code %d, stderr %q", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(srt); string(after) != string(before) {
		t.Error("an existing track changed without --force")
	}
	if r = captioner(t, "subtitle", "--model", model, "--force", video); r.code != 0 {
		t.Errorf("--force: code %d, stderr %q", r.code, r.stderr)
	}

	// --json, --lang, --out, --format, --mux.
	out := t.TempDir()
	r = captioner(t, "subtitle", "--model", model, "--json", "--lang", "en", "--out", out, "--format", "vtt,ttml", "--mux", video)
	if r.code != 0 {
		t.Fatalf("subtitle --json: code %d, stderr %q", r.code, r.stderr)
	}
	var rec subtitleRecord
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil {
		t.Fatalf("--json printed %q: %v", r.stdout, err)
	}
	wantTracks := []string{filepath.Join(out, "clip one.en.vtt"), filepath.Join(out, "clip one.en.ttml")}
	if rec.File != video || strings.Join(rec.Tracks, "|") != strings.Join(wantTracks, "|") || rec.Muxed != filepath.Join(out, "clip one.en.subtitled.mkv") ||
		len(rec.Cues) == 0 || rec.Steps < int(truth.Duration*4)-1 || rec.FPS != 4 {
		t.Errorf("--json record %+v", rec)
	}
	for _, c := range rec.Cues {
		if c.Confidence <= 0 || c.Confidence > 1 || c.End <= c.Start || c.Text == "" {
			t.Errorf("cue %+v", c)
		}
	}
	for _, p := range append(wantTracks, rec.Muxed) {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	// TTML alone cannot be muxed (ffmpeg does not read it): said before any work.
	if r := captioner(t, "subtitle", "--model", model, "--format", "ttml", "--mux", "--out", t.TempDir(), video); r.code != 2 || !strings.Contains(r.stderr, "--mux needs") {
		t.Errorf("--format ttml --mux: code %d, stderr %q", r.code, r.stderr)
	}
	probe, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type:stream_tags=language", "-of", "csv=p=0", rec.Muxed).Output()
	if err != nil || !strings.Contains(string(probe), "subtitle,en") {
		t.Errorf("muxed file streams %q: %v", probe, err)
	}
}

func TestSubtitleBadInputs(t *testing.T) {
	model, data := tinyLabellerBundle(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.mp4")
	src, _ := os.ReadFile(filepath.Join(data, "0001.mp4"))
	os.WriteFile(good, src, 0o644)
	text := filepath.Join(dir, "notes.mp4")
	os.WriteFile(text, []byte("not a video at all\n"), 0o644)
	trunc := filepath.Join(dir, "cut.mp4")
	os.WriteFile(trunc, src[:len(src)/3], 0o644)
	img := filepath.Join(dir, "still.png")
	if r := captioner(t, "synth", "images", "--spread=false", "--n", "1", "--out", filepath.Join(dir, "imgs")); r.code != 0 {
		t.Fatal(r.stderr)
	}
	os.Rename(filepath.Join(dir, "imgs", "images", "000000.png"), img)
	missing := filepath.Join(dir, "missing.mp4")

	r := captioner(t, "subtitle", "--model", model, text, trunc, img, missing, good)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	for _, want := range []string{text, trunc, img, missing} {
		found := false
		for _, l := range lines {
			found = found || strings.Contains(l, want)
		}
		if !found {
			t.Errorf("no error line names %s: %q", want, r.stderr)
		}
	}
	if len(lines) != 5 { // four files, then the summary
		t.Errorf("stderr has %d lines, want 5: %q", len(lines), r.stderr)
	}
	if !strings.Contains(r.stdout, good+": ") {
		t.Errorf("the good video was not done: %q", r.stdout)
	}
	for _, bad := range []string{text, trunc, img, missing} {
		stem := strings.TrimSuffix(bad, filepath.Ext(bad))
		for _, ext := range []string{".vtt", ".srt"} {
			if _, err := os.Stat(stem + ext); err == nil {
				t.Errorf("a track was written for %s", bad)
			}
		}
	}
	// A bundle without a labeller is refused with one line.
	capOnly := t.TempDir()
	if r := captioner(t, "subtitle", "--model", capOnly, good); r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("bundle without labeller: code %d, stderr %q", r.code, r.stderr)
	}
}

// Ctrl-C (or SIGTERM) while a long video is being labelled stops within
// seconds, exit 130, and leaves no track and no temporary file.
func TestSubtitleInterrupt(t *testing.T) {
	model, _ := tinyLabellerBundle(t)
	dir := t.TempDir()
	long := filepath.Join(dir, "long.mp4")
	ff := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=300",
		"-c:v", "libx264", "-preset", "ultrafast", long)
	if out, err := ff.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd := exec.Command(binary, "subtitle", "--model", model, "--force", long)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		sent := time.Now()
		cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%s: still running 10 s after the signal", sig)
		}
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("%s: exit %d, want 130", sig, code)
		}
		t.Logf("%s: stopped %v after the signal", sig, time.Since(sent).Round(time.Millisecond))
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != "long.mp4" {
				t.Errorf("%s: left behind %s", sig, e.Name())
			}
		}
	}
}
