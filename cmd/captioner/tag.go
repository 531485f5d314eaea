package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"captioner/engine"
	"captioner/media"
	"captioner/tag"
	"captioner/vision"
)

type tagFlags struct {
	model    string
	asJSON   bool
	all      bool
	progress time.Duration
}

// tagRecord is what `tag --json` prints for each video.
type tagRecord struct {
	File          string       `json:"file"`
	Tags          []tag.Tagged `json:"tags"`          // the tags said, in the model's order
	All           []tag.Tagged `json:"all,omitempty"` // with --all: every tag's probability
	Confidence    float64      `json:"confidence"`
	Novelty       float64      `json:"novelty"`
	LowConfidence bool         `json:"low_confidence"`
	Domain        string       `json:"domain"`
	Duration      float64      `json:"duration"` // seconds
	Steps         int          `json:"steps"`    // frames sampled
	FPS           float64      `json:"fps"`
	Elapsed       float64      `json:"elapsed"` // seconds of work
	Model         string       `json:"model"`
}

const tagLong = `tag says what each whole video is about: its tags, each with its
probability. For the Shapes world (the embedded tagger's domain) they are the
colour-shape objects that take part ("red square", "blue circle": every
object in view at any time) and the kinds of event that happen ("moves",
"appears", "disappears"). The video is sampled at the rate the tagger was
trained at (4 frames a second for the embedded one), each sampled frame
becomes a CNN feature vector, and a many-to-one LSTM reads them all and
answers once, at the end.

A video unlike those the tagger was trained on (any real footage) still
gets the tagger's answer, marked as low confidence: its tags are guesses.

Output: "FILE: tag 0.99, tag 0.97" per video, or with --json one object per
line with the file, tags, probabilities, confidence and novelty (--all adds
every tag's probability).`

func newTagCommand(g *globals) *cobra.Command {
	var f tagFlags
	cmd := &cobra.Command{
		Use:   "tag [--json] [--model DIR] VIDEO...",
		Short: "Tag whole videos: the objects that take part and the kinds of event that happen",
		Long:  tagLong,
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.progress < 0 {
				return usagef("--progress must not be negative")
			}
			return runTag(cmd, g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "model bundle folder (default: the embedded model)")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object per video")
	fl.BoolVar(&f.all, "all", false, "with --json, also give every tag's probability")
	progressFlag(fl, &f.progress)
	return cmd
}

func runTag(cmd *cobra.Command, g *globals, f tagFlags, paths []string) error {
	ctx := cmd.Context()
	eng := engine.New(engine.Options{Model: f.model, CNN: vision.Options{BatchSize: 16}})
	defer eng.Close()
	t, err := eng.Tagger()
	if err != nil {
		return err
	}
	b, err := eng.Bundle()
	if err != nil {
		return err
	}
	return eachVideo(ctx, g, newMeter(g.stderr, f.progress), paths, func(p string, vm *videoMeter) error {
		return tagOne(cmd, g, f, t, b.Name, p, vm)
	})
}

// tagOne tags one video and prints its line, showing its progress on vm.
func tagOne(cmd *cobra.Command, g *globals, f tagFlags, t *tag.Tagger, model, path string, vm *videoMeter) error {
	ctx := cmd.Context()
	start := time.Now()
	info, err := media.Probe(ctx, path)
	if err != nil {
		return err
	}
	if info.Kind != media.Video {
		return fmt.Errorf("%s: is an image (tags are for videos)", path)
	}
	a, err := t.Tag(ctx, path, vm.update)
	vm.finish()
	if err != nil {
		return err
	}
	if f.asJSON {
		rec := tagRecord{File: path, Tags: a.Tags, Confidence: a.Confidence, Novelty: a.Novelty, LowConfidence: a.Unsure,
			Domain: engine.DomainShapes, Duration: a.Duration.Seconds(), Steps: a.Steps, FPS: t.Sampler.FPS,
			Elapsed: time.Since(start).Seconds(), Model: model}
		if f.all {
			rec.All = a.All
		}
		return json.NewEncoder(g.stdout).Encode(rec)
	}
	parts := make([]string, len(a.Tags))
	for i, tg := range a.Tags {
		parts[i] = fmt.Sprintf("%s %.2f", tg.Tag, tg.Probability)
	}
	line := path + ": " + strings.Join(parts, ", ")
	if len(parts) == 0 {
		line = path + ": no tags"
	}
	switch {
	case a.Unsure && t.Entry.NoveltyLimit > 0 && a.Novelty > t.Entry.NoveltyLimit:
		line += fmt.Sprintf(" (low confidence: unlike the videos this model was trained on, novelty %.1f; the tags are guesses)", a.Novelty)
	case a.Unsure:
		line += fmt.Sprintf(" (low confidence %.2f: the tags are guesses)", a.Confidence)
	}
	fmt.Fprintln(g.stdout, line)
	return nil
}
