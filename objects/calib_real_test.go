package objects_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"captioner/internal/realmedia"
	"captioner/media"
	"captioner/objects"
	"captioner/vision"
)

// realDetectionsFile holds what the embedded detector reported on the
// hand-labelled real media at min score realMinScore: written by
// TestRecordRealDetections (CAPTIONER_MEASURE=1), read by the calibration
// tests, so that the statistics of CALIBRATION.md can be recomputed without
// the detector.
const realDetectionsFile = "testdata/realdetections.json"

// realMinScore is the lowest score recorded: below the detector's default
// (0.3), since the models read low scores too.
const realMinScore = 0.15

// Input sizes and sampling of the recorded runs: detect's defaults.
const (
	photoSize = 512
	videoSize = 416
	videoFPS  = 2
)

// handLabels is vision/testdata/realmedia/labels.json, the parts read here.
type handLabels struct {
	Photos []struct {
		File    string         `json:"file"`
		Objects map[string]int `json:"objects"`
		Main    []string       `json:"main"`
		Also    []string       `json:"also"`
		Maybe   []string       `json:"maybe"`
	} `json:"photos"`
	Videos []struct {
		File    string            `json:"file"`
		Objects map[string]string `json:"objects"`
		Spans   []json.RawMessage `json:"spans"`
	} `json:"videos"`
}

const handLabelsFile = "../vision/testdata/realmedia/labels.json"

func readHandLabels(t *testing.T) handLabels {
	t.Helper()
	data, err := os.ReadFile(handLabelsFile)
	if err != nil {
		t.Fatal(err)
	}
	var l handLabels
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// realRecord is realDetectionsFile.
type realRecord struct {
	About    string      `json:"about"`
	MinScore float64     `json:"min_score"`
	Photos   []realPhoto `json:"photos"`
	Videos   []realVideo `json:"videos"`
}

type realPhoto struct {
	File       string  `json:"file"`
	Detections []tuple `json:"detections"`
}

type realVideo struct {
	File   string      `json:"file"`
	FPS    float64     `json:"fps"`
	Frames []realFrame `json:"frames"`
}

type realFrame struct {
	Time       float64 `json:"time"`
	Detections []tuple `json:"detections"`
}

// tuple is a detection written compactly: [class, score, x0, y0, x1, y1].
type tuple objects.Detection

func (d tuple) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{d.Class, d.Score, d.Box.X0, d.Box.Y0, d.Box.X1, d.Box.Y1})
}

func (d *tuple) UnmarshalJSON(b []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	if len(a) != 6 {
		return fmt.Errorf("detection %s: want [class, score, x0, y0, x1, y1]", b)
	}
	if err := json.Unmarshal(a[0], &d.Class); err != nil {
		return err
	}
	for i, p := range []*float64{&d.Score, &d.Box.X0, &d.Box.Y0, &d.Box.X1, &d.Box.Y1} {
		if err := json.Unmarshal(a[i+1], p); err != nil {
			return err
		}
	}
	return nil
}

func dets(ts []tuple) []objects.Detection {
	out := make([]objects.Detection, len(ts))
	for i, t := range ts {
		out[i] = objects.Detection(t)
	}
	return out
}

// writeRecord writes r one photo or frame a line.
func writeRecord(path string, r realRecord) error {
	var b strings.Builder
	j := func(v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return string(data)
	}
	fmt.Fprintf(&b, "{\"about\": %s,\n \"min_score\": %s,\n \"photos\": [\n", j(r.About), j(r.MinScore))
	for i, p := range r.Photos {
		fmt.Fprintf(&b, "  {\"file\": %s, \"detections\": %s}%s\n", j(p.File), j(p.Detections), comma(i, len(r.Photos)))
	}
	b.WriteString(" ],\n \"videos\": [\n")
	for i, v := range r.Videos {
		fmt.Fprintf(&b, "  {\"file\": %s, \"fps\": %s, \"frames\": [\n", j(v.File), j(v.FPS))
		for k, f := range v.Frames {
			fmt.Fprintf(&b, "   {\"time\": %s, \"detections\": %s}%s\n", j(f.Time), j(f.Detections), comma(k, len(v.Frames)))
		}
		fmt.Fprintf(&b, "  ]}%s\n", comma(i, len(r.Videos)))
	}
	b.WriteString(" ]\n}\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func comma(i, n int) string {
	if i < n-1 {
		return ","
	}
	return ""
}

// readRecord reads realDetectionsFile.
func readRecord(t *testing.T) realRecord {
	t.Helper()
	data, err := os.ReadFile(realDetectionsFile)
	if err != nil {
		t.Fatal(err)
	}
	var r realRecord
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", realDetectionsFile, err)
	}
	return r
}

func measuring() bool { return os.Getenv("CAPTIONER_MEASURE") == "1" }

// TestRecordRealDetections runs the embedded detector on the hand-labelled
// photos (at 512x512, stretched, as captioner detect does) and on the two
// real clips (sampled at 2 fps, 416x416) at min score 0.15 and writes what
// it reports, in relative boxes, to testdata/realdetections.json.
func TestRecordRealDetections(t *testing.T) {
	if !measuring() {
		t.Skip("set CAPTIONER_MEASURE=1 to run the detector on the real media")
	}
	labels := readHandLabels(t)
	ctx := context.Background()
	spec, err := vision.DefaultDetectorSpec()
	if err != nil {
		t.Fatal(err)
	}
	rec := realRecord{
		About:    "What the embedded CenterNet reported on the hand-labelled real media (vision/testdata/realmedia/labels.json): photos at 512x512 stretched, videos sampled at 2 fps at 416x416 stretched; boxes relative to the frame. Written by TestRecordRealDetections (CAPTIONER_MEASURE=1).",
		MinScore: realMinScore,
	}
	opts := vision.DetectOptions{MinScore: realMinScore}

	spec.Input.Width, spec.Input.Height = photoSize, photoSize
	d, err := vision.NewDetector(spec, vision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range labels.Photos {
		fr, err := media.LoadImage(ctx, realmedia.Path(t, p.File), media.ImageOptions{Width: photoSize, Height: photoSize, Fit: media.Stretch})
		if err != nil {
			t.Fatal(err)
		}
		found, err := d.DetectWith(ctx, []media.Frame{fr}, opts)
		if err != nil {
			t.Fatal(err)
		}
		rec.Photos = append(rec.Photos, realPhoto{File: p.File, Detections: relative(found[0], fr.Width, fr.Height)})
	}
	d.Close()

	spec.Input.Width, spec.Input.Height = videoSize, videoSize
	d, err = vision.NewDetector(spec, vision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, v := range labels.Videos {
		s, err := media.OpenVideo(ctx, realmedia.Path(t, v.File), media.VideoOptions{FPS: videoFPS, Width: videoSize, Height: videoSize, Fit: media.Stretch})
		if err != nil {
			t.Fatal(err)
		}
		rv := realVideo{File: v.File, FPS: videoFPS}
		for {
			fr, err := s.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			found, err := d.DetectWith(ctx, []media.Frame{fr}, opts)
			if err != nil {
				t.Fatal(err)
			}
			rv.Frames = append(rv.Frames, realFrame{Time: fr.Time.Seconds(), Detections: relative(found[0], fr.Width, fr.Height)})
		}
		s.Close()
		t.Logf("%s: %d frames", v.File, len(rv.Frames))
		rec.Videos = append(rec.Videos, rv)
	}
	if err := os.MkdirAll(filepath.Dir(realDetectionsFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeRecord(realDetectionsFile, rec); err != nil {
		t.Fatal(err)
	}
}

// relative turns the detector's pixel boxes into relative ones, rounded to
// 4 decimals (scores to 3) to keep the file small.
func relative(ds []vision.Detection, w, h int) []tuple {
	r4 := func(v float32, s int) float64 { return math.Round(float64(v)/float64(s)*1e4) / 1e4 }
	out := make([]tuple, 0, len(ds))
	for _, d := range ds {
		out = append(out, tuple{
			Object: objects.Object{Class: d.Class, Box: objects.Box{X0: r4(d.Box.X0, w), Y0: r4(d.Box.Y0, h), X1: r4(d.Box.X1, w), Y1: r4(d.Box.Y1, h)}},
			Score:  math.Round(float64(d.Score)*1e3) / 1e3,
		})
	}
	return out
}
