package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"captioner/caption"
	"captioner/media"
	"captioner/vision"
)

type captionFlags struct {
	model  string
	beam   int
	nBest  int
	asJSON bool
	cache  string
}

// captionRecord is what `caption --json` prints for each file.
type captionRecord struct {
	File          string           `json:"file"`
	Caption       string           `json:"caption"`
	Score         float64          `json:"score"`
	Novelty       float64          `json:"novelty"`
	LowConfidence bool             `json:"low_confidence"`
	Alternatives  []caption.Result `json:"alternatives,omitempty"`
}

func (f *captionFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.model, "model", "", "model bundle folder (default: the embedded model)")
	cmd.Flags().IntVar(&f.beam, "beam", 3, "beam width (1: greedy)")
	cmd.Flags().IntVar(&f.nBest, "n-best", 1, "print the K best captions (at most --beam)")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print one JSON object per file")
	cmd.Flags().StringVar(&f.cache, "cache", "off", `feature cache folder ("" for the user cache, "off" for none)`)
}

const captionLong = `caption writes one sentence for each image: the CNN of the model bundle turns
the image into a feature vector and the one-to-many LSTM decodes it with beam
search. Every caption has a score, its mean log-probability per word (0 is
certain); a caption scored under the model's threshold is marked as a guess,
since the model has seen nothing like the image. "captioner FILE..." is short
for "captioner caption FILE...".

Output: "FILE: caption" per line, or with --json one object per line with
file, caption, score, low_confidence and, with --n-best, alternatives.`

func newCaptionCommand(g *globals) *cobra.Command {
	var f captionFlags
	cmd := &cobra.Command{
		Use:   "caption [--json] [--beam 3] [--n-best K] [--model DIR] FILE...",
		Short: "Write a caption for each image",
		Long:  captionLong,
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCaption(cmd, g, f, args)
		},
	}
	f.register(cmd)
	return cmd
}

func runCaption(cmd *cobra.Command, g *globals, f captionFlags, paths []string) error {
	if f.beam < 1 || f.nBest < 1 || f.nBest > f.beam {
		return usagef("want 1 <= --n-best <= --beam, got --n-best %d --beam %d", f.nBest, f.beam)
	}
	b, err := openBundle(f.model)
	if err != nil {
		return err
	}
	model, entry, err := b.captioner()
	if err != nil {
		return err
	}
	src, ex, err := b.featureSource(f.cache, vision.Options{Dim: model.Config.FeatureDim})
	if err != nil {
		return err
	}
	defer ex.Close()
	opts := caption.DefaultDecodeOptions()
	opts.Beam, opts.NBest = f.beam, f.nBest
	dec, err := model.NewDecoder(opts)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	failed := 0
	const chunk = 32 // files per round of decoding and inference
	for start := 0; start < len(paths); start += chunk {
		part := paths[start:min(start+chunk, len(paths))]
		// Videos are not captioned here; say so rather than guess.
		var images []string
		var pre []error
		for _, p := range part {
			info, err := media.Probe(ctx, p)
			if err == nil && info.Kind == media.Video {
				err = fmt.Errorf("%s: is a video (captions are for images)", p)
			}
			pre = append(pre, err)
			if err == nil {
				images = append(images, p)
			}
		}
		feats, errs, err := src.Images(ctx, images, nil)
		if err != nil {
			return err
		}
		k := 0
		for i, p := range part {
			err := pre[i]
			var feat []float32
			if err == nil {
				feat, err = feats[k], errs[k]
				k++
			}
			if err == nil {
				err = printCaption(g, f, dec, entry, p, feat)
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fmt.Fprintf(g.stderr, "captioner: %v\n", err)
				failed++
			}
		}
	}
	if failed > 0 {
		return failedInputs{failed: failed, total: len(paths)}
	}
	return nil
}

func printCaption(g *globals, f captionFlags, dec *caption.Decoder, entry *caption.Entry, path string, feat []float32) error {
	res, err := dec.Caption(feat)
	if err != nil {
		return err
	}
	low := entry.Unsure(res[0])
	if f.asJSON {
		rec := captionRecord{File: path, Caption: res[0].Text, Score: res[0].Score, Novelty: res[0].Novelty, LowConfidence: low}
		if f.nBest > 1 {
			rec.Alternatives = res
		}
		return json.NewEncoder(g.stdout).Encode(rec)
	}
	line := res[0].Text
	if low {
		line += " (low confidence: unlike the images this model was trained on)"
	}
	fmt.Fprintf(g.stdout, "%s: %s\n", path, line)
	for _, r := range res[1:] {
		fmt.Fprintf(g.stdout, "%s:   or: %s (score %.3f)\n", path, r.Text, r.Score)
	}
	return nil
}

// looksLikeCommand says whether a root argument that names no file was
// more likely meant as a command (no dot, no path separator).
func looksLikeCommand(arg string) bool {
	if _, err := os.Stat(arg); err == nil {
		return false
	}
	return !strings.ContainsAny(arg, "./\\")
}
