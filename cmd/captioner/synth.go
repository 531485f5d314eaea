package main

import (
	"fmt"
	"strconv"
	"strings"
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
	var formats, aspects, noise, edges, sides, quality string
	var spread bool
	cmd := &cobra.Command{
		Use:   "images --out DIR [--n 500] [--seed 1]",
		Short: "Generate still images with their canonical captions",
		Long: `synth images draws Shapes-world images with their canonical captions. By
default each image draws its own reading of WORLD.md: a frame size with both
sides within --sides at one of the --aspect ratios (the longer side
log-uniform, so every scale is as likely), background noise of a --noise
kind, --edges anti-aliased or hard, stored as PNG or JPEG (--format; JPEG at a
--quality within its range), and every range of the contract (gray levels,
object sizes, triangle heights, star inner radii, margins, jitter) across its
whole width. Each option narrows that spread; --size WxH fixes the size.
--spread=false draws every image at --size (320x240 by default) in one
--format, as generator version 1 did. Image i depends only on the seed, i and
the options.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.out == "" {
				return usagef("--out is required")
			}
			if f.n <= 0 {
				return usagef("--n must be positive, got %d", f.n)
			}
			o := world.ImageOptions{N: f.n, Seed: f.seed, Out: f.out}
			var w, h int
			if f.size != "any" {
				var err error
				if w, h, err = parseSize(f.size); err != nil {
					return err
				}
			}
			if spread {
				s, err := synthSpread(w, h, sides, aspects, noise, edges, formats, quality)
				if err != nil {
					return err
				}
				o.Spread = s
			} else {
				if f.size == "any" {
					w, h = 320, 240
				}
				if !cmd.Flags().Changed("format") {
					formats = "png"
				}
				if formats != "png" && formats != "jpg" {
					return usagef("--spread=false takes one --format, png or jpg")
				}
				o.Width, o.Height, o.Format = w, h, formats
			}
			start := time.Now()
			p := newProgress(g.stderr, "synth images", f.n)
			defer p.finish()
			o.Progress = p.update
			if err := world.GenerateImages(cmd.Context(), o); err != nil {
				return err
			}
			p.finish()
			fmt.Fprintf(g.stderr, "synth: %s in %s (%s)\n", plural(f.n, "image"), f.out, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f.register(cmd, 500)
	cmd.Flags().Lookup("size").DefValue = "any"
	f.size = "any"
	cmd.Flags().Lookup("size").Usage = `frame size, WIDTHxHEIGHT, or "any" (drawn within --sides at an --aspect)`
	cmd.Flags().BoolVar(&spread, "spread", true, "draw each image's size, noise, edges and format from the contract (false: one --size and --format)")
	cmd.Flags().StringVar(&sides, "sides", "160..1920", "least and greatest side of a frame, MIN..MAX")
	cmd.Flags().StringVar(&aspects, "aspect", strings.Join(world.Aspects(), ","), "aspect ratios drawn, width:height")
	cmd.Flags().StringVar(&noise, "noise", "none,shared,channel", "background noise kinds drawn: none, shared (one value a pixel), channel (one a channel)")
	cmd.Flags().StringVar(&edges, "edges", "aa,hard", "edge kinds drawn: aa (anti-aliased), hard")
	cmd.Flags().StringVar(&formats, "format", "png,jpg", "image formats drawn: png, jpg")
	cmd.Flags().StringVar(&quality, "quality", "70..95", "JPEG quality, MIN..MAX or one value")
	return cmd
}

// synthSpread turns synth images' flags into a world.Spread.
func synthSpread(w, h int, sides, aspects, noise, edges, formats, quality string) (*world.Spread, error) {
	s := &world.Spread{Width: w, Height: h,
		Aspects: splitList(aspects), Noise: splitList(noise), Edges: splitList(edges), Formats: splitList(formats)}
	var err error
	if s.MinSide, s.MaxSide, err = parseIntRange("--sides", sides); err != nil {
		return nil, err
	}
	if s.MinQuality, s.MaxQuality, err = parseIntRange("--quality", quality); err != nil {
		return nil, err
	}
	if err := s.Check(); err != nil {
		return nil, usagef("%v", err)
	}
	return s, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseIntRange parses "MIN..MAX" or one value.
func parseIntRange(name, v string) (lo, hi int, err error) {
	a, b, ok := strings.Cut(v, "..")
	if !ok {
		b = a
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo > hi || lo <= 0 {
		return 0, 0, usagef("%s %q: want MIN..MAX", name, v)
	}
	return lo, hi, nil
}

func newSynthVideosCommand(g *globals) *cobra.Command {
	var f synthFlags
	var fps float64
	var minDur, maxDur time.Duration
	var noise string
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
			if noise != world.NoiseShared && noise != world.NoiseChannel {
				return usagef("--noise %q: want shared or channel", noise)
			}
			if minDur < 4*time.Second || maxDur > 60*time.Second || minDur > maxDur {
				return usagef("durations must satisfy 4s <= --min-duration <= --max-duration <= 60s, got %s and %s", minDur, maxDur)
			}
			start := time.Now()
			p := newProgress(g.stderr, "synth videos", f.n)
			defer p.finish()
			err = world.GenerateVideos(cmd.Context(), world.VideoOptions{
				N: f.n, Seed: f.seed, Width: w, Height: h, FPS: fps,
				MinDuration: minDur, MaxDuration: maxDur, Noise: noise, Out: f.out, Progress: p.update,
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
	cmd.Flags().StringVar(&noise, "noise", "shared", "the noise of noisy backgrounds: shared (one value a pixel) or channel (one a channel)")
	return cmd
}
