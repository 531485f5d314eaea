package subtitle

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"captioner/media"
	"captioner/models"
	"captioner/vision"
)

// A folder a user labelled by hand: videos of any size in subfolders, SRT
// tracks beside them with labels of their own (not the Shapes world's),
// and one video without a track. Training learns it (one output per label),
// the bundle keeps the base's captioner, and the trained labeller writes
// tracks that match the truth.
func TestTrainOnUserLabelledFolder(t *testing.T) {
	dir := t.TempDir()
	colours := [][2]string{{"red", "blue"}, {"blue", "green"}, {"green", "red"}, {"red", "green"}, {"blue", "red"}, {"green", "blue"}}
	for i, c := range colours {
		sub := filepath.Join(dir, fmt.Sprintf("take%d", i%2))
		os.MkdirAll(sub, 0o755)
		video := filepath.Join(sub, fmt.Sprintf("clip %d.mp4", i))
		// Two colours, 2 s each (3 s for the first in odd clips).
		first := 2 + float64(i%2)
		ffmpeg(t, "-f", "lavfi", "-i", fmt.Sprintf("color=c=%s:size=96x64:rate=25:duration=%g", c[0], first),
			"-f", "lavfi", "-i", fmt.Sprintf("color=c=%s:size=96x64:rate=25:duration=2", c[1]),
			"-filter_complex", "[0][1]concat=n=2:v=1", "-pix_fmt", "yuv420p", video)
		srt := fmt.Sprintf("1\n00:00:00,000 --> 00:00:0%d,000\nThe screen is %s.\n\n2\n00:00:0%d,000 --> 00:00:0%d,000\nThe screen is %s.\n",
			int(first), strings.ToUpper(c[0]), int(first), int(first)+2, c[1])
		os.WriteFile(strings.TrimSuffix(video, ".mp4")+".srt", []byte(srt), 0o644)
	}
	ffmpeg(t, "-f", "lavfi", "-i", "color=c=white:size=96x64:rate=25:duration=1", "-pix_fmt", "yuv420p", filepath.Join(dir, "unlabelled.mp4"))

	ctx := context.Background()
	data, err := OpenData(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Examples) != 6 || len(data.Unlabelled) != 1 || data.Source != nil {
		t.Fatalf("data: %d examples, unlabelled %v, source %v", len(data.Examples), data.Unlabelled, data.Source)
	}
	ex, err := vision.NewDefault(vision.Options{BatchSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	s := &Sampler{Extractor: ex, Width: 224, Height: 224, Fit: media.Stretch, Grids: []Grid{{0, 96, 3}, {864, 32, 3}}}
	out := filepath.Join(t.TempDir(), "bundle")
	var lines []string
	res, err := Train(ctx, TrainOptions{
		Data: data, Sampler: s, Out: out, Base: models.Default(), BaseName: "embedded default",
		Seed: 3, Epochs: 40, Patience: 40, Batch: 4, LR: 1e-2, ValVideos: 2,
		// Colour is in the features themselves, not in their change.
		Config: Config{Hidden: 16, Window: 16, Inputs: []string{InputFeatures}},
		Log:    func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	m, e, err := LoadBundle(os.DirFS(out), out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Factored || strings.Join(m.Labels, "|") != "the screen is blue.|the screen is green.|the screen is red." {
		t.Errorf("labels %q, factored %v", m.Labels, m.Config.Factored)
	}
	if fmt.Sprint(e.Training["training_videos"]) != "4" || e.Scores["validation"] == nil {
		t.Errorf("entry %+v", e)
	}
	t.Logf("best epoch %d of %d: step %.3f F1 %.3f; log:\n%s", res.BestEpoch, res.Epochs, res.Report.StepAccuracy, res.Report.F1, strings.Join(lines, "\n"))
	if res.Report.StepAccuracy < 0.9 {
		t.Errorf("validation step accuracy %.3f, want at least 0.9", res.Report.StepAccuracy)
	}
	// The trained labeller on a training video: two cues, the right texts,
	// the boundary within a step of 3 s.
	l := &Labeller{Model: m, Entry: e, Sampler: s, Cue: DefaultOptions()}
	tr, err := l.Label(ctx, data.Examples[3].Video) // take1/clip 1: blue for 3 s, then green
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Cues) != 2 || tr.Cues[0].Text() != "the screen is blue." || tr.Cues[1].Text() != "the screen is green." ||
		absDur(tr.Cues[0].End-3*time.Second) > 300*time.Millisecond || tr.Cues[1].End != tr.Info.Duration.Truncate(time.Millisecond) {
		t.Errorf("%s: cues %+v (video %v)", data.Examples[3].Video, tr.Cues, tr.Info.Duration)
	}
}

func absDur(d time.Duration) time.Duration { return max(d, -d) }
