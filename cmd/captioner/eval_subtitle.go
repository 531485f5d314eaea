package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"captioner/engine"
	"captioner/internal/featcache"
	"captioner/subtitle"
	"captioner/vision"
)

func newEvalSubtitleCommand(g *globals) *cobra.Command {
	var data, model, cache, record, split string
	var penalty float64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "subtitle --data DIR [--model DIR] [--json]",
		Short: "Score a subtitle labeller: per-step accuracy, boundary F1, time-weighted accuracy",
		Long: `eval subtitle writes the track of every video in --data (a folder of videos
with label tracks beside them, as train subtitle reads) and scores it against
the video's own track, as WORLD.md says: per-step accuracy (the cue text at
(k + 0.5)/4 s), cue boundary precision, recall and F1 within 0.5 s, and
time-weighted cue text accuracy.

It scores the data's test part when it has one (the videos under DIR/test,
beside DIR/train: train subtitle leaves them out), and every video
otherwise; --split names another part, --split all scores every video. The
report says which part, and how many videos it scored.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return usagef("--data is required")
			}
			ctx := cmd.Context()
			d, err := subtitle.OpenData(ctx, data)
			if err != nil {
				return err
			}
			if split == "" {
				split = d.EvalSplit()
			}
			examples := d.Split(split)
			if len(examples) == 0 {
				return fmt.Errorf("%s: no videos in split %q", data, split)
			}
			b, err := engine.OpenBundle(model)
			if err != nil {
				return err
			}
			m, entry, err := b.Labeller()
			if err != nil {
				return err
			}
			s, ex, err := b.Sampler(cache, m.Config.FPS, vision.Options{BatchSize: 16, Dim: m.Config.FeatureDim})
			if err != nil {
				return err
			}
			defer ex.Close()
			seqs, err := videoSequences(ctx, g, s, examples)
			if err != nil {
				return err
			}
			if penalty < 0 {
				penalty = entry.Penalty
			}
			rep, _, err := subtitle.Evaluate(ctx, m, penalty, subtitle.DefaultOptions(), examples, seqs)
			if err != nil {
				return err
			}
			rep.Split, rep.Total = split, len(examples)
			if rep.Videos == 0 {
				return fmt.Errorf("%s: no video could be read", data)
			}
			if record != "" {
				if model == "" {
					return usagef("--record needs --model: the embedded bundle cannot be changed")
				}
				about := map[string]any{"data": data, "split": split, "smoothing": penalty, "source": d.Source}
				if err := subtitle.RecordScores(model, record, rep, about); err != nil {
					return err
				}
			}
			if asJSON {
				return json.NewEncoder(g.stdout).Encode(rep)
			}
			fmt.Fprintf(g.stdout, "split           %s: %d of %d videos (%.1f s; %d left out)\n", rep.Split, rep.Videos, rep.Total, rep.Duration, rep.Total-rep.Videos)
			fmt.Fprintf(g.stdout, "step accuracy   %.4f (%d steps)\n", rep.StepAccuracy, rep.Steps)
			fmt.Fprintf(g.stdout, "boundaries      precision %.4f recall %.4f F1 %.4f (%d true, %d found, %d matched)\n",
				rep.Precision, rep.Recall, rep.F1, rep.TrueBoundaries, rep.PredictedBoundaries, rep.MatchedBoundaries)
			fmt.Fprintf(g.stdout, "time accuracy   %.4f\n", rep.TimeAccuracy)
			fmt.Fprintf(g.stdout, "confidence      %.4f (novelty %.3f)\n", rep.Confidence, rep.Novelty)
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "folder of videos with label tracks (required)")
	cmd.Flags().StringVar(&model, "model", "", "model bundle folder (default: the embedded model)")
	cmd.Flags().StringVar(&cache, "cache", "", `feature cache folder ("" for the user cache, "off" for none)`)
	cmd.Flags().Float64Var(&penalty, "smoothing", -1, "switch penalty of the label smoothing (default: the model's)")
	cmd.Flags().StringVar(&split, "split", "", `the part scored: "test", "train", "val", or "all" (default: test when the data has one, else all)`)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&record, "record", "", "also store the report in the --model bundle's manifest under this name")
	return cmd
}

// videoSequences samples every example's video (through the cache) with a
// progress bar; a video that fails is reported on one line and left out
// (its sequence empty), and only an interruption ends the pass.
func videoSequences(ctx context.Context, g *globals, s *subtitle.Sampler, examples []subtitle.Example) ([]featcache.Sequence, error) {
	seqs := make([]featcache.Sequence, len(examples))
	p := newProgress(g.stderr, "videos", len(examples))
	defer p.finish()
	for i, e := range examples {
		seq, err := s.Sequence(ctx, e.Video)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			p.finish()
			fmt.Fprintf(g.stderr, "captioner: %v (left out)\n", err)
			continue
		}
		seqs[i] = seq
		p.update(i+1, len(examples))
	}
	return seqs, nil
}
