package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Exit statuses, as documented in the README and in `captioner --help`.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// usageError marks a mistake on the command line: a bad flag, a missing
// argument, an unknown command.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// failedInputs says that some inputs could not be processed; each one has
// already been reported on its own line.
type failedInputs struct{ failed, total int }

func (e failedInputs) Error() string {
	return fmt.Sprintf("%d of %d inputs failed", e.failed, e.total)
}

// report prints err (if any) as one line and maps it to an exit status.
func report(ctx context.Context, err error, stderr io.Writer) int {
	var usage usageError
	var failed failedInputs
	switch {
	case err == nil && ctx.Err() == nil:
		return exitOK
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "captioner: interrupted")
		return exitInterrupted
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "captioner: %v\nRun 'captioner --help' for usage.\n", err)
		return exitUsage
	case errors.As(err, &failed):
		fmt.Fprintf(stderr, "captioner: %v\n", err)
		return exitFailed
	default:
		fmt.Fprintf(stderr, "captioner: %v\n", err)
		return exitFailed
	}
}
