package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"captioner/caption"
	"captioner/engine"
	"captioner/media"
)

type captionFlags struct {
	model  string
	beam   int
	nBest  int
	asJSON bool
	cache  string
	domain string
}

// captionRecord is what `caption --json` prints for each file.
type captionRecord struct {
	File          string           `json:"file"`
	Caption       string           `json:"caption"`
	Score         float64          `json:"score"`
	Novelty       float64          `json:"novelty"`
	LowConfidence bool             `json:"low_confidence"`
	Domain        string           `json:"domain"` // "shapes" or "objects": which models answered
	Alternatives  []caption.Result `json:"alternatives,omitempty"`
}

func (f *captionFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.model, "model", "", "model bundle folder (default: the embedded model)")
	cmd.Flags().IntVar(&f.beam, "beam", 3, "beam width (1: greedy)")
	cmd.Flags().IntVar(&f.nBest, "n-best", 1, "print the K best captions (at most --beam)")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print one JSON object per file")
	cmd.Flags().StringVar(&f.cache, "cache", "off", `feature cache folder ("" for the user cache, "off" for none)`)
	cmd.Flags().StringVar(&f.domain, "domain", engine.DomainAuto, "which models answer: shapes, objects, or auto (each image to the domain it looks like)")
}

const captionLong = `caption writes one sentence for each image. Each image goes to the domain it
looks like (--domain auto): a picture like the Shapes world's is captioned
by the Shapes captioner (the CNN of the model bundle turns it into a feature
vector and the one-to-many LSTM decodes it with beam search); any other, a
real photo, is captioned from what the object detector finds in it (80 COCO
classes: "two people and a bicycle"), or said to hold "no objects I know".
--domain shapes or objects forces one. Every caption has a score, its mean
log-probability per word (0 is certain); a caption the models are unsure of
is marked as a guess. "captioner FILE..." is short for "captioner caption
FILE...".

Output: "FILE: caption" per line, or with --json one object per line with
file, caption, score, novelty, low_confidence, domain and, with --n-best,
alternatives.`

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
	if err := checkDomain(f.domain); err != nil {
		return err
	}
	eng := engine.New(engine.Options{Model: f.model, Cache: f.cache})
	defer eng.Close()
	c, err := eng.Captioner(engine.CaptionOptions{Beam: f.beam, NBest: f.nBest, Domain: f.domain})
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
		caps, errs, err := c.Caption(ctx, images)
		if err != nil {
			return err
		}
		k := 0
		for i, p := range part {
			err := pre[i]
			if err == nil {
				if err = errs[k]; err == nil {
					err = printCaption(g, f, p, caps[k])
				}
				k++
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

// printCaption prints the caption c of the image at path, with the
// alternatives after the first when --n-best asks; a caption the models
// are unsure of is marked, in the words of the domain that answered.
func printCaption(g *globals, f captionFlags, path string, c engine.Caption) error {
	rec := captionRecord{File: path, Caption: c.Text, Score: c.Score, Novelty: c.Novelty, LowConfidence: c.LowConfidence, Domain: c.Domain}
	lowNote := "(low confidence: unlike the images this model was trained on)"
	if c.Domain == engine.DomainObjects {
		lowNote = "(low confidence: nothing the detector knows, or the captioner is unsure)"
	}
	if f.asJSON {
		if f.nBest > 1 && len(c.Alternatives) > 1 {
			rec.Alternatives = c.Alternatives
		}
		return json.NewEncoder(g.stdout).Encode(rec)
	}
	line := rec.Caption
	if rec.LowConfidence {
		line += " " + lowNote
	}
	fmt.Fprintf(g.stdout, "%s: %s\n", rec.File, line)
	if len(c.Alternatives) > 1 {
		for _, r := range c.Alternatives[1:] {
			fmt.Fprintf(g.stdout, "%s:   or: %s (score %.3f)\n", rec.File, r.Text, r.Score)
		}
	}
	return nil
}

// checkDomain checks --domain.
func checkDomain(d string) error {
	if err := engine.CheckDomain(d); err != nil {
		return usageError{err}
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
