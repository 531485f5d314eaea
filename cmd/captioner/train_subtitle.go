package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"captioner/engine"
	"captioner/subtitle"
	"captioner/vision"
)

type trainSubtitleFlags struct {
	data, out, base, cache string
	inputs                 string
	grids                  []int
	fps                    float64
	o                      subtitle.TrainOptions
}

func newTrainSubtitleCommand(g *globals) *cobra.Command {
	var f trainSubtitleFlags
	cmd := &cobra.Command{
		Use:   "subtitle --data DIR --out DIR",
		Short: "Train a subtitle labeller (synced many-to-many LSTM) on labelled videos",
		Long: `train subtitle fits a labeller that gives every sampled frame of a video a
label, and writes a model bundle (--out) that --model accepts: the CNN and any
caption model of the base bundle, the trained labeller and a manifest with the
data, seed, sizes, epochs and validation scores.

--data is a folder of videos (any format ffmpeg reads, found by content, in
subfolders too), each with its label track beside it: clip.mp4 with clip.vtt
or clip.srt (or .ttml, .ass, .ssa, .stl). The text of the cue shown at a
sampled frame is that frame's label. "captioner synth videos" writes such a
folder. The last tenth of the videos (at most 50) validate.

CNN features are computed once and cached (--cache). A checkpoint is written
after every epoch; --resume continues an interrupted run. Training stops early
when the validation score (the mean of per-step accuracy, boundary F1 and
time-weighted accuracy) has not improved for --patience epochs. The smoothing
penalty is then chosen on the validation videos.

--inputs says what the network sees of each sampled frame, from the CNN's
feature vector z (standardised) and its change d since the frame before:
  features  z itself
  change    d, value by value
  motion    per channel of each spatial map, d summed over the map's cells,
            |d| summed, and d weighted by the cells' column and row: what
            appeared or vanished, what changed, which way it moved
  moving    per channel, z now and before at the cells that changed most:
            what the moving thing looks like, wherever it is
  present   per channel, its largest value over the map: what is in view

The spatial maps are the CNN's grid-pooled outputs; --grids keeps those of
the given sides, by default the finest. The embedded CNN has 3x3 grids
(which the captioner reads) and 7x7 ones, which the embedded labeller reads:
reading both scored lower (subtitle/CHOICES.md).

--dense trains a labeller with no memory in place of the LSTM, for comparison
(subtitle/DENSE.md): --layers layers of --hidden units (tanh), each labelling
every sampled frame from its own input alone, or with --context K from its
input and those of the K frames on each side, concatenated. It is never
bidirectional (--bidirectional is ignored). The inputs motion, moving and
change already compare each frame with the one before.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.data == "" || f.out == "" {
				return usagef("--data and --out are required")
			}
			if f.fps <= 0 || f.fps > 30 {
				return usagef("--fps must be above 0 and at most 30")
			}
			inputs, err := subtitle.ParseInputs(f.inputs)
			if err != nil {
				return usageError{err}
			}
			f.o.Config.Inputs = inputs
			if f.o.Config.Context != 0 && !f.o.Config.Dense {
				return usagef("--context is for --dense labellers")
			}
			if f.o.Config.Dense {
				f.o.Config.Bidirectional = false
			}
			return runTrainSubtitle(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "folder of videos with label tracks (required)")
	fl.StringVar(&f.out, "out", "", "model bundle folder to write (required)")
	fl.StringVar(&f.base, "model", "", "bundle whose CNN computes the features (default: the embedded one)")
	fl.StringVar(&f.cache, "cache", "", `feature cache folder ("" for the user cache, "off" for none)`)
	fl.Float64Var(&f.fps, "fps", subtitle.DefaultFPS, "frames sampled per second")
	fl.Uint64Var(&f.o.Seed, "seed", 1, "random seed")
	fl.IntVar(&f.o.Epochs, "epochs", 40, "most passes over the data")
	fl.IntVar(&f.o.Batch, "batch", 16, "windows per step")
	fl.Float64Var(&f.o.LR, "lr", 2e-3, "learning rate (Adam, cosine decay)")
	fl.IntVar(&f.o.Config.Hidden, "hidden", 128, "LSTM units per direction (with --dense: units per layer)")
	fl.IntVar(&f.o.Config.Layers, "layers", 1, "stacked LSTM layers (with --dense: dense layers)")
	fl.BoolVar(&f.o.Config.Bidirectional, "bidirectional", true, "read each window both ways (false: forward only, for streaming)")
	fl.BoolVar(&f.o.Config.Dense, "dense", false, "a network with no memory in place of the LSTM, for comparison (see --help)")
	fl.IntVar(&f.o.Config.Context, "context", 0, "with --dense: the frames on each side each frame's label also reads (at most --window/4)")
	fl.StringVar(&f.inputs, "inputs", strings.Join(subtitle.DefaultInputs, ","), "what the network sees at each step: features, change, motion, moving, present (see --help)")
	fl.IntSliceVar(&f.grids, "grids", nil, "read only the spatial maps of these grid sides, e.g. 3,7 (default: the finest)")
	fl.IntVar(&f.o.Config.Window, "window", 64, "steps the network sees at once")
	fl.Float64Var(&f.o.Config.Dropout, "dropout", 0.2, "dropout on the inputs and between layers")
	fl.IntVar(&f.o.Patience, "patience", 6, "epochs without improvement before stopping")
	fl.IntVar(&f.o.ValVideos, "val-videos", 0, "validation videos (default: a tenth, at most 50)")
	fl.IntVar(&f.o.Videos, "videos", 0, "train on only the first N videos of --data, in path order (validation ones included; 0: all)")
	fl.BoolVar(&f.o.Resume, "resume", false, "continue from the checkpoint in --out")
	return cmd
}

func runTrainSubtitle(cmd *cobra.Command, g *globals, f trainSubtitleFlags) error {
	ctx := cmd.Context()
	data, err := subtitle.OpenData(ctx, f.data)
	if err != nil {
		return err
	}
	b, err := engine.OpenBundle(f.base)
	if err != nil {
		return err
	}
	s, ex, err := b.Sampler(f.cache, f.fps, vision.Options{BatchSize: 16})
	if err != nil {
		return err
	}
	defer ex.Close()
	var sides []int
	for _, g := range s.Grids {
		sides = append(sides, g.Side)
	}
	slices.Sort(sides)
	sides = slices.Compact(sides)
	if f.grids == nil && len(sides) > 0 {
		f.grids = []int{slices.Max(sides)}
	}
	for _, g := range s.Grids {
		if slices.Contains(f.grids, g.Side) {
			f.o.Config.Grids = append(f.o.Config.Grids, g)
		}
	}
	if f.grids != nil && f.o.Config.Grids == nil {
		return usagef("--grids %v: the CNN's spatial maps have sides %v", f.grids, sides)
	}
	start := time.Now()
	p := newProgress(g.stderr, "features", len(data.Examples))
	o := f.o
	o.Data, o.Out, o.Base, o.BaseName, o.Sampler = data, f.out, b.FS, b.Name, s
	o.Progress = p.update
	o.Log = func(format string, a ...any) {
		p.finish()
		fmt.Fprintf(g.stderr, "train: "+format+"\n", a...)
	}
	if len(data.Unlabelled) > 0 {
		o.Log("%d videos have no label track and are left out, e.g. %s", len(data.Unlabelled), data.Unlabelled[0])
	}
	res, err := subtitle.Train(ctx, o)
	if err != nil {
		return err
	}
	r := res.Report
	fmt.Fprintf(g.stdout, "trained %s in %s: best at epoch %d of %d; validation step %.4f, F1 %.4f, time %.4f (smoothing %g)\n",
		f.out, time.Since(start).Round(time.Second), res.BestEpoch, res.Epochs, r.StepAccuracy, r.F1, r.TimeAccuracy, res.Penalty)
	return nil
}
