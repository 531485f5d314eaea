package main

import (
	"io"

	"github.com/spf13/cobra"
)

// globals is what every command shares: where output goes. Commands get it
// from their constructor; nothing is kept in package variables.
type globals struct {
	stdout, stderr io.Writer
}

const rootLong = `captioner looks at pictures and video and writes down what it sees.
"captioner FILE..." captions images (short for "captioner caption FILE...").

Exit status: 0 success, 1 some inputs failed, 2 usage error, 130 interrupted.`

func newRootCommand(g *globals) *cobra.Command {
	var f captionFlags
	root := &cobra.Command{
		Use:           "captioner [flags] FILE... | captioner <command> [flags] ...",
		Short:         "Caption images and write subtitle tracks for videos",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && looksLikeCommand(args[0]) {
				return usagef("unknown command %q", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return runCaption(cmd, g, f, args) // captioner FILE... is captioner caption FILE...
		},
	}
	f.register(root)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{err}
	})
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newVersionCommand(g),
		newSynthCommand(g),
		newProbeCommand(g),
		newFramesCommand(g),
		newCaptionCommand(g),
		newSubtitleCommand(g),
		newDescribeCommand(g),
		newTrainCommand(g),
		newEvalCommand(g),
		newFeaturesCommand(g),
		newDetectCommand(g),
		newTagCommand(g),
		newBatchCommand(g),
		newServeCommand(g),
		newWorkerCommand(g),
	)
	return root
}

// exactArgs, minArgs: cobra's validators, returning usage errors.
func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s: needs at least %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unexpected argument %q", cmd.CommandPath(), args[0])
	}
	return nil
}
