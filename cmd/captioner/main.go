// Command captioner looks at pictures and video and writes down what it sees.
//
// Exit status: 0 success, 1 some inputs failed (or another error), 2 usage
// error, 130 interrupted (SIGINT or SIGTERM).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit status. The first
// SIGINT or SIGTERM cancels the root context, so that work stops cleanly and
// no half-written file is left; a second one, or work that has not stopped
// within stopGrace, ends the process at once.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-finished:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "captioner: interrupted again, stopping now")
		case <-time.After(stopGrace):
			fmt.Fprintf(stderr, "captioner: interrupted, and still not stopped after %s; stopping now\n", stopGrace)
		case <-finished:
			return
		}
		os.Exit(exitInterrupted)
	}()

	root := newRootCommand(&globals{stdout: stdout, stderr: stderr})
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return report(ctx, err, stderr)
}

// stopGrace is how long an interrupted run may take to stop cleanly.
const stopGrace = 10 * time.Second
