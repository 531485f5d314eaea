// Command train-objects-caption is the objects captioner's recipe
// (objects/objcaption/CHOICES.md; scripts/train-default-objects-caption.sh): it trains the one-to-many LSTM on
// generated photos, scores it on generated test photos of another seed and
// on the hand-labelled real photos (with the detector's own captions
// beside it), records the scores in the bundle's manifest, and with
// --install copies the model into a bundle folder (models/default).
//
//	go run ./objects/cmd/train-objects-caption --out /tmp/objcap --install models/default
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"os"
	"os/signal"
	"time"

	"captioner/caption"
	"captioner/internal/realmedia"
	"captioner/objects"
	"captioner/objects/objcaption"
	"captioner/vision"
)

func main() {
	var o objcaption.TrainOptions
	flag.StringVar(&o.Out, "out", "", "the model bundle folder to write")
	flag.IntVar(&o.N, "n", 40000, "generated training photos")
	flag.IntVar(&o.ValN, "val-n", 1000, "generated validation photos")
	flag.Uint64Var(&o.TrainSeed, "train-seed", 101, "generator seed of the training photos")
	flag.Uint64Var(&o.ValSeed, "val-seed", 202, "generator seed of the validation photos")
	flag.Uint64Var(&o.Seed, "seed", 1, "the model's initialisation and shuffling")
	flag.IntVar(&o.Config.Embed, "embed", 128, "word embedding size")
	flag.IntVar(&o.Config.Hidden, "hidden", 256, "LSTM hidden size")
	flag.StringVar(&o.Config.Condition, "condition", "state", "how the vector enters the LSTM: input, state or mlp")
	flag.Float64Var(&o.Config.Dropout, "dropout", 0.1, "dropout on the input vector")
	flag.IntVar(&o.Epochs, "epochs", 12, "at most this many epochs")
	flag.IntVar(&o.Patience, "patience", 3, "stop after this many epochs without a better validation score")
	flag.IntVar(&o.Batch, "batch", 64, "captions a step")
	flag.Float64Var(&o.LR, "lr", 2e-3, "Adam's learning rate (cosine-decayed)")
	testSeed := flag.Uint64("test-seed", 303, "generator seed of the test photos")
	testN := flag.Int("test-n", 2000, "generated test photos")
	labels := flag.String("labels", "vision/testdata/realmedia/labels.json", "hand labels of the real photos")
	install := flag.String("install", "", "a bundle folder to copy the trained model into (models/default)")
	scoreOnly := flag.Bool("score-only", false, "score (and install) the model already in --out instead of training one")
	flag.Parse()
	if o.Out == "" {
		log.Fatal("train-objects-caption: --out is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, *scoreOnly, *testSeed, *testN, *labels, *install); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, o objcaption.TrainOptions, scoreOnly bool, testSeed uint64, testN int, labels, install string) error {
	o.Config.MaxLen = 16
	start := time.Now()
	o.Log = func(format string, a ...any) { log.Printf(format, a...) }
	if !scoreOnly {
		res, err := objcaption.Train(ctx, o)
		if err != nil {
			return err
		}
		log.Printf("trained in %s: best validation %s %.4f at epoch %d of %d", time.Since(start).Round(time.Second), res.Metric, res.Best, res.BestEpoch, res.Epochs)
	}
	c, err := objcaption.Load(os.DirFS(o.Out), o.Out, objcaption.DefaultOptions())
	if err != nil {
		return err
	}
	opts := objcaption.DefaultOptions()
	opts.Ungrounded = true
	ungrounded, err := objcaption.Load(os.DirFS(o.Out), o.Out, opts)
	if err != nil {
		return err
	}
	test, err := c.ScoreGenerated(ctx, testSeed, testN, objects.SynthOptions{})
	if err != nil {
		return err
	}
	log.Printf("generated test (seed %d, %d photos): %s", testSeed, testN, mustJSON(test))
	if err := caption.RecordPartScores(o.Out, objcaption.Part, "test", test, map[string]any{"seed": testSeed, "n": testN, "beam": caption.DefaultDecodeOptions().Beam}); err != nil {
		return err
	}
	utest, err := ungrounded.ScoreGenerated(ctx, testSeed, testN, objects.SynthOptions{})
	if err != nil {
		return err
	}
	log.Printf("generated test, ungrounded: %s", mustJSON(utest))
	if err := caption.RecordPartScores(o.Out, objcaption.Part, "test_ungrounded", utest, map[string]any{"seed": testSeed, "n": testN, "beam": caption.DefaultDecodeOptions().Beam}); err != nil {
		return err
	}
	if dir, err := realmedia.Dir(); err != nil {
		log.Printf("no real photos scored: %v", err)
	} else {
		photos, err := objcaption.ReadLabels(labels)
		if err != nil {
			return err
		}
		det, err := vision.NewDefaultDetector(vision.Options{})
		if err != nil {
			return err
		}
		defer det.Close()
		real, err := c.ScoreReal(ctx, det, dir, photos)
		if err != nil {
			return err
		}
		for _, rc := range real.Captions {
			log.Printf("%-16s model: %-45q (score %.2f, confident %v)  detector: %q", rc.File, rc.Model.Caption, rc.Model.Score, rc.Model.Confident, rc.Detector)
		}
		log.Printf("real photos: model %s", mustJSON(real.Model))
		ureal, err := ungrounded.ScoreReal(ctx, det, dir, photos)
		if err != nil {
			return err
		}
		log.Printf("real photos: model, ungrounded %s", mustJSON(ureal.Model))
		real.Ungrounded = &ureal.Model
		log.Printf("real photos: detector at %.1f %s", real.DetectorScore, mustJSON(real.Detector))
		real.Captions = nil
		if err := caption.RecordPartScores(o.Out, objcaption.Part, "real_photos", real, map[string]any{"labels": labels, "detector_input": c.InputSize(), "min_score": c.Featurizer().Floor()}); err != nil {
			return err
		}
	}
	if install != "" {
		if err := objcaption.Install(o.Out, install); err != nil {
			return err
		}
		log.Printf("installed into %s", install)
	}
	return nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
