package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"captioner/caption"
	"captioner/engine"
	"captioner/vision"
)

func newEvalCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval <caption|subtitle|tag> --data DIR [--model DIR]",
		Short: "Score a model on a dataset",
		Args:  noArgs,
	}
	cmd.AddCommand(newEvalCaptionCommand(g), newEvalSubtitleCommand(g), newEvalTagCommand(g))
	cmd.AddCommand(newEvalDescribeCommand(g))
	return cmd
}

func newEvalCaptionCommand(g *globals) *cobra.Command {
	var data, model, cache, split, record string
	var beam int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "caption --data DIR [--model DIR] [--json]",
		Short: "Score a captioner: BLEU-1..4, CIDEr-D and, on Shapes-world data, the scene scores",
		Long: `eval caption captions the images of a dataset (any layout train caption
reads) and scores the captions against the references: corpus BLEU-1..4 and
CIDEr-D, and on Shapes-world data the scores of WORLD.md (exact scene match
and per-attribute accuracy).

It scores the dataset's test split when it has one (the COCO, Karpathy or
Flickr test list, or the test/ part of a folder of train/ and test/ parts),
and every image otherwise; --split names another split, --split all scores
every image. The report says which split, and how many images it scored.

On Shapes-world images it also scores each slice apart: aspect ratio
(square, 4:3, 16:9, portrait), size (the longer side: <=400, 401-960,
>960), background noise (none, shared, channel) and file format (png, jpg);
"slices" in --json and in the manifest with --record.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return usagef("--data is required")
			}
			if beam < 1 {
				return usagef("--beam must be at least 1")
			}
			ctx := cmd.Context()
			d, err := caption.Open(data)
			if err != nil {
				return err
			}
			if split == "" {
				split = d.EvalSplit()
			}
			examples := d.Split(split)
			if len(examples) == 0 {
				return fmt.Errorf("%s: no images in split %q", data, split)
			}
			b, err := engine.OpenBundle(model)
			if err != nil {
				return err
			}
			m, entry, err := b.Captioner()
			if err != nil {
				return err
			}
			src, ex, err := b.FeatureSource(cache, vision.Options{BatchSize: 16, Dim: m.Config.FeatureDim})
			if err != nil {
				return err
			}
			defer ex.Close()
			paths := make([]string, len(examples))
			for i, e := range examples {
				paths[i] = e.Image
			}
			p := newProgress(g.stderr, "features", len(paths))
			feats, errs, err := src.Images(ctx, paths, p.update)
			p.finish()
			if err != nil {
				return err
			}
			for i, err := range errs {
				if err != nil {
					fmt.Fprintf(g.stderr, "captioner: %v (left out)\n", err)
					feats[i] = nil
				}
			}
			opts := caption.DefaultDecodeOptions()
			opts.Beam = beam
			rep, _, err := caption.Evaluate(ctx, m, entry.Unsure, examples, feats, opts)
			if err != nil {
				return err
			}
			rep.Split, rep.Total = split, len(examples)
			if record != "" {
				if model == "" {
					return usagef("--record needs --model: the embedded bundle cannot be changed")
				}
				about := map[string]any{"data": data, "split": split, "beam": beam, "source": d.Source}
				if err := caption.RecordScores(model, record, rep, about); err != nil {
					return err
				}
			}
			if asJSON {
				return json.NewEncoder(g.stdout).Encode(rep)
			}
			printCaptionReport(g, rep)
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "dataset folder (required)")
	cmd.Flags().StringVar(&model, "model", "", "model bundle folder (default: the embedded model)")
	cmd.Flags().StringVar(&split, "split", "", `the split scored: "test", "val", ..., or "all" (default: test when the dataset has one, else all)`)
	cmd.Flags().StringVar(&cache, "cache", "", `feature cache folder ("" for the user cache, "off" for none)`)
	cmd.Flags().IntVar(&beam, "beam", 3, "beam width")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&record, "record", "", "also store the report in the --model bundle's manifest under this name")
	return cmd
}

func printCaptionReport(g *globals, r *caption.Report) {
	fmt.Fprintf(g.stdout, "split         %s: %d of %d images (%d left out)\n", r.Split, r.Images, r.Total, r.Total-r.Images)
	fmt.Fprintf(g.stdout, "BLEU-1..4     %.4f %.4f %.4f %.4f\n", r.BLEU[0], r.BLEU[1], r.BLEU[2], r.BLEU[3])
	fmt.Fprintf(g.stdout, "CIDEr-D       %.4f\n", r.CIDErD)
	if s := r.Scene; s != nil {
		fmt.Fprintf(g.stdout, "exact scene   %.4f\n", s.ExactMatch)
		fmt.Fprintf(g.stdout, "shape         %.4f\n", s.Shape)
		fmt.Fprintf(g.stdout, "colour        %.4f\n", s.Colour)
		fmt.Fprintf(g.stdout, "size          %.4f\n", s.Size)
		fmt.Fprintf(g.stdout, "position      %.4f\n", s.Where)
		fmt.Fprintf(g.stdout, "unparsed      %d\n", s.ParseFailures)
	}
	fmt.Fprintf(g.stdout, "low confidence %d\n", r.LowConfidence)
	if len(r.Slices) > 0 {
		fmt.Fprintf(g.stdout, "\n%-16s %6s %7s %7s %7s %7s %8s\n", "slice", "images", "exact", "shape", "colour", "size", "position")
		for _, sl := range r.Slices {
			s := sl.Scene
			fmt.Fprintf(g.stdout, "%-16s %6d %7.4f %7.4f %7.4f %7.4f %8.4f\n", sl.Name, sl.Images, s.ExactMatch, s.Shape, s.Colour, s.Size, s.Where)
		}
	}
}
