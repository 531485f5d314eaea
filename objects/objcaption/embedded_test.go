package objcaption

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"captioner/internal/realmedia"
	"captioner/models"
	"captioner/objects"
	"captioner/vision"
)

// recorded returns the report the embedded model's manifest entry records
// under scores[name].report.
func recorded[T any](t *testing.T, c *Captioner, name string) T {
	t.Helper()
	rec, ok := c.Entry().Scores[name].(map[string]any)
	if !ok {
		t.Fatalf("the manifest records no %q scores", name)
	}
	data, _ := json.Marshal(rec["report"])
	var r T
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func loadEmbedded(t *testing.T) *Captioner {
	t.Helper()
	c, err := Load(models.Default(), "embedded default bundle", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// close says whether two captions reports agree to within tol on the
// fractions and exactly on what was counted.
func closeReports(a, b objects.CaptionReport, tol float64) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= tol }
	return a.Captions == b.Captions && near(a.ExactMatch, b.ExactMatch) && near(a.Precision, b.Precision) &&
		near(a.Recall, b.Recall) && near(a.CountAccuracy, b.CountAccuracy)
}

// The embedded objects captioner scores on generated test photos what its
// manifest says (scores.test: seed 303, 2,000 photos).
func TestEmbeddedOnGeneratedPhotos(t *testing.T) {
	c := loadEmbedded(t)
	want := recorded[objects.CaptionReport](t, c, "test")
	got, err := c.ScoreGenerated(context.Background(), 303, want.Captions, objects.SynthOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated test photos: %+v", got)
	if !closeReports(got, want, 0.005) {
		t.Errorf("generated test photos: %+v\nthe manifest says %+v", got, want)
	}
}

// On the 27 hand-labelled real photos, with the real detector at 512 and
// 0.15, the embedded captioner and the detector's own captions score what
// the manifest says (scores.real_photos).
func TestEmbeddedOnRealPhotos(t *testing.T) {
	photos, err := ReadLabels("../../vision/testdata/realmedia/labels.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(realmedia.Path(t, photos[0].File))
	c := loadEmbedded(t)
	want := recorded[RealReport](t, c, "real_photos")
	det, err := vision.NewDefaultDetector(vision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	got, err := c.ScoreReal(context.Background(), det, dir, photos)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range got.Captions {
		t.Logf("%-24s %-45q confident %-5v detector: %q", rc.File, rc.Model.Caption, rc.Model.Confident, rc.Detector)
	}
	t.Logf("model: %+v\ndetector at %.1f: %+v", got.Model, got.DetectorScore, got.Detector)
	if got.Photos != 27 || !closeReports(got.Model, want.Model, 0.02) || !closeReports(got.Detector, want.Detector, 0.02) {
		t.Errorf("real photos: model %+v, detector %+v\nthe manifest says %+v and %+v", got.Model, got.Detector, want.Model, want.Detector)
	}
}
