package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"captioner/world"
)

func newSynthCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "synth <images|videos> --out DIR",
		Short: "Generate Shapes-world images or videos with their ground truth",
		Long: `synth generates the Shapes world (flat coloured shapes on plain backgrounds) that
the default models are trained and scored on, with ground truth beside it.
The same seed always gives the same files.

  images: DIR/images/NNNNNN.png and DIR/captions.jsonl (file, caption, scene)
  videos: DIR/NNNN.mp4 with DIR/NNNN.vtt, .srt (one cue per segment) and .json`,
		Args: noArgs,
	}
	cmd.AddCommand(newSynthImagesCommand(g), newSynthVideosCommand(g))
	return cmd
}

type synthFlags struct {
	n    int
	seed uint64
	out  string
	size string
}

func (f *synthFlags) register(cmd *cobra.Command, n int) {
	cmd.Flags().IntVar(&f.n, "n", n, "how many to generate")
	cmd.Flags().Uint64Var(&f.seed, "seed", 1, "random seed; the same seed gives the same files")
	cmd.Flags().StringVar(&f.out, "out", "", "output folder (created if missing; required)")
	cmd.Flags().StringVar(&f.size, "size", "320x240", "frame size, WIDTHxHEIGHT")
}

func (f *synthFlags) check() (w, h int, err error) {
	if f.out == "" {
		return 0, 0, usagef("--out is required")
	}
	if f.n <= 0 {
		return 0, 0, usagef("--n must be positive, got %d", f.n)
	}
	return parseSize(f.size)
}

func newSynthImagesCommand(g *globals) *cobra.Command {
	var f synthFlags
	var format string
	cmd := &cobra.Command{
		Use:   "images --out DIR [--n 500] [--seed 1]",
		Short: "Generate still images with their canonical captions",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, h, err := f.check()
			if err != nil {
				return err
			}
			start := time.Now()
			p := newProgress(g.stderr, "synth images", f.n)
			defer p.finish()
			err = world.GenerateImages(cmd.Context(), world.ImageOptions{
				N: f.n, Seed: f.seed, Width: w, Height: h, Format: format, Out: f.out,
				Progress: p.update,
			})
			if err != nil {
				return err
			}
			p.finish()
			fmt.Fprintf(g.stderr, "synth: %s in %s (%s)\n", plural(f.n, "image"), f.out, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f.register(cmd, 500)
	cmd.Flags().StringVar(&format, "format", "png", "image format: png or jpg")
	return cmd
}

func newSynthVideosCommand(g *globals) *cobra.Command {
	var f synthFlags
	var fps float64
	var minDur, maxDur time.Duration
	cmd := &cobra.Command{
		Use:   "videos --out DIR [--n 20] [--seed 1]",
		Short: "Generate H.264 videos with their per-segment label tracks",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, h, err := f.check()
			if err != nil {
				return err
			}
			if fps <= 0 || fps > 120 {
				return usagef("--fps must be in (0, 120], got %g", fps)
			}
			if minDur < 4*time.Second || maxDur > 60*time.Second || minDur > maxDur {
				return usagef("durations must satisfy 4s <= --min-duration <= --max-duration <= 60s, got %s and %s", minDur, maxDur)
			}
			start := time.Now()
			p := newProgress(g.stderr, "synth videos", f.n)
			defer p.finish()
			err = world.GenerateVideos(cmd.Context(), world.VideoOptions{
				N: f.n, Seed: f.seed, Width: w, Height: h, FPS: fps,
				MinDuration: minDur, MaxDuration: maxDur, Out: f.out, Progress: p.update,
			})
			if err != nil {
				return err
			}
			p.finish()
			fmt.Fprintf(g.stderr, "synth: %s in %s (%s)\n", plural(f.n, "video"), f.out, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f.register(cmd, 20)
	cmd.Flags().Float64Var(&fps, "fps", 25, "frame rate of the videos")
	cmd.Flags().DurationVar(&minDur, "min-duration", 4*time.Second, "shortest video")
	cmd.Flags().DurationVar(&maxDur, "max-duration", 20*time.Second, "longest video")
	return cmd
}
