package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"captioner/engine"
	"captioner/rnn"
	"captioner/subtitle"
	"captioner/tag"
	"captioner/vision"
)

type trainTagFlags struct {
	data, out, base, cache string
	inputs, readout        string
	recipe                 string
	grids                  []int
	fps                    float64
	o                      tag.TrainOptions
}

func newTrainTagCommand(g *globals) *cobra.Command {
	var f trainTagFlags
	cmd := &cobra.Command{
		Use:   "tag --data DIR --out DIR",
		Short: "Train a tagger (many-to-one LSTM) on videos with their tags",
		Long: `train tag fits a tagger that gives a whole video its tags (for the Shapes
world: the colour-shape objects that take part, "red square", and the kinds
of event that happen, "moves", "appears", "disappears"), and writes a model
bundle (--out) that --model accepts: the base bundle's files and models, the
trained tagger and a manifest with the data, seed, sizes, epochs, threshold
and validation scores.

--data is a folder of videos (any format ffmpeg reads, found by content, in
subfolders too), each with its tags beside it: clip.mp4 with clip.tags (one
tag a line), or, for a video that "captioner synth videos" made, its record
clip.json, whose tags are derived from its segments. Videos under a test/
subfolder are left out; the last tenth of the others (at most 50) validate.

--arch lstm (the default) reads the video's steps with an LSTM and says its
tags once, from its last step (--readout; mean and max over the steps are
the other readouts); --arch dense is the no-memory baseline: a dense
classifier of each step on its own, whose probabilities are averaged over
the video. --inputs says what the network sees of each sampled frame, as
for train subtitle (present,motion,moving by default: what is in view, what
changed and which way, what moves). Training keeps the weights with the best
exact tag-set match on the validation videos and chooses there the
probability from which a tag is said.

CNN features are computed once and cached (--cache).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.data == "" || f.out == "" {
				return usagef("--data and --out are required")
			}
			if f.fps <= 0 || f.fps > 30 {
				return usagef("--fps must be above 0 and at most 30")
			}
			if f.o.Config.Arch != tag.ArchLSTM && f.o.Config.Arch != tag.ArchDense {
				return usagef("--arch %q: want lstm or dense", f.o.Config.Arch)
			}
			if f.o.Dropout < 0 || f.o.Dropout >= 1 {
				return usagef("--dropout must be in [0, 1)")
			}
			inputs, err := subtitle.ParseInputs(f.inputs)
			if err != nil {
				return usageError{err}
			}
			r, err := rnn.ParseReadout(f.readout)
			if err != nil {
				return usageError{err}
			}
			f.o.Config.Inputs, f.o.Config.Readout = inputs, r
			if f.o.Config.Arch == tag.ArchDense {
				f.o.Config.Readout = ""
			}
			return runTrainTag(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "folder of videos with their tags (required)")
	fl.StringVar(&f.out, "out", "", "model bundle folder to write (required)")
	fl.StringVar(&f.base, "model", "", "bundle whose CNN computes the features (default: the embedded one)")
	fl.StringVar(&f.cache, "cache", "", `feature cache folder ("" for the user cache, "off" for none)`)
	fl.Float64Var(&f.fps, "fps", subtitle.DefaultFPS, "frames sampled per second")
	fl.StringVar(&f.o.Config.Arch, "arch", tag.ArchLSTM, "lstm (many-to-one recurrent) or dense (the no-memory baseline)")
	fl.StringVar(&f.readout, "readout", string(rnn.ReadLast), "how the LSTM's steps are read: last, mean or max")
	fl.IntVar(&f.o.Config.Hidden, "hidden", 128, "LSTM units (or the dense network's hidden layer)")
	fl.StringVar(&f.inputs, "inputs", strings.Join(tag.DefaultInputs, ","), "what the network sees at each step: features, change, motion, moving, present")
	fl.IntSliceVar(&f.grids, "grids", nil, "read only the spatial maps of these grid sides, e.g. 3,7 (default: the finest)")
	fl.Uint64Var(&f.o.Seed, "seed", 1, "random seed")
	fl.IntVar(&f.o.Epochs, "epochs", 30, "most passes over the data")
	fl.IntVar(&f.o.Batch, "batch", 32, "videos per step")
	fl.Float64Var(&f.o.LR, "lr", 2e-3, "learning rate (Adam, cosine decay)")
	fl.Float64Var(&f.o.Dropout, "dropout", 0.1, "dropout on the inputs")
	fl.Float64Var(&f.o.Config.Clip, "clip", 0, "bound every input value to [-clip, clip] (0: no bound)")
	fl.BoolVar(&f.o.Named, "named", false, "also give the network which objects the base bundle's captioner names in each frame (Shapes world)")
	fl.IntVar(&f.o.NamedEvery, "named-every", 1, "with --named, name the objects of one sampled frame in N")
	fl.BoolVar(&f.o.CaptionCode, "caption-code", false, "also give the network the base bundle's captioner's image code of each frame")
	fl.IntVar(&f.o.Config.Salient, "salient", 0, "also give the network, for each grid, the channels of the N cells that stand out most from the frame's background")
	fl.IntVar(&f.o.Config.Leading, "leading", 0, "also give the network the first N standardised values of each frame's feature vector (the embedded CNN's first 1,216: its 3x3 grids)")
	fl.IntVar(&f.o.Patience, "patience", 8, "epochs without improvement before stopping")
	fl.BoolVar(&f.o.KeepLast, "keep-last", false, "keep the last epoch's weights, not the best validation's")
	fl.BoolVar(&f.o.EveryStep, "every-step", false, "teach the LSTM the video's tags at every step, the last counting as much as the others together")
	fl.IntVar(&f.o.ValVideos, "val-videos", 0, "validation videos (default: a tenth, at most 50)")
	fl.IntVar(&f.o.Videos, "videos", 0, "train and validate on only the first N videos of the data, in path order (0: all)")
	fl.StringVar(&f.recipe, "recipe", "", "the recipe that ran this training, recorded in the manifest")
	return cmd
}

func runTrainTag(cmd *cobra.Command, g *globals, f trainTagFlags) error {
	ctx := cmd.Context()
	data, err := tag.OpenData(ctx, f.data)
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
	if f.grids != nil {
		var sides []int
		for _, gr := range s.Grids {
			sides = append(sides, gr.Side)
			if slices.Contains(f.grids, gr.Side) {
				f.o.Config.Grids = append(f.o.Config.Grids, gr)
			}
		}
		if f.o.Config.Grids == nil {
			return usagef("--grids %v: the CNN's spatial maps have sides %v", f.grids, slices.Compact(sides))
		}
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
	if f.recipe != "" {
		o.Training = map[string]any{"recipe": f.recipe}
	}
	if len(data.Untagged) > 0 {
		o.Log("%d videos have no tags and are left out, e.g. %s", len(data.Untagged), data.Untagged[0])
	}
	res, err := tag.Train(ctx, o)
	if err != nil {
		return err
	}
	r := res.Report
	fmt.Fprintf(g.stdout, "trained %s in %s: best at epoch %d of %d; validation exact %.4f, micro F1 %.4f (threshold %g)\n",
		f.out, time.Since(start).Round(time.Second), res.BestEpoch, res.Epochs, r.ExactMatch, r.Micro.F1, r.Threshold)
	return nil
}
