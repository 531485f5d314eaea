package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	descr "captioner/describe"
	"captioner/engine"
	"captioner/vision"
)

type trainDescribeFlags struct {
	data, out, base, cache, inputs string
	videos                         int
	o                              descr.TrainOptions
}

func newTrainDescribeCommand(g *globals) *cobra.Command {
	var f trainDescribeFlags
	cmd := &cobra.Command{
		Use:   "describe --data DIR --out DIR",
		Short: "Train a describer (encoder-decoder LSTM) on labelled videos",
		Long: `train describe fits the encoder-decoder that says what happens in a clip in
one sentence (docs/DESCRIBE.md), and writes a model bundle (--out) that
--model accepts: every file of the base bundle (its CNN and Shapes labeller,
which the describer reads) and the describer, with a manifest entry holding
the data, seed, sizes, epochs and validation scores.

--data is a folder of Shapes-world videos with their label tracks, as train
subtitle reads ("captioner synth videos" writes one); a test/ part is left
out, and the last tenth of the rest (at most 100) validate. Each epoch
trains on windows of every video drawn afresh: the whole video when it has
at most three events, and spans of one to three consecutive events or of a
still stretch, cut where chapters are cut at run time, a step either way.

--inputs says what the encoder reads at each step: "labels" (the Shapes
labeller's distribution over its labels) and any part train subtitle knows
(motion, moving, present, change, features), computed from the CNN's
features. Features are read through the cache (--cache).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.data == "" || f.out == "" {
				return usagef("--data and --out are required")
			}
			if f.videos < 0 {
				return usagef("--videos must not be negative")
			}
			inputs, err := descr.ParseInputs(f.inputs)
			if err != nil {
				return usageError{err}
			}
			f.o.Config.Inputs = inputs
			return runTrainDescribe(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "folder of videos with label tracks (required)")
	fl.StringVar(&f.out, "out", "", "model bundle folder to write (required)")
	fl.StringVar(&f.base, "model", "", "bundle whose CNN and labeller the describer reads (default: the embedded one)")
	fl.StringVar(&f.cache, "cache", "", `feature cache folder ("" for the user cache, "off" for none)`)
	fl.StringVar(&f.inputs, "inputs", descr.InputLabels, "what the encoder reads at each step: labels, motion, moving, present, change, features")
	fl.Uint64Var(&f.o.Seed, "seed", 1, "random seed")
	fl.IntVar(&f.o.Epochs, "epochs", 12, "most passes over the data")
	fl.IntVar(&f.o.Batch, "batch", 32, "windows per step")
	fl.Float64Var(&f.o.LR, "lr", 3e-3, "learning rate (Adam, cosine decay)")
	fl.IntVar(&f.o.Windows, "windows", 8, "windows of each video an epoch trains on")
	fl.IntVar(&f.o.Config.Hidden, "hidden", 128, "LSTM units (encoder and decoder)")
	fl.IntVar(&f.o.Config.Embed, "embed", 32, "word embedding size")
	fl.Float64Var(&f.o.Config.Dropout, "dropout", 0.1, "dropout on the encoder's inputs")
	fl.BoolVar(&f.o.Config.Pool, "pool", false, "read one row per run of the labeller's smoothed track (their mean and length) instead of one a step")
	fl.IntVar(&f.o.Patience, "patience", 4, "epochs without improvement before stopping")
	fl.IntVar(&f.o.ValVideos, "val-videos", 0, "validation videos (default: a tenth, at most 100)")
	fl.IntVar(&f.videos, "videos", 0, "use only the first N videos of --data, in path order (validation included; default: all); only those are probed")
	return cmd
}

func runTrainDescribe(cmd *cobra.Command, g *globals, f trainDescribeFlags) error {
	ctx := cmd.Context()
	examples, err := descr.FirstVideos(ctx, f.data, f.videos)
	if err != nil {
		return err
	}
	b, err := engine.OpenBundle(f.base)
	if err != nil {
		return err
	}
	lab, le, err := b.Labeller()
	if err != nil {
		return err
	}
	s, ex, err := b.Sampler(f.cache, lab.Config.FPS, vision.Options{BatchSize: 16, Dim: lab.Config.FeatureDim})
	if err != nil {
		return err
	}
	defer ex.Close()
	start := time.Now()
	p := newProgress(g.stderr, "features", len(examples))
	o := f.o
	o.Examples, o.Sampler, o.Labeller, o.Penalty = examples, s, lab, le.Penalty
	o.Out, o.Base, o.BaseName, o.Data, o.Source = f.out, b.FS, b.Name, f.data, descr.Source(f.data)
	o.Progress = p.update
	o.Log = func(format string, a ...any) {
		p.finish()
		fmt.Fprintf(g.stderr, "train: "+format+"\n", a...)
	}
	res, err := descr.Train(ctx, o)
	if err != nil {
		return err
	}
	r := res.Report.All
	fmt.Fprintf(g.stdout, "trained %s in %s: best at epoch %d of %d; validation exact %.4f, BLEU-4 %.4f, CIDEr-D %.4f (inputs %s)\n",
		f.out, time.Since(start).Round(time.Second), res.BestEpoch, res.Epochs, r.ExactMatch, r.BLEU4, r.CIDErD, strings.Join(o.Config.Inputs, ","))
	return nil
}
