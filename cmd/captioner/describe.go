package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	descr "captioner/describe"
	"captioner/engine"
	"captioner/vision"
)

type describeFlags struct {
	model, outDir           string
	beam                    int
	chapters, asJSON, force bool
	progress                time.Duration
}

// describeRecord is what `describe --json` prints for each video.
type describeRecord struct {
	File          string          `json:"file"`
	Duration      float64         `json:"duration"` // seconds
	Steps         int             `json:"steps"`
	Description   string          `json:"description"`
	Events        []string        `json:"events"` // null when a chapter's words did not parse
	Chapters      []chapterRecord `json:"chapters"`
	ChaptersFile  string          `json:"chapters_file,omitempty"`
	Confidence    float64         `json:"confidence"`
	Novelty       float64         `json:"novelty"`
	LowConfidence bool            `json:"low_confidence"`
	Elapsed       float64         `json:"elapsed"`
	Model         string          `json:"model"`
}

type chapterRecord struct {
	Start      float64 `json:"start"` // seconds
	End        float64 `json:"end"`
	Title      string  `json:"title"`
	Confidence float64 `json:"confidence"`
}

const describeLong = `describe says what happens in each video in one sentence: its events in
order, joined by "then" (docs/DESCRIBE.md), e.g.

  clip.mp4: a red circle moves left, then a blue star appears

The video is sampled as subtitle samples it, the Shapes labeller finds where
its events are, and an encoder-decoder (an LSTM reading the clip's steps,
another writing the words, beam search) says what they are. A description
names at most three events: a clip with more is cut into chapters of at most
three (in the middle of a still stretch where there is one, else where an
event ends), each described on its own, and the clip's description is the
chapters' in order.

--chapters also writes the chapters as a WebVTT chapters track,
clip.chapters.vtt beside the video (or in --out DIR), each cue a chapter
titled by its description, for an HTML <track kind="chapters">. It is
written to a temporary name and renamed; an existing one is kept unless
--force is given.

A video unlike the Shapes world's (any real footage) gets a description
marked (low confidence ...): it is a guess.

Output: "FILE: DESCRIPTION" per video, or with --json one object per line
with the description, its events and the chapters with their times.`

func newDescribeCommand(g *globals) *cobra.Command {
	var f describeFlags
	cmd := &cobra.Command{
		Use:   "describe [--chapters] [--json] [--beam 3] [--model DIR] [--out DIR] [--force] VIDEO...",
		Short: "Say what happens in each video in one sentence, with chapters for long ones",
		Long:  describeLong,
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDescribe(cmd, g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "model bundle folder (default: the embedded model)")
	fl.BoolVar(&f.chapters, "chapters", false, "also write clip.chapters.vtt, a WebVTT chapters track")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object per video, with its chapters")
	fl.IntVar(&f.beam, "beam", 3, "beam width (1: greedy)")
	fl.StringVar(&f.outDir, "out", "", "folder for the chapters tracks (default: beside each video)")
	fl.BoolVar(&f.force, "force", false, "overwrite existing chapters tracks")
	progressFlag(fl, &f.progress)
	return cmd
}

func runDescribe(cmd *cobra.Command, g *globals, f describeFlags, paths []string) error {
	if f.beam < 1 {
		return usagef("--beam must be at least 1")
	}
	if f.outDir != "" {
		if st, err := os.Stat(f.outDir); err == nil && !st.IsDir() {
			return usagef("--out %s: not a folder", f.outDir)
		}
	}
	if f.progress < 0 {
		return usagef("--progress must not be negative")
	}
	if f.outDir != "" && f.chapters {
		if err := os.MkdirAll(f.outDir, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	eng := engine.New(engine.Options{Model: f.model, CNN: vision.Options{BatchSize: 16}})
	defer eng.Close()
	d, err := eng.Describer(engine.DescribeOptions{Beam: f.beam})
	if err != nil {
		return err
	}
	b, err := eng.Bundle()
	if err != nil {
		return err
	}
	return eachVideo(cmd.Context(), g, newMeter(g.stderr, f.progress), paths, func(p string, vm *videoMeter) error {
		return describeOne(cmd, g, f, d, b.Name, p, vm)
	})
}

// describeOne describes one video and writes its chapters track.
func describeOne(cmd *cobra.Command, g *globals, f describeFlags, d *engine.Describer, model, path string, vm *videoMeter) error {
	start := time.Now()
	var track string
	if f.chapters {
		track = descr.ChaptersPath(path, f.outDir)
		if _, err := os.Lstat(track); err == nil && !f.force {
			return fmt.Errorf("%s: %s exists (use --force to overwrite)", path, track) // said before the work
		}
	}
	desc, err := d.Describe(cmd.Context(), path, vm.update)
	vm.finish()
	if err != nil {
		return err
	}
	if f.chapters {
		if err := descr.WriteChapters(track, desc.Chapters, f.force); err != nil {
			return err
		}
	}
	if f.asJSON {
		rec := describeRecord{File: path, Duration: desc.Info.Duration.Seconds(), Steps: desc.Steps, Description: desc.Text,
			Events: desc.Events, ChaptersFile: track, Confidence: desc.Confidence, Novelty: desc.Novelty,
			LowConfidence: desc.Unsure, Elapsed: time.Since(start).Seconds(), Model: model}
		rec.Chapters = make([]chapterRecord, 0, len(desc.Chapters))
		for _, c := range desc.Chapters {
			rec.Chapters = append(rec.Chapters, chapterRecord{Start: c.Start.Seconds(), End: c.End.Seconds(), Title: c.Text, Confidence: c.Confidence()})
		}
		return json.NewEncoder(g.stdout).Encode(rec)
	}
	line := path + ": " + desc.Text
	if f.chapters {
		line += fmt.Sprintf(" (%s -> %s)", plural(len(desc.Chapters), "chapter"), track)
	}
	if desc.Unsure {
		line += fmt.Sprintf(" (low confidence %.2f: unlike the videos this model was trained on; the description is a guess)", desc.Confidence)
	}
	fmt.Fprintln(g.stdout, line)
	return nil
}
