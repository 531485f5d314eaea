package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"captioner/engine"

	"captioner/tag"
	"captioner/vision"
)

// evalTagRecord is what `eval tag --json` prints: the model's report, and
// the baseline's beside it with --baseline.
type evalTagRecord struct {
	*tag.Report
	Baseline *tag.Report `json:"baseline,omitempty"`
}

func newEvalTagCommand(g *globals) *cobra.Command {
	var data, model, baseline, cache, record, split string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "tag --data DIR [--model DIR] [--baseline DIR] [--json]",
		Short: "Score a tagger: exact tag-set match, per-tag precision, recall and F1",
		Long: `eval tag tags every video in --data (a folder of videos with their tags, as
train tag reads) and scores the tags against the video's own: the fraction of
videos whose tag set is exactly right (the main score), and each tag's
precision, recall and F1, with their micro (over every decision) and macro
(mean over tags) averages.

It scores the data's test part when it has one (the videos under DIR/test,
beside DIR/train: train tag leaves them out), and every video otherwise;
--split names another part, --split all scores every video.

--baseline DIR scores the tagger of another bundle (e.g. the no-memory
baseline, train tag --arch dense) on the same videos, beside it. --record
NAME stores the report in the --model bundle's manifest under scores[NAME]
(and the baseline's under scores[NAME_baseline]).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return usagef("--data is required")
			}
			if record != "" && model == "" {
				return usagef("--record needs --model: the embedded bundle cannot be changed")
			}
			ctx := cmd.Context()
			d, err := tag.OpenData(ctx, data)
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
			m, entry, err := b.TagModel()
			if err != nil {
				return err
			}
			s, ex, err := b.Sampler(cache, m.Config.FPS, vision.Options{BatchSize: 16, Dim: m.Config.FeatureDim})
			if err != nil {
				return err
			}
			defer ex.Close()
			paths := make([]string, len(examples))
			for i, e := range examples {
				paths[i] = e.Video
			}
			p := newProgress(g.stderr, "videos", len(paths))
			seqs, errs := s.Sequences(ctx, paths, p.update)
			p.finish()
			if err := ctx.Err(); err != nil {
				return err
			}
			feats := make([][][]float32, len(seqs))
			for i, err := range errs {
				if err != nil {
					fmt.Fprintf(g.stderr, "captioner: %v (left out)\n", err)
					continue
				}
				feats[i] = seqs[i].Vectors
			}
			rep, _, err := tag.Evaluate(ctx, &tag.Tagger{Model: m, Entry: entry, Sampler: s}, examples, feats)
			if err != nil {
				return err
			}
			if rep.Videos == 0 {
				return fmt.Errorf("%s: no video could be read", data)
			}
			rep.Split, rep.Model = split, b.Name
			var base *tag.Report
			if baseline != "" {
				bb, err := engine.OpenBundle(baseline)
				if err != nil {
					return err
				}
				bm, bentry, err := bb.TagModel()
				if err != nil {
					return err
				}
				if bm.Config.FeatureDim != m.Config.FeatureDim || bm.Config.FPS != m.Config.FPS {
					return fmt.Errorf("--baseline %s: its tagger reads %d values at %g fps, the model's %d at %g", baseline, bm.Config.FeatureDim, bm.Config.FPS, m.Config.FeatureDim, m.Config.FPS)
				}
				if base, _, err = tag.Evaluate(ctx, &tag.Tagger{Model: bm, Entry: bentry, Sampler: s}, examples, feats); err != nil {
					return err
				}
				base.Split, base.Model = split, bb.Name
			}
			if record != "" {
				about := map[string]any{"data": data, "split": split, "source": d.Source}
				if err := tag.RecordScores(model, record, rep, about); err != nil {
					return err
				}
				if base != nil {
					about["model"] = baseline
					if err := tag.RecordScores(model, record+"_baseline", base, about); err != nil {
						return err
					}
				}
			}
			if asJSON {
				return json.NewEncoder(g.stdout).Encode(evalTagRecord{Report: rep, Baseline: base})
			}
			printTagReport(g.stdout, rep, base)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&data, "data", "", "folder of videos with their tags (required)")
	fl.StringVar(&model, "model", "", "model bundle folder (default: the embedded model)")
	fl.StringVar(&baseline, "baseline", "", "also score the tagger of this bundle, beside the model's")
	fl.StringVar(&cache, "cache", "", `feature cache folder ("" for the user cache, "off" for none)`)
	fl.StringVar(&split, "split", "", `the part scored: "test", "train", "val", or "all" (default: test when the data has one, else all)`)
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fl.StringVar(&record, "record", "", "also store the report in the --model bundle's manifest under this name")
	return cmd
}

// printTagReport writes the report as a table, with the baseline's
// figures in a second column when there is one.
func printTagReport(w io.Writer, r, base *tag.Report) {
	fmt.Fprintf(w, "split           %s: %d of %d videos (%d left out)\n", r.Split, r.Videos, r.Total, r.Total-r.Videos)
	if base == nil {
		fmt.Fprintf(w, "exact tag set   %.4f\n", r.ExactMatch)
		fmt.Fprintf(w, "micro           precision %.4f recall %.4f F1 %.4f\n", r.Micro.Precision, r.Micro.Recall, r.Micro.F1)
		fmt.Fprintf(w, "macro           precision %.4f recall %.4f F1 %.4f\n", r.Macro.Precision, r.Macro.Recall, r.Macro.F1)
		fmt.Fprintf(w, "low confidence  %d (novelty %.3f; threshold %g)\n\n", r.LowConfidence, r.Novelty, r.Threshold)
		fmt.Fprintf(w, "%-18s %7s %9s %9s %7s %7s\n", "tag", "videos", "predicted", "precision", "recall", "F1")
		for _, s := range r.PerTag {
			fmt.Fprintf(w, "%-18s %7d %9d %9.4f %7.4f %7.4f\n", s.Tag, s.Support, s.Predicted, s.Precision, s.Recall, s.F1)
		}
		return
	}
	fmt.Fprintf(w, "%-16s %-24s %-24s\n", "", "model", "baseline")
	fmt.Fprintf(w, "%-16s %-24.4f %-24.4f\n", "exact tag set", r.ExactMatch, base.ExactMatch)
	fmt.Fprintf(w, "%-16s %-24s %-24s\n", "micro P/R/F1", prf(r.Micro.Precision, r.Micro.Recall, r.Micro.F1), prf(base.Micro.Precision, base.Micro.Recall, base.Micro.F1))
	fmt.Fprintf(w, "%-16s %-24s %-24s\n", "macro P/R/F1", prf(r.Macro.Precision, r.Macro.Recall, r.Macro.F1), prf(base.Macro.Precision, base.Macro.Recall, base.Macro.F1))
	fmt.Fprintf(w, "%-16s %-24d %-24d\n", "low confidence", r.LowConfidence, base.LowConfidence)
	fmt.Fprintf(w, "%-16s %-24g %-24g\n\n", "threshold", r.Threshold, base.Threshold)
	fmt.Fprintf(w, "%-18s %7s %-22s %-22s\n", "tag", "videos", "model P/R/F1", "baseline P/R/F1")
	bs := map[string]tag.TagScore{}
	for _, s := range base.PerTag {
		bs[s.Tag] = s
	}
	for _, s := range r.PerTag {
		o := bs[s.Tag]
		fmt.Fprintf(w, "%-18s %7d %-22s %-22s\n", s.Tag, s.Support, prf(s.Precision, s.Recall, s.F1), prf(o.Precision, o.Recall, o.F1))
	}
}

func prf(p, r, f float64) string { return fmt.Sprintf("%.3f %.3f %.3f", p, r, f) }
