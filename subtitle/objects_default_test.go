package subtitle

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"captioner/internal/realmedia"
	"captioner/models"
	"captioner/objects"
	"captioner/vision"
)

// defaultObjects loads the embedded objects labeller, or skips when the
// bundle has none yet.
func defaultObjects(t *testing.T) (*Model, *ObjectsEntry) {
	t.Helper()
	m, e, err := LoadObjectsBundle(models.Default(), "default")
	if errors.Is(err, ErrNoObjectsLabeller) {
		t.Skip("the embedded bundle has no objects labeller")
	}
	if err != nil {
		t.Fatal(err)
	}
	return m, e
}

// recorded reads a score the recipe recorded in the entry.
func recorded(t *testing.T, e *ObjectsEntry, set string, v any) {
	t.Helper()
	raw, err := json.Marshal(e.Scores[set])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("scores[%s]: %v", set, err)
	}
}

// The embedded labeller still scores, on the recipe's generated test
// videos (seed 6006), what its manifest says: the labeller and the
// per-frame baseline, exactly (labelling is deterministic).
func TestDefaultObjectsLabellerScores(t *testing.T) {
	if testing.Short() {
		t.Skip("labels 200 generated videos")
	}
	m, e := defaultObjects(t)
	var want struct{ Report ObjectsReport }
	recorded(t, e, "test", &want)
	videos, err := GenerateObjects(context.Background(), objects.NewGenerator(6006, objects.SynthOptions{}), 0, want.Report.Videos)
	if err != nil {
		t.Fatal(err)
	}
	got, err := (&ObjectsLabeller{Model: m, Entry: e}).Evaluate(context.Background(), videos)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"labeller step accuracy", got.Labeller.Track.StepAccuracy, want.Report.Labeller.Track.StepAccuracy},
		{"labeller boundary F1", got.Labeller.Track.F1, want.Report.Labeller.Track.F1},
		{"labeller presence F1", got.Labeller.Presence.F1, want.Report.Labeller.Presence.F1},
		{"baseline step accuracy", got.Baseline.Track.StepAccuracy, want.Report.Baseline.Track.StepAccuracy},
		{"labeller cue changes a minute", got.Labeller.CueChangesPerMinute, want.Report.Labeller.CueChangesPerMinute},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s: %.6f, the manifest says %.6f", c.name, c.got, c.want)
		}
	}
	if got.Labeller.ShortestCue < 1-1e-9 {
		t.Errorf("a cue of %.3f s", got.Labeller.ShortestCue)
	}
}

// vtest.avi through the embedded detector and labeller: people in view
// all along and named in the cues, presence F1, cue count and cue changes
// as the recipe recorded them (the detector runs in OpenCV, whose float
// sums may differ a little between machines: within a tolerance), no cue
// under 1 s, and progress reported batch by batch.
func TestDefaultObjectsLabellerVtest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the detector on a 79 s clip")
	}
	path := realmedia.Path(t, "vtest.avi")
	m, e := defaultObjects(t)
	var want struct {
		Labeller struct {
			Presence            objects.PresenceReport `json:"presence"`
			Cues                int                    `json:"cues"`
			CueChangesPerMinute float64                `json:"cue_changes_per_minute"`
		} `json:"labeller"`
	}
	var real map[string]json.RawMessage
	recorded(t, e, "real", &real)
	if err := json.Unmarshal(real["vtest.avi"], &want); err != nil {
		t.Fatal(err)
	}
	spec, err := vision.DefaultDetectorSpec()
	if err != nil {
		t.Fatal(err)
	}
	spec.Input.Width, spec.Input.Height = e.Featurizer.Input, e.Featurizer.Input
	det, err := vision.NewDetector(spec, vision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	l := &ObjectsLabeller{Model: m, Entry: e, Detector: VisionDetector{Detector: det, MinScore: e.Featurizer.Floor}}
	var done []time.Duration
	var total time.Duration
	tr, err := l.LabelProgress(context.Background(), path, func(d, tot time.Duration) { done, total = append(done, d), tot })
	if err != nil {
		t.Fatal(err)
	}
	// Progress from 0 to the whole clip, in order, once a batch of 8.
	if len(done) != 1+(159+7)/8 || done[0] != 0 || done[len(done)-1] != total || total != tr.Info.Duration {
		t.Errorf("progress %v of %v", done, total)
	}
	for i := 1; i < len(done); i++ {
		if done[i] < done[i-1] {
			t.Errorf("progress went back: %v", done)
		}
	}
	if tr.Steps != 159 || len(tr.Presence) != 80 {
		t.Fatalf("%d steps, %d seconds of presence", tr.Steps, len(tr.Presence))
	}
	truth := make(objects.Presence, len(tr.Presence))
	for s := range truth {
		truth[s] = []string{"person"}
	}
	p := objects.ScorePresence(without(tr.Presence, []string{"car", "truck"}), truth)
	if p.Recall < 1 || math.Abs(p.F1-want.Labeller.Presence.F1) > 0.05 {
		t.Errorf("presence F1 %.3f (precision %.3f, recall %.3f), recorded %.3f", p.F1, p.Precision, p.Recall, want.Labeller.Presence.F1)
	}
	people := false
	for _, c := range tr.Cues {
		if c.End-c.Start < time.Second {
			t.Errorf("cue %v-%v %q is under 1 s", c.Start, c.End, c.Text())
		}
		people = people || strings.Contains(c.Text(), "person") || strings.Contains(c.Text(), "people")
	}
	if !people {
		t.Error("no cue speaks of the people in the street")
	}
	changes := float64(CueChanges(tr.Cues)) / tr.Info.Duration.Minutes()
	if d := len(tr.Cues) - want.Labeller.Cues; d < -3 || d > 3 || math.Abs(changes-want.Labeller.CueChangesPerMinute) > 3 {
		t.Errorf("%d cues, %.1f changes a minute; recorded %d, %.1f", len(tr.Cues), changes, want.Labeller.Cues, want.Labeller.CueChangesPerMinute)
	}
}
