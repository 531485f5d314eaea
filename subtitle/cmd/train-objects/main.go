// Command train-objects is the recipe of the objects labeller
// (scripts/train-default-objects-subtitle.sh runs it): it trains on
// generated videos, scores the labeller and the per-frame baseline on
// generated test videos from a seed training never saw and on the
// hand-labelled real clips (vtest.avi, cockatoo.mp4, through the embedded
// detector), and installs the labeller into a bundle folder.
//
//	go run ./subtitle/cmd/train-objects --work DIR --install models/default
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"captioner/internal/realmedia"
	"captioner/objects"
	"captioner/subtitle"
	"captioner/vision"
)

func main() {
	work := flag.String("work", "", "folder for checkpoints and the report (required)")
	install := flag.String("install", "", "bundle folder to install the labeller into (e.g. models/default)")
	dataSeed := flag.Uint64("data-seed", 5001, "generator seed of the training and validation videos")
	testSeed := flag.Uint64("test-seed", 6006, "generator seed of the test videos")
	trainN := flag.Int("train", 3000, "training videos")
	valN := flag.Int("val", 150, "validation videos")
	testN := flag.Int("test", 200, "test videos")
	seed := flag.Uint64("seed", 1, "training seed")
	epochs := flag.Int("epochs", 20, "epochs")
	hidden := flag.Int("hidden", 64, "LSTM units a direction")
	window := flag.Int("window", 32, "steps a window")
	minSD := flag.Float64("min-sd", 0.1, "least standard deviation a feature is scaled by")
	lr := flag.Float64("lr", 2e-3, "learning rate")
	dropout := flag.Float64("dropout", 0.1, "dropout on the inputs")
	inputs := flag.String("inputs", "features,change", "input parts (subtitle.ParseInputs)")
	rescore := flag.String("rescore", "", "a work folder of an earlier run: keep its weights, choose decoding and limits on the validation videos again and rescore")
	perClass := flag.Bool("per-class", false, "train a per-class labeller (one network shared by every class)")
	batch := flag.Int("batch", 16, "windows a training step")
	labels := flag.String("labels", "vision/testdata/realmedia/labels.json", "hand labels of the real clips")
	flag.Parse()
	if *work == "" {
		log.Fatal("--work is required")
	}
	parts, err := subtitle.ParseInputs(*inputs)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *work, *install, *labels, *dataSeed, *testSeed, *trainN, *valN, *testN, *seed, *epochs, *hidden, *window, *minSD, *lr, *dropout, parts, *perClass, *batch, *rescore); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, work, install, labelsFile string, dataSeed, testSeed uint64, trainN, valN, testN int, seed uint64, epochs, hidden, window int, minSD, lr, dropout float64, inputs []string, perClass bool, batch int, rescore string) error {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	spec, err := vision.DefaultDetectorSpec()
	if err != nil {
		return err
	}
	classes := spec.Detector.Labels
	var weights []byte
	var entry *subtitle.ObjectsEntry
	if rescore != "" {
		weights, entry, err = rescored(ctx, rescore, dataSeed, trainN, valN)
	} else {
		weights, entry, err = subtitle.TrainObjects(ctx, subtitle.ObjectsTrainOptions{
			Classes: classes, DataSeed: dataSeed, TrainVideos: trainN, ValVideos: valN,
			Seed: seed, Epochs: epochs, Patience: epochs, Batch: batch, PerClass: perClass, LR: lr, MinSD: minSD, Out: filepath.Join(work, "checkpoints"),
			Config: subtitle.Config{Hidden: hidden, Layers: 1, Bidirectional: true, Window: window, Dropout: dropout, Inputs: inputs},
			Log:    func(f string, a ...any) { log.Printf(f, a...) },
		})
	}
	if err != nil {
		return err
	}
	m, err := subtitle.LoadModel(weights, "trained")
	if err != nil {
		return err
	}
	l := &subtitle.ObjectsLabeller{Model: m, Entry: entry}

	// Generated test videos from a seed training never saw.
	test, err := subtitle.GenerateObjects(ctx, objects.NewGenerator(testSeed, objects.SynthOptions{}), 0, testN)
	if err != nil {
		return err
	}
	rep, err := l.Evaluate(ctx, test)
	if err != nil {
		return err
	}
	entry.Scores["test"] = map[string]any{"data": fmt.Sprintf("objects.NewGenerator(%d, defaults): videos 0-%d", testSeed, testN-1), "report": rep}
	log.Printf("test: labeller step %.4f F1 %.4f presence %.4f, %.1f changes/min; baseline step %.4f F1 %.4f, %.1f changes/min",
		rep.Labeller.Track.StepAccuracy, rep.Labeller.Track.F1, rep.Labeller.Presence.F1, rep.Labeller.CueChangesPerMinute,
		rep.Baseline.Track.StepAccuracy, rep.Baseline.Track.F1, rep.Baseline.CueChangesPerMinute)

	// The real clips, through the embedded detector.
	real, err := realClips(ctx, l, spec, labelsFile)
	if err != nil {
		return err
	}
	entry.Scores["real"] = real
	out, err := json.MarshalIndent(entry, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, "entry.json"), out, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, subtitle.ObjectsWeights), weights, 0o644); err != nil {
		return err
	}
	if install != "" {
		if err := subtitle.InstallObjects(install, weights, *entry); err != nil {
			return err
		}
		log.Printf("installed into %s", install)
	}
	return nil
}

// rescored reads an earlier run's weights and entry from dir and chooses
// its decoding, presence and limits again on the same validation videos
// (videos trainN.. of the data seed).
func rescored(ctx context.Context, dir string, dataSeed uint64, trainN, valN int) ([]byte, *subtitle.ObjectsEntry, error) {
	weights, err := os.ReadFile(filepath.Join(dir, subtitle.ObjectsWeights))
	if err != nil {
		return nil, nil, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "entry.json"))
	if err != nil {
		return nil, nil, err
	}
	var e subtitle.ObjectsEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", dir, err)
	}
	m, err := subtitle.LoadModel(weights, dir)
	if err != nil {
		return nil, nil, err
	}
	val, err := subtitle.GenerateObjects(ctx, objects.NewGenerator(dataSeed, objects.SynthOptions{}), trainN, valN)
	if err != nil {
		return nil, nil, err
	}
	e.Scores = nil
	e.Training["rescored"] = "decoding, presence and limits chosen again on the validation videos (train-objects --rescore)"
	if err := subtitle.ChooseObjects(ctx, m, &e, val, func(f string, a ...any) { log.Printf(f, a...) }); err != nil {
		return nil, nil, err
	}
	return weights, &e, nil
}

// handClip is a clip of the hand labels: its file, its length and its
// objects (class -> description; "(also" marks one present but small,
// partial or ambiguous).
type handClip struct {
	File     string            `json:"file"`
	Duration float64           `json:"duration_s"`
	Objects  map[string]string `json:"objects"`
}

// RealPresence reads a clip's true presence from its hand labels: every
// labelled class is in view in every second (so it is in both clips), and
// the classes labelled "also" are left out of the predictions instead.
func RealPresence(c handClip, d time.Duration) (truth objects.Presence, ignore []string) {
	var main []string
	for _, class := range objects.Classes() {
		desc, ok := c.Objects[class]
		switch {
		case !ok:
		case strings.Contains(desc, "(also"):
			ignore = append(ignore, class)
		default:
			main = append(main, class)
		}
	}
	n := int((d + time.Second - 1) / time.Second)
	for range n {
		truth = append(truth, main)
	}
	return truth, ignore
}

func realClips(ctx context.Context, l *subtitle.ObjectsLabeller, spec vision.Spec, labelsFile string) (map[string]any, error) {
	raw, err := os.ReadFile(labelsFile)
	if err != nil {
		return nil, err
	}
	var hl struct {
		Videos []handClip `json:"videos"`
	}
	if err := json.Unmarshal(raw, &hl); err != nil {
		return nil, err
	}
	dir, err := realmedia.Dir()
	if err != nil {
		return nil, err
	}
	spec.Input.Width, spec.Input.Height = l.Entry.Featurizer.Input, l.Entry.Featurizer.Input
	det, err := vision.NewDetector(spec, vision.Options{})
	if err != nil {
		return nil, err
	}
	defer det.Close()
	l.Detector = subtitle.VisionDetector{Detector: det, MinScore: l.Entry.Featurizer.Floor}
	l.Baseline = true
	out := map[string]any{}
	var lab, base objects.PresenceScorer
	for _, c := range hl.Videos {
		path := filepath.Join(dir, c.File)
		start := time.Now()
		tr, err := l.Label(ctx, path)
		if err != nil {
			return nil, err
		}
		log.Printf("%s: %d steps labelled in %s, %d cues", c.File, tr.Steps, time.Since(start).Round(time.Second), len(tr.Cues))
		for _, cue := range tr.Cues {
			log.Printf("  %6.2f-%6.2f %.2f %s", cue.Start.Seconds(), cue.End.Seconds(), cue.Confidence, cue.Text())
		}
		truth, ign := RealPresence(c, tr.Info.Duration)
		out[c.File] = clipReport(tr, truth, ign)
		lab.Add(drop(tr.Presence, ign), truth)
		base.Add(drop(tr.BaselinePresence, ign), truth)
	}
	out["presence_both"] = map[string]any{"labeller": lab.Report(), "baseline": base.Report()}
	log.Printf("real clips: presence F1 labeller %.3f, baseline %.3f", lab.Report().F1, base.Report().F1)
	return out, nil
}

// clipReport scores one real clip's track and baseline.
func clipReport(tr *subtitle.ObjectsTrack, truth objects.Presence, ign []string) map[string]any {
	score := func(cues []subtitle.Cue, pres objects.Presence) map[string]any {
		p := objects.ScorePresence(drop(pres, ign), truth)
		shortest := 0.0
		for i, c := range cues {
			if d := (c.End - c.Start).Seconds(); i == 0 || d < shortest {
				shortest = d
			}
		}
		return map[string]any{"presence": p, "cues": len(cues), "cue_changes_per_minute": float64(subtitle.CueChanges(cues)) / tr.Info.Duration.Minutes(), "shortest_cue_s": shortest}
	}
	return map[string]any{"seconds": tr.Info.Duration.Seconds(), "ignored": ign, "labeller": score(tr.Cues, tr.Presence), "baseline": score(tr.Baseline, tr.BaselinePresence), "confidence": tr.Confidence, "unsure": tr.Unsure}
}

func drop(p objects.Presence, ign []string) objects.Presence {
	out := make(objects.Presence, len(p))
	for s, cs := range p {
		out[s] = []string{}
		for _, c := range cs {
			keep := true
			for _, i := range ign {
				keep = keep && c != i
			}
			if keep {
				out[s] = append(out[s], c)
			}
		}
	}
	return out
}
