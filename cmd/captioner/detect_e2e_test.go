package main

import (
	"encoding/json"
	"image"
	_ "image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"captioner/internal/realmedia"
)

// decodeDetectRecords parses detect --json output, one record per line.
func decodeDetectRecords(t *testing.T, out string) []detectRecord {
	t.Helper()
	var recs []detectRecord
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r detectRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("detect --json line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	return recs
}

// checkBoxes requires every box of rec to lie inside the file's pixels.
func checkBoxes(t *testing.T, rec detectRecord) {
	t.Helper()
	for _, o := range rec.Objects {
		b := o.Box
		if b[0] < 0 || b[1] < 0 || b[2] > float64(rec.Width) || b[3] > float64(rec.Height) || b[0] >= b[2] || b[1] >= b[3] {
			t.Errorf("%s: %s box %v outside %dx%d or empty", rec.File, o.Class, b, rec.Width, rec.Height)
		}
		if o.Score < 0.3 || o.Score > 1 {
			t.Errorf("%s: %s score %g outside [0.3, 1]", rec.File, o.Class, o.Score)
		}
	}
}

func classes(rec detectRecord) map[string]int {
	n := map[string]int{}
	for _, o := range rec.Objects {
		n[o.Class]++
	}
	return n
}

// TestDetectRealPhoto runs detect on darknet's dog.jpg (a dog, a bicycle and
// a truck, by looking): text, JSON and drawn output.
func TestDetectRealPhoto(t *testing.T) {
	dog := realmedia.Path(t, "dog.jpg")
	r := captioner(t, "detect", dog)
	if r.code != 0 {
		t.Fatalf("detect: code %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{dog + ": dog ", dog + ": bicycle "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("detect printed %q, want a line starting %q", r.stdout, want)
		}
	}

	draw := filepath.Join(t.TempDir(), "drawn")
	r = captioner(t, "detect", "--json", "--draw", draw, dog)
	if r.code != 0 {
		t.Fatalf("detect --json --draw: code %d, stderr %q", r.code, r.stderr)
	}
	recs := decodeDetectRecords(t, r.stdout)
	if len(recs) != 1 {
		t.Fatalf("detect --json printed %d records, want 1", len(recs))
	}
	rec := recs[0]
	if rec.Width != 768 || rec.Height != 576 || rec.Index != nil || rec.Time != nil {
		t.Errorf("record %+v: want 768x576 and no frame index or time", rec)
	}
	checkBoxes(t, rec)
	if n := classes(rec); n["dog"] != 1 || n["bicycle"] != 1 {
		t.Errorf("found %v, want one dog and one bicycle", n)
	}
	// The dog sits in the lower left quarter of the photo.
	for _, o := range rec.Objects {
		if o.Class == "dog" && (o.Box[0] > 200 || o.Box[2] > 400 || o.Box[3] < 450) {
			t.Errorf("dog box %v, want it in the lower left (x1 < 400, y1 > 450)", o.Box)
		}
	}
	if want := filepath.Join(draw, "dog.jpg.jpg"); rec.Drawn != want {
		t.Fatalf("drawn %q, want %q", rec.Drawn, want)
	}
	f, err := os.Open(rec.Drawn)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "jpeg" || cfg.Width != 768 || cfg.Height != 576 {
		t.Errorf("drawn file: %s %dx%d, %v; want a 768x576 jpeg", format, cfg.Width, cfg.Height, err)
	}

	// A higher bar keeps fewer objects; --max keeps the best.
	r = captioner(t, "detect", "--json", "--min-score", "0.45", "--max", "1", dog)
	recs = decodeDetectRecords(t, r.stdout)
	if r.code != 0 || len(recs) != 1 || len(recs[0].Objects) != 1 || recs[0].Objects[0].Score < 0.45 {
		t.Errorf("--min-score 0.45 --max 1: code %d, %+v", r.code, recs)
	}
}

// TestDetectRealVideo runs detect on four seconds of opencv-doc's vtest.avi
// (pedestrians, 768x576): each sampled frame gets its time and people, with
// boxes in the video's pixels although the detector sees 416x416 frames.
func TestDetectRealVideo(t *testing.T) {
	src := realmedia.Path(t, "vtest.avi")
	clip := filepath.Join(t.TempDir(), "street.mkv")
	cut := exec.Command("ffmpeg", "-loglevel", "error", "-i", src, "-t", "4", "-c", "copy", clip)
	if out, err := cut.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	r := captioner(t, "detect", "--json", "--fps", "1", clip)
	if r.code != 0 {
		t.Fatalf("detect: code %d, stderr %q", r.code, r.stderr)
	}
	recs := decodeDetectRecords(t, r.stdout)
	if len(recs) != 4 {
		t.Fatalf("4 s at 1 fps: %d records, want 4", len(recs))
	}
	for i, rec := range recs {
		if rec.Index == nil || *rec.Index != i || rec.Time == nil || *rec.Time < float64(i) || *rec.Time > float64(i)+1 {
			t.Errorf("frame %d: index %v time %v", i, rec.Index, rec.Time)
		}
		if rec.Width != 768 || rec.Height != 576 {
			t.Errorf("frame %d: %dx%d, want the video's 768x576", i, rec.Width, rec.Height)
		}
		checkBoxes(t, rec)
		if n := classes(rec)["person"]; n < 3 {
			t.Errorf("frame %d: %d people, want at least 3 (the street has 5 to 7)", i, n)
		}
	}
	text := captioner(t, "detect", "--fps", "1", clip)
	if !strings.Contains(text.stdout, clip+" 00:00:01.000: person ") {
		t.Errorf("detect text output %q: want lines like %q", text.stdout, clip+" 00:00:01.000: person")
	}
}

// TestDetectBadInput: each bad file gets one line naming it, the good one
// is still done, and the exit status is 1; bad flags are usage errors.
func TestDetectBadInput(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake.jpg")
	os.WriteFile(fake, []byte("not a picture at all"), 0o644)
	missing := filepath.Join(dir, "missing.png")
	dog := realmedia.Path(t, "dog.jpg")
	r := captioner(t, "detect", fake, missing, dog)
	if r.code != 1 {
		t.Errorf("code %d, want 1", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], fake) || !strings.Contains(lines[1], missing) || !strings.Contains(lines[2], "2 of 3 inputs failed") {
		t.Errorf("stderr %q: want one line naming each bad file, then the count", r.stderr)
	}
	if !strings.Contains(r.stdout, dog+": dog ") {
		t.Errorf("stdout %q: the good file was not done", r.stdout)
	}
	for _, args := range [][]string{
		{"detect", "--min-score", "2", dog},
		{"detect", "--image-size", "100", dog},
		{"detect", "--fps", "0", dog},
		{"detect"},
	} {
		if r := captioner(t, args...); r.code != 2 {
			t.Errorf("%v: code %d, want 2 (stderr %q)", args, r.code, r.stderr)
		}
	}
	spec := filepath.Join(dir, "cnn.json")
	os.WriteFile(spec, []byte(`{"format":"onnx","model":"x.onnx","input":{"width":8,"height":8,"channels":"rgb"},"outputs":[{"layer":"a"}]}`), 0o644)
	r = captioner(t, "detect", "--model", spec, dog)
	if r.code == 0 || !strings.Contains(r.stderr, spec) || !strings.Contains(r.stderr, "detector") {
		t.Errorf("--model with a CNN spec: code %d, stderr %q: want an error naming the spec and the missing detector", r.code, r.stderr)
	}
}
