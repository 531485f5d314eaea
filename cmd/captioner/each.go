package main

import (
	"context"
	"fmt"
	"strings"
)

// eachVideo runs one for every path in turn, with its progress meter, and
// reports each failure as one line on stderr: an interruption ends the
// run at once; otherwise the failures are counted into the exit status
// (failedInputs) and the other videos still done.
func eachVideo(ctx context.Context, g *globals, m *meter, paths []string, one func(path string, vm *videoMeter) error) error {
	failed := 0
	for i, p := range paths {
		if err := one(p, m.video(p, i+1, len(paths))); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(g.stderr, "captioner: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
			failed++
		}
	}
	if failed > 0 {
		return failedInputs{failed: failed, total: len(paths)}
	}
	return nil
}
