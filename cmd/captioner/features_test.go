package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"captioner/media"
	"captioner/vision"
)

func TestFeatures(t *testing.T) {
	dir := t.TempDir()
	imgs, vids := filepath.Join(dir, "imgs"), filepath.Join(dir, "vids")
	if r := captioner(t, "synth", "images", "--spread=false", "--n", "2", "--seed", "9", "--out", imgs); r.code != 0 {
		t.Fatalf("synth images: code %d, stderr %q", r.code, r.stderr)
	}
	if r := captioner(t, "synth", "videos", "--n", "1", "--seed", "9", "--min-duration", "4s", "--max-duration", "5s", "--out", vids); r.code != 0 {
		t.Fatalf("synth videos: code %d, stderr %q", r.code, r.stderr)
	}
	var first struct{ File string }
	if err := json.Unmarshal([]byte(readLines(t, filepath.Join(imgs, "captions.jsonl"))[0]), &first); err != nil {
		t.Fatal(err)
	}
	img, video := filepath.Join(imgs, first.File), filepath.Join(vids, "0000.mp4")
	var truth struct {
		Duration float64 `json:"duration"`
	}
	readJSON(t, filepath.Join(vids, "0000.json"), &truth)
	missing := filepath.Join(dir, "missing.png")

	r := captioner(t, "features", "--json", "--fps", "4", img, missing, video)
	if r.code != 1 || !strings.Contains(r.stderr, missing) || strings.Count(r.stderr, missing) != 1 || !strings.Contains(r.stderr, "1 of 3 inputs failed") {
		t.Errorf("one missing input: code %d (want 1), stderr %q (want one line naming %s and a summary)", r.code, r.stderr, missing)
	}
	var recs []featuresRecord
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var rec featuresRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %.80q: %v", line, err)
		}
		recs = append(recs, rec)
	}
	wantFrames := 1 + int(math.Ceil(truth.Duration*4-1e-9))
	if len(recs) < wantFrames-1 || len(recs) > wantFrames+1 {
		t.Fatalf("%d records for an image and a %.2f s video at 4 fps, want about %d", len(recs), truth.Duration, wantFrames)
	}
	for i, rec := range recs {
		if rec.Dim != 7488 || len(rec.Features) != 7488 {
			t.Fatalf("record %d: dim %d with %d values, want 7488", i, rec.Dim, len(rec.Features))
		}
		if i == 0 {
			if rec.File != img || rec.Time != 0 {
				t.Errorf("record 0: %s at %g s, want %s at 0", rec.File, rec.Time, img)
			}
			continue
		}
		if rec.File != video || rec.Index != i-1 || math.Abs(rec.Time-float64(i-1)*0.25) > 0.02 {
			t.Errorf("record %d: %s frame %d at %.3f s, want %s frame %d at %.2f s", i, rec.File, rec.Index, rec.Time, video, i-1, float64(i-1)*0.25)
		}
	}

	// The image's vector is the library's, for the same frame.
	e, err := vision.NewDefault(vision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	fr, err := media.LoadImage(context.Background(), img, media.ImageOptions{Width: 224, Height: 224})
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Features(context.Background(), []media.Frame{fr})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want[0] {
		if math.Abs(float64(v-recs[0].Features[k])) > 1e-5 {
			t.Fatalf("value %d: command printed %g, library gives %g", k, recs[0].Features[k], v)
		}
	}

	// Text output: one line per frame, FILE INDEX TIME and the values.
	r = captioner(t, "features", img)
	fields := strings.Fields(r.stdout)
	if r.code != 0 || len(fields) != 3+7488 || fields[0] != img || fields[1] != "0" {
		t.Fatalf("text output: code %d, %d fields, stderr %q", r.code, len(fields), r.stderr)
	}
	if v, err := strconv.ParseFloat(fields[3], 64); err != nil || math.Abs(v-float64(want[0][0])) > 1e-4*math.Max(1, math.Abs(v)) {
		t.Errorf("text output: first value %q, want %g", fields[3], want[0][0])
	}
}

func TestFeaturesModelSpec(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join("..", "..", "vision", "testdata", "reference", "shapes1.png")
	spec := filepath.Join(dir, "spec.json")
	model := filepath.Join(dir, "net.onnx")
	os.WriteFile(spec, []byte(`{"format": "onnx", "model": "net.onnx",
	 "input": {"width": 224, "height": 224, "channels": "rgb", "scale": 0.00392156862745098},
	 "outputs": [{"layer": "block_12_add", "pool": "global"}]}`), 0o644)

	r := captioner(t, "features", "--model", spec, img)
	if r.code != 1 || !strings.Contains(r.stderr, model) || !strings.HasPrefix(r.stderr, "captioner: vision: ") {
		t.Errorf("missing model file: code %d, stderr %q, want an error naming %s", r.code, r.stderr, model)
	}
	def, err := vision.DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(model, def.ModelData, 0o644)
	r = captioner(t, "features", "--json", "--model", spec, img)
	var rec featuresRecord
	if err := json.Unmarshal([]byte(r.stdout), &rec); r.code != 0 || err != nil || rec.Dim != 96 {
		t.Errorf("user spec: code %d, dim %d, stderr %q, %v", r.code, rec.Dim, r.stderr, err)
	}
	os.WriteFile(spec, []byte(`{"format": "onnx"`), 0o644)
	r = captioner(t, "features", "--model", spec, img)
	if r.code == 0 || !strings.Contains(r.stderr, spec) {
		t.Errorf("bad spec: code %d, stderr %q, want an error naming %s", r.code, r.stderr, spec)
	}
	if r := captioner(t, "features", "--fps", "0", img); r.code != 2 {
		t.Errorf("--fps 0: code %d, want 2", r.code)
	}
}
