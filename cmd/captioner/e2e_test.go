package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSynthProbeFrames(t *testing.T) {
	dir := t.TempDir()
	imgs, vids := filepath.Join(dir, "imgs"), filepath.Join(dir, "vids")
	if r := captioner(t, "synth", "images", "--spread=false", "--n", "3", "--seed", "5", "--out", imgs); r.code != 0 {
		t.Fatalf("synth images: code %d, stderr %q", r.code, r.stderr)
	}
	if r := captioner(t, "synth", "videos", "--n", "1", "--seed", "5", "--max-duration", "6s", "--out", vids); r.code != 0 {
		t.Fatalf("synth videos: code %d, stderr %q", r.code, r.stderr)
	}

	lines := readLines(t, filepath.Join(imgs, "captions.jsonl"))
	if len(lines) != 3 {
		t.Fatalf("captions.jsonl has %d lines, want 3", len(lines))
	}
	var first struct{ File, Caption string }
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Caption == "" {
		t.Fatalf("captions.jsonl line 1 %q: %v", lines[0], err)
	}
	img := filepath.Join(imgs, first.File)
	video := filepath.Join(vids, "0000.mp4")

	r := captioner(t, "probe", img, video)
	if r.code != 0 {
		t.Fatalf("probe: code %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, img+": image, png, 320x240") || !strings.Contains(r.stdout, video+": video, 320x240, 25 fps") {
		t.Errorf("probe printed %q", r.stdout)
	}

	r = captioner(t, "probe", "--json", video)
	var info struct {
		Kind     string
		Width    int
		Duration int64
	}
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("probe --json printed %q: %v", r.stdout, err)
	}
	var truth struct {
		Duration float64 `json:"duration"`
	}
	readJSON(t, filepath.Join(vids, "0000.json"), &truth)
	if truth.Duration < 4 || truth.Duration > 6 {
		t.Fatalf("ground truth duration %g s, want 4..6", truth.Duration)
	}

	frames := filepath.Join(dir, "frames")
	r = captioner(t, "frames", "--json", "--fps", "4", "--size", "112x84", "--out", frames, video)
	if r.code != 0 {
		t.Fatalf("frames: code %d, stderr %q", r.code, r.stderr)
	}
	recs := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if want := int(truth.Duration * 4); len(recs) < want-1 || len(recs) > want+1 {
		t.Errorf("frames at 4 fps over %.2f s: got %d, want about %d", truth.Duration, len(recs), want)
	}
	for i, line := range recs {
		var rec frameRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("frame line %d %q: %v", i, line, err)
		}
		if rec.Index != i || rec.Width != 112 || rec.Height != 84 {
			t.Errorf("frame line %d: %+v", i, rec)
		}
		if want := float64(i) / 4; rec.Time < want-0.02 || rec.Time > want+0.02 {
			t.Errorf("frame %d at %.3f s, want %.3f", i, rec.Time, want)
		}
		if st, err := os.Stat(rec.PNG); err != nil || st.Size() == 0 {
			t.Errorf("frame %d: PNG %q: %v", i, rec.PNG, err)
		}
	}
}

func TestBadInputsAreReportedAndTheRestDone(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if r := captioner(t, "synth", "images", "--spread=false", "--n", "1", "--out", good); r.code != 0 {
		t.Fatalf("synth: %q", r.stderr)
	}
	text := filepath.Join(dir, "notes.mp4")
	os.WriteFile(text, []byte("this is not a video\n"), 0o644)
	empty := filepath.Join(dir, "empty.jpg")
	os.WriteFile(empty, nil, 0o644)
	missing := filepath.Join(dir, "missing.png")
	img := filepath.Join(good, "images", "000000.png")

	r := captioner(t, "probe", text, img, empty, missing)
	if r.code != 1 {
		t.Fatalf("probe with 3 bad inputs: code %d, want 1; stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, img+": image") {
		t.Errorf("the good file was not probed: stdout %q", r.stdout)
	}
	errs := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(errs) != 4 { // one line per bad file, then the summary
		t.Fatalf("stderr has %d lines, want 4: %q", len(errs), r.stderr)
	}
	for i, f := range []string{text, empty, missing} {
		if !strings.Contains(errs[i], f) {
			t.Errorf("error line %d %q does not name %s", i, errs[i], f)
		}
	}
	if errs[3] != "captioner: 3 of 4 inputs failed" {
		t.Errorf("summary %q", errs[3])
	}
}

// An interrupted run exits 130 and leaves no half-written file behind.
func TestInterruptLeavesNoPartialFiles(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			out := t.TempDir()
			cmd := exec.Command(binary, "synth", "videos", "--n", "40", "--min-duration", "30s", "--max-duration", "60s", "--out", out)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
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
			filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
				if err == nil && strings.Contains(filepath.Base(p), ".tmp-") {
					t.Errorf("%s: temporary file left: %s", sig, p)
				}
				return nil
			})
		})
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	return lines
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
