package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"captioner/media"
	"captioner/vision"
)

type featuresFlags struct {
	fps     float64
	model   string
	batch   int
	workers int
	threads int
	asJSON  bool
}

// featuresRecord is what `features --json` prints for each frame.
type featuresRecord struct {
	File     string    `json:"file"`
	Index    int       `json:"index"`
	Time     float64   `json:"time"` // seconds from the start of the file
	Dim      int       `json:"dim"`
	Features []float32 `json:"features"`
}

func newFeaturesCommand(g *globals) *cobra.Command {
	var f featuresFlags
	cmd := &cobra.Command{
		Use:   "features [--json] [--fps 4] [--model SPEC] FILE...",
		Short: "Print the CNN feature vectors of images and of the sampled frames of videos",
		Long: `features prints what the caption and subtitle models read: one CNN feature
vector per image, and one per frame of a video sampled at --fps frames per
second, with its time stamp. The CNN is the embedded default (MobileNetV2 from
nsfwjs, see models/default/manifest.json) unless --model names a model spec
(JSON: format, model file, input size, mean, scale, channel order, fit, output
layers and pooling) or a model bundle folder.

Text output is one line per frame: FILE INDEX TIME then the values.`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.fps <= 0 {
				return usagef("--fps must be positive, got %g", f.fps)
			}
			if f.batch < 1 || f.workers < 1 || f.threads < 0 {
				return usagef("--batch and --workers must be at least 1, --threads at least 0")
			}
			spec, err := loadFeatureSpec(f.model)
			if err != nil {
				return err
			}
			e, err := vision.New(spec, vision.Options{Workers: f.workers, Threads: f.threads, BatchSize: f.batch})
			if err != nil {
				return err
			}
			defer e.Close()
			return forEachFile(cmd, g, args, func(path string) error {
				return runFeatures(cmd, g, f, e, path)
			})
		},
	}
	cmd.Flags().Float64Var(&f.fps, "fps", 4, "frames sampled per second of video")
	cmd.Flags().StringVar(&f.model, "model", "", "model spec JSON or bundle folder (default: the embedded CNN)")
	cmd.Flags().IntVar(&f.batch, "batch", 8, "frames per forward pass")
	cmd.Flags().IntVar(&f.workers, "workers", 1, "networks run side by side")
	cmd.Flags().IntVar(&f.threads, "threads", 0, "OpenCV threads (0: one per CPU)")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print one JSON object per frame")
	return cmd
}

func loadFeatureSpec(path string) (vision.Spec, error) {
	if path == "" {
		return vision.DefaultSpec()
	}
	return vision.OpenSpec(path)
}

// runFeatures prints the features of one file, a batch of frames at a time.
func runFeatures(cmd *cobra.Command, g *globals, f featuresFlags, e *vision.Extractor, path string) error {
	ctx := cmd.Context()
	in := e.Spec().Input
	fit, err := media.ParseFit(in.Fit)
	if in.Fit == "" {
		fit, err = media.Stretch, nil
	}
	if err != nil {
		return err
	}
	info, err := media.Probe(ctx, path)
	if err != nil {
		return err
	}
	emit := func(frames []media.Frame) error {
		if len(frames) == 0 {
			return nil
		}
		vecs, err := e.Features(ctx, frames)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for i, fr := range frames {
			if err := printFeatures(g.stdout, f.asJSON, featuresRecord{File: path, Index: fr.Index, Time: fr.Time.Seconds(), Dim: len(vecs[i]), Features: vecs[i]}); err != nil {
				return err
			}
		}
		return nil
	}
	if info.Kind == media.Image {
		fr, err := media.LoadImage(ctx, path, media.ImageOptions{Width: in.Width, Height: in.Height, Fit: fit})
		if err != nil {
			return err
		}
		return emit([]media.Frame{fr})
	}
	stream, err := media.OpenVideo(ctx, path, media.VideoOptions{FPS: f.fps, Width: in.Width, Height: in.Height, Fit: fit})
	if err != nil {
		return err
	}
	defer stream.Close()
	if err := stream.Batches(f.batch, emit); err != nil {
		return err
	}
	return stream.Close()
}

func printFeatures(w io.Writer, asJSON bool, rec featuresRecord) error {
	if asJSON {
		return json.NewEncoder(w).Encode(rec)
	}
	b := make([]byte, 0, 16+10*len(rec.Features))
	b = fmt.Appendf(b, "%s %d %.3f", rec.File, rec.Index, rec.Time)
	for _, v := range rec.Features {
		b = append(b, ' ')
		b = strconv.AppendFloat(b, float64(v), 'g', 6, 32)
	}
	b = append(b, '\n')
	_, err := w.Write(b)
	return err
}
