package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	descr "captioner/describe"
	"captioner/engine"
	"captioner/subtitle"
	"captioner/vision"
)

func newEvalDescribeCommand(g *globals) *cobra.Command {
	var data, model, cache, record, split string
	var beam int
	var asJSON, clips bool
	cmd := &cobra.Command{
		Use:   "describe --data DIR [--model DIR] [--json]",
		Short: "Score a describer: exact event-sequence match, BLEU-4, CIDEr-D",
		Long: `eval describe describes every video in --data (Shapes-world videos with their
label tracks, as train describe reads) and scores each description against
the events of the video's track (docs/DESCRIBE.md): exact event-sequence
match (the main score), BLEU-1..4 and CIDEr-D against the canonical
description. It reports all the clips, and apart those with at most three
true events (described whole) and those with more (described by chapters),
with beside each the exact match of the labeller's own track read as events.

It scores the data's test part when it has one, and every video otherwise;
--split names another part, --split all scores every video. --clips prints
(or, with --json, lists) each clip's description beside the truth.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return usagef("--data is required")
			}
			if beam < 1 {
				return usagef("--beam must be at least 1")
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
			m, entry, err := descr.LoadBundle(b.FS, b.Name)
			if err != nil {
				return err
			}
			lab, le, err := b.Labeller()
			if err != nil {
				return err
			}
			desc, err := descr.NewDescriber(m, entry, lab, le.Penalty, beam)
			if err != nil {
				return err
			}
			s, ex, err := b.Sampler(cache, lab.Config.FPS, vision.Options{BatchSize: 16, Dim: lab.Config.FeatureDim})
			if err != nil {
				return err
			}
			defer ex.Close()
			seqs, err := videoSequences(ctx, g, s, examples)
			if err != nil {
				return err
			}
			rep, evs, err := descr.Evaluate(ctx, desc, examples, seqs)
			if err != nil {
				return err
			}
			rep.Split, rep.Total = split, len(examples)
			if rep.All.Clips == 0 {
				return fmt.Errorf("%s: no video could be read", data)
			}
			if record != "" {
				if model == "" {
					return usagef("--record needs --model: the embedded bundle cannot be changed")
				}
				about := map[string]any{"data": data, "split": split, "beam": beam, "source": d.Source}
				if err := descr.RecordScores(model, record, rep, about); err != nil {
					return err
				}
			}
			if asJSON {
				out := struct {
					*descr.Report
					Descriptions []descr.Evaluated `json:"descriptions,omitempty"`
				}{Report: rep}
				if clips {
					out.Descriptions = evs
				}
				return json.NewEncoder(g.stdout).Encode(out)
			}
			if clips {
				for _, e := range evs {
					mark := "ok "
					if !e.Exact {
						mark = "BAD"
					}
					fmt.Fprintf(g.stdout, "%s %s: %s\n    truth: %s\n", mark, e.Video, e.Text, e.Truth)
				}
				fmt.Fprintln(g.stdout)
			}
			fmt.Fprintf(g.stdout, "split    %s: %d of %d videos (%d left out); %d cut into chapters (%d chapters in all); %d low confidence\n",
				rep.Split, rep.All.Clips, rep.Total, rep.Total-rep.All.Clips, rep.Chaptered, rep.Chapters, rep.LowConfidence)
			fmt.Fprintf(g.stdout, "%-10s %6s %7s %7s %8s %9s\n", "clips", "n", "exact", "BLEU-4", "CIDEr-D", "labeller")
			for _, row := range []struct {
				name string
				s    descr.Scores
			}{{"all", rep.All}, {"<=3 events", rep.Short}, {">3 events", rep.Long}} {
				fmt.Fprintf(g.stdout, "%-10s %6d %7.4f %7.4f %8.4f %9.4f\n", row.name, row.s.Clips, row.s.ExactMatch, row.s.BLEU4, row.s.CIDErD, row.s.Labeller)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "folder of videos with label tracks (required)")
	cmd.Flags().StringVar(&model, "model", "", "model bundle folder (default: the embedded model)")
	cmd.Flags().StringVar(&cache, "cache", "", `feature cache folder ("" for the user cache, "off" for none)`)
	cmd.Flags().StringVar(&split, "split", "", `the part scored: "test", "train", "val", or "all" (default: test when the data has one, else all)`)
	cmd.Flags().IntVar(&beam, "beam", 3, "beam width")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&clips, "clips", false, "also print each clip's description beside the truth")
	cmd.Flags().StringVar(&record, "record", "", "also store the report in the --model bundle's manifest under this name")
	return cmd
}
