package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"captioner/internal/atomicfile"
	"captioner/media"
)

type framesFlags struct {
	fps    float64
	size   string
	fit    string
	out    string
	asJSON bool
}

// frameRecord is what `frames --json` prints for each frame.
type frameRecord struct {
	File   string   `json:"file"`
	Index  int      `json:"index"`
	Time   float64  `json:"time"` // seconds from the start of the file
	Width  int      `json:"width"`
	Height int      `json:"height"`
	Mean   [3]uint8 `json:"mean_rgb"`
	PNG    string   `json:"png,omitempty"`
}

func newFramesCommand(g *globals) *cobra.Command {
	var f framesFlags
	cmd := &cobra.Command{
		Use:   "frames [--fps 4] [--size 224x224] [--out DIR] FILE...",
		Short: "List the frames captioner samples from images and videos, and optionally save them as PNG",
		Long: `frames shows exactly what the models see: each image as one frame, each video
sampled at --fps frames per second and scaled to --size (--fit stretch keeps
relative positions, pad letterboxes, crop fills and cuts), with its time stamp.`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, h, err := parseSize(f.size)
			if err != nil {
				return err
			}
			fit, err := media.ParseFit(f.fit)
			if err != nil {
				return usageError{err}
			}
			if f.fps <= 0 {
				return usagef("--fps must be positive, got %g", f.fps)
			}
			if f.out != "" {
				if err := os.MkdirAll(f.out, 0o755); err != nil {
					return err
				}
			}
			return forEachFile(cmd, g, args, func(path string) error {
				return listFrames(cmd, g, f, path, w, h, fit)
			})
		},
	}
	cmd.Flags().Float64Var(&f.fps, "fps", 4, "frames sampled per second of video")
	cmd.Flags().StringVar(&f.size, "size", "224x224", "frame size, WIDTHxHEIGHT")
	cmd.Flags().StringVar(&f.fit, "fit", "stretch", "aspect ratio policy: stretch, pad or crop")
	cmd.Flags().StringVar(&f.out, "out", "", "write every frame as a PNG into this folder")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print one JSON object per frame")
	return cmd
}

func listFrames(cmd *cobra.Command, g *globals, f framesFlags, path string, w, h int, fit media.Fit) error {
	ctx := cmd.Context()
	info, err := media.Probe(ctx, path)
	if err != nil {
		return err
	}
	emit := func(fr media.Frame) error {
		rec := frameRecord{File: path, Index: fr.Index, Time: fr.Time.Seconds(), Width: fr.Width, Height: fr.Height, Mean: meanRGB(fr)}
		if f.out != "" {
			rec.PNG = filepath.Join(f.out, fmt.Sprintf("%s_%06d.png", strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), fr.Index))
			if err := writePNG(rec.PNG, fr); err != nil {
				return err
			}
		}
		if f.asJSON {
			return json.NewEncoder(g.stdout).Encode(rec)
		}
		fmt.Fprintf(g.stdout, "%s: frame %d at %.3f s, %dx%d, mean RGB %v", path, rec.Index, rec.Time, rec.Width, rec.Height, rec.Mean)
		if rec.PNG != "" {
			fmt.Fprintf(g.stdout, " -> %s", rec.PNG)
		}
		fmt.Fprintln(g.stdout)
		return nil
	}
	if info.Kind == media.Image {
		fr, err := media.LoadImage(ctx, path, media.ImageOptions{Width: w, Height: h, Fit: fit})
		if err != nil {
			return err
		}
		return emit(fr)
	}
	stream, err := media.OpenVideo(ctx, path, media.VideoOptions{FPS: f.fps, Width: w, Height: h, Fit: fit})
	if err != nil {
		return err
	}
	defer stream.Close()
	for {
		fr, err := stream.Next()
		if errors.Is(err, io.EOF) {
			return stream.Close()
		}
		if err != nil {
			return err
		}
		if err := emit(fr); err != nil {
			return err
		}
	}
}

func meanRGB(fr media.Frame) [3]uint8 {
	var sum [3]uint64
	for i := 0; i+2 < len(fr.Pix); i += 3 {
		sum[0] += uint64(fr.Pix[i])
		sum[1] += uint64(fr.Pix[i+1])
		sum[2] += uint64(fr.Pix[i+2])
	}
	n := uint64(len(fr.Pix) / 3)
	if n == 0 {
		return [3]uint8{}
	}
	return [3]uint8{uint8(sum[0] / n), uint8(sum[1] / n), uint8(sum[2] / n)}
}

func writePNG(path string, fr media.Frame) error {
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := png.Encode(f, fr.Image()); err != nil {
		return fmt.Errorf("captioner: %s: %w", path, err)
	}
	return f.Commit()
}
