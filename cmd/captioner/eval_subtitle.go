package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"captioner/internal/featcache"
	"captioner/subtitle"
	"captioner/vision"
)

func newEvalSubtitleCommand(g *globals) *cobra.Command {
	var data, model, cache, record string
	var penalty float64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "subtitle --data DIR [--model DIR] [--json]",
		Short: "Score a subtitle labeller: per-step accuracy, boundary F1, time-weighted accuracy",
		Long: `eval subtitle writes the track of every video in --data (a folder of videos
with label tracks beside them, as train subtitle reads) and scores it against
the video's own track, as WORLD.md says: per-step accuracy (the cue text at
(k + 0.5)/4 s), cue boundary precision, recall and F1 within 0.5 s, and
time-weighted cue text accuracy.`,
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
			b, err := openBundle(model)
			if err != nil {
				return err
			}
			m, entry, err := b.labeller()
			if err != nil {
				return err
			}
			s, ex, err := b.sampler(cache, m.Config.FPS, vision.Options{BatchSize: 16, Dim: m.Config.FeatureDim})
			if err != nil {
				return err
			}
			defer ex.Close()
			seqs := make([]featcache.Sequence, len(d.Examples))
			p := newProgress(g.stderr, "videos", len(d.Examples))
			for i, e := range d.Examples {
				seq, err := s.Sequence(ctx, e.Video)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					p.finish()
					fmt.Fprintf(g.stderr, "captioner: %v (left out)\n", err)
					continue
				}
				seqs[i] = seq
				p.update(i+1, len(d.Examples))
			}
			p.finish()
			if penalty < 0 {
				penalty = entry.Penalty
			}
			rep, _, err := subtitle.Evaluate(ctx, m, penalty, subtitle.DefaultOptions(), d.Examples, seqs)
			if err != nil {
				return err
			}
			if rep.Videos == 0 {
				return fmt.Errorf("%s: no video could be read", data)
			}
			if record != "" {
				if model == "" {
					return usagef("--record needs --model: the embedded bundle cannot be changed")
				}
				about := map[string]any{"data": data, "smoothing": penalty, "source": d.Source}
				if err := subtitle.RecordScores(model, record, rep, about); err != nil {
					return err
				}
			}
			if asJSON {
				return json.NewEncoder(g.stdout).Encode(rep)
			}
			fmt.Fprintf(g.stdout, "videos          %d (%.1f s)\n", rep.Videos, rep.Duration)
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
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&record, "record", "", "also store the report in the --model bundle's manifest under this name")
	return cmd
}
