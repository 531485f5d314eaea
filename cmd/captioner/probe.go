package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"captioner/media"
)

func newProbeCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "probe [--json] FILE...",
		Short: "Tell images from videos by content and print their size, duration, frame rate and codec",
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEachFile(cmd, g, args, func(path string) error {
				info, err := media.Probe(cmd.Context(), path)
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(g.stdout).Encode(info)
				}
				fmt.Fprintf(g.stdout, "%s: %s\n", path, describe(info))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per file")
	return cmd
}

// describe renders what Probe found as one readable line.
func describe(info media.Info) string {
	if info.Kind == media.Image {
		s := fmt.Sprintf("image, %s, %dx%d", info.Format, info.Width, info.Height)
		if info.Orientation > 1 {
			s += fmt.Sprintf(", EXIF orientation %d", info.Orientation)
		}
		return s
	}
	parts := []string{
		"video",
		fmt.Sprintf("%dx%d", info.Width, info.Height),
		fmt.Sprintf("%.3g fps", info.FrameRate),
		fmt.Sprintf("%.2f s", info.Duration.Seconds()),
		info.Codec,
	}
	if info.StartTime != 0 {
		parts = append(parts, fmt.Sprintf("starts at %.3f s", info.StartTime.Seconds()))
	}
	if info.HasAudio {
		parts = append(parts, "with audio")
	} else {
		parts = append(parts, "no audio")
	}
	return strings.Join(parts, ", ")
}

// forEachFile runs fn on every path, reports each failure on its own line and
// goes on; it returns failedInputs when any failed, and stops early only when
// the context is cancelled.
func forEachFile(cmd *cobra.Command, g *globals, paths []string, fn func(path string) error) error {
	failed := 0
	for _, p := range paths {
		if err := cmd.Context().Err(); err != nil {
			return err
		}
		if err := fn(p); err != nil {
			if cmd.Context().Err() != nil {
				return cmd.Context().Err()
			}
			fmt.Fprintf(g.stderr, "captioner: %v\n", err)
			failed++
		}
	}
	if failed > 0 {
		return failedInputs{failed: failed, total: len(paths)}
	}
	return nil
}
