package media

import (
	"context"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Bounds on the external processes this package runs.
const (
	// probeTimeout bounds one ffprobe run, on top of the caller's context.
	probeTimeout = 60 * time.Second
	// defaultFrameTimeout is how long OpenVideo waits for ffmpeg to produce
	// one frame before it kills it, when VideoOptions.Timeout is 0.
	defaultFrameTimeout = 60 * time.Second
	// waitDelay is how long Wait waits for the pipes to drain after the
	// process has exited or been killed (exec.Cmd.WaitDelay).
	waitDelay = 2 * time.Second
	// maxProbeOutput caps the JSON read from ffprobe.
	maxProbeOutput = 8 << 20
)

// command prepares name with args, killed when ctx ends, never through a shell.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = waitDelay
	return cmd
}

// tailBuffer is an io.Writer that keeps the last max bytes written to it, so a
// chatty process cannot make memory grow.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= t.max {
		p = p[len(p)-t.max:]
		t.buf = t.buf[:0]
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// lastLine returns the last non-empty line written.
func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return lastLine(string(t.buf))
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// limitWriter stores up to max bytes and then fails, which makes exec stop
// copying and the process's writes fail.
type limitWriter struct {
	max int
	buf []byte
}

type errTooMuch struct{}

func (errTooMuch) Error() string { return "output too large" }

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(l.buf)+len(p) > l.max {
		return 0, errTooMuch{}
	}
	l.buf = append(l.buf, p...)
	return len(p), nil
}
