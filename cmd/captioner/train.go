package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"captioner/caption"
	"captioner/engine"
	"captioner/vision"
)

func newTrainCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "train <caption|subtitle|tag> --data DIR --out DIR",
		Short: "Train a model on a dataset",
		Args:  noArgs,
	}
	cmd.AddCommand(newTrainCaptionCommand(g), newTrainSubtitleCommand(g), newTrainTagCommand(g))
	cmd.AddCommand(newTrainDescribeCommand(g))
	return cmd
}

type trainCaptionFlags struct {
	data, out, base, cache string
	features               int
	o                      caption.TrainOptions
}

func newTrainCaptionCommand(g *globals) *cobra.Command {
	var f trainCaptionFlags
	cmd := &cobra.Command{
		Use:   "caption --data DIR --out DIR",
		Short: "Train a captioner (one-to-many LSTM) on captioned images",
		Long: `train caption fits a Show-and-Tell captioner to a dataset and writes a model
bundle (--out) that --model accepts: the CNN of the base bundle, the trained
weights and a manifest with the data, seed, sizes, epochs and validation
scores. --data is a folder in one of these layouts:

  Shapes world   captions.jsonl (captioner synth images)
  COCO           annotations/captions_<split>2014.json, images in <split>2014/
  Flickr8k/30k   Flickr8k.token.txt (or results_20130124.token) and split files
  Karpathy       dataset_coco.json / dataset_flickr8k.json with images below

CNN features are computed once and cached (--cache). A checkpoint is written
after every epoch; --resume continues an interrupted run. Training stops early
when the validation score has not improved for --patience epochs.

--features N keeps only the CNN's leading outputs that add up to N values;
by default, as many as the base bundle's captioner reads (all of them when
it has none). The embedded CNN's vector has 7,488: the 1,216 the embedded
captioner reads, then the 7x7 grids the subtitle labeller reads.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.data == "" || f.out == "" {
				return usagef("--data and --out are required")
			}
			return runTrainCaption(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "dataset folder (required)")
	fl.StringVar(&f.out, "out", "", "model bundle folder to write (required)")
	fl.StringVar(&f.base, "model", "", "bundle whose CNN computes the features (default: the embedded one)")
	fl.StringVar(&f.cache, "cache", "", `feature cache folder ("" for the user cache, "off" for none)`)
	fl.IntVar(&f.features, "features", 0, "read only the CNN's leading outputs that add up to this many values (default: as many as the base bundle's captioner reads)")
	fl.Uint64Var(&f.o.Seed, "seed", 1, "random seed")
	fl.IntVar(&f.o.Epochs, "epochs", 30, "most passes over the data")
	fl.IntVar(&f.o.Batch, "batch", 64, "captions per step")
	fl.Float64Var(&f.o.LR, "lr", 2e-3, "learning rate (Adam, cosine decay)")
	fl.IntVar(&f.o.Config.Embed, "embed", 256, "word embedding size")
	fl.IntVar(&f.o.Config.Hidden, "hidden", 512, "LSTM hidden size")
	fl.IntVar(&f.o.Config.MaxLen, "max-len", 20, "longest caption, in words")
	fl.Float64Var(&f.o.Config.Dropout, "dropout", 0.2, "dropout on the image features")
	fl.StringVar(&f.o.Config.Condition, "condition", "state", `how the image enters the LSTM: "state" (sets the initial state), "mlp" (sets it through a hidden layer of 512) or "input" (is the first input)`)
	fl.IntVar(&f.o.Config.Inject, "inject", 0, `with "state" or "mlp": the width of an image code the LSTM also reads at every step, after the word (0: none)`)
	fl.IntVar(&f.o.MinCount, "min-count", 0, "words seen fewer times become <unk> (0: 5, or 1 for the Shapes world)")
	fl.IntVar(&f.o.Patience, "patience", 4, "epochs without improvement before stopping")
	fl.IntVar(&f.o.ValImages, "val-images", 500, "validation images scored after each epoch")
	fl.BoolVar(&f.o.Resume, "resume", false, "continue from the checkpoint in --out")
	return cmd
}

func runTrainCaption(cmd *cobra.Command, g *globals, f trainCaptionFlags) error {
	ctx := cmd.Context()
	data, err := caption.Open(f.data)
	if err != nil {
		return err
	}
	if missing := data.MissingImages(3); len(missing) > 0 {
		return fmt.Errorf("%s: image %s (and maybe others) is missing", f.data, missing[0])
	}
	b, err := engine.OpenBundle(f.base)
	if err != nil {
		return err
	}
	if f.features == 0 {
		if m, _, err := b.Captioner(); err == nil {
			f.features = m.Config.FeatureDim
		}
	}
	src, ex, err := b.FeatureSource(f.cache, vision.Options{BatchSize: 16, Dim: f.features})
	if err != nil {
		return err
	}
	defer ex.Close()
	start := time.Now()
	p := newProgress(g.stderr, "features", len(data.Examples))
	o := f.o
	o.Data, o.Out, o.Base, o.BaseName = data, f.out, b.FS, b.Name
	o.Features = src
	o.Progress = p.update
	o.Log = func(format string, a ...any) {
		p.finish()
		fmt.Fprintf(g.stderr, "train: "+format+"\n", a...)
	}
	res, err := caption.Train(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "trained %s in %s: best validation %s %.4f at epoch %d of %d\n",
		f.out, time.Since(start).Round(time.Second), res.Metric, res.Best, res.BestEpoch, res.Epochs)
	return nil
}
