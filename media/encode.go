package media

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// VideoWriter encodes RGB frames into an H.264 MP4 through ffmpeg. The file
// appears under its name only when Close succeeds; until then ffmpeg writes a
// temporary file beside it, and Abort (or a failed Close) removes it.
type VideoWriter struct {
	ctx           context.Context
	path, tmp     string
	width, height int
	cmd           *exec.Cmd
	stdin         io.WriteCloser
	stderr        *bytes.Buffer
	done          bool
	failed        error // why the file was dropped before Close, if it was
}

// EncodeOptions tunes the encoder. The zero value gives CRF 18, preset "medium".
type EncodeOptions struct {
	CRF    int    // x264 constant rate factor, 0..51; 0 means the default, 18
	Preset string // x264 preset; "" means "medium"
}

// NewVideoWriter starts ffmpeg to write a width x height MP4 at fps frames per
// second to path. Width and height must be even (yuv420p).
func NewVideoWriter(ctx context.Context, path string, width, height int, fps float64, opts EncodeOptions) (*VideoWriter, error) {
	if width <= 0 || height <= 0 || width%2 != 0 || height%2 != 0 {
		return nil, fmt.Errorf("media: %s: frame size %dx%d must be positive and even", path, width, height)
	}
	if fps <= 0 {
		return nil, fmt.Errorf("media: %s: frame rate %g must be positive", path, fps)
	}
	crf := opts.CRF
	if crf == 0 {
		crf = 18
	}
	preset := opts.Preset
	if preset == "" {
		preset = "medium"
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	tmp := f.Name()
	// CreateTemp makes the file 0600; a video is for everyone to read.
	err = f.Chmod(0o644)
	f.Close()
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("media: %w", err)
	}

	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-framerate", fmt.Sprintf("%g", fps), "-pix_fmt", "rgb24", "-s", fmt.Sprintf("%dx%d", width, height), "-i", "pipe:",
		"-c:v", "libx264", "-crf", strconv.Itoa(crf), "-f", "mp4", "-fflags", "+bitexact", "-flags:v", "+bitexact",
		"-map_metadata", "-1", "-movflags", "+faststart", "-pix_fmt", "yuv420p", "-preset", preset, tmp}

	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("media: %w", err)
	}
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("media: %s: starting ffmpeg: %w", path, err)
	}
	return &VideoWriter{ctx: ctx, path: path, tmp: tmp, width: width, height: height, cmd: cmd, stdin: stdin, stderr: stderr}, nil
}

// WriteFrame appends one frame of packed RGB, width*height*3 bytes.
func (w *VideoWriter) WriteFrame(rgb []byte) error {
	if w.done {
		return fmt.Errorf("media: %s: write after close", w.path)
	}
	if len(rgb) != w.width*w.height*3 {
		return fmt.Errorf("media: %s: frame has %d bytes, want %d", w.path, len(rgb), w.width*w.height*3)
	}
	if _, err := w.stdin.Write(rgb); err != nil {
		// ffmpeg is gone or going: wait for it, so that its stderr is
		// complete (and no longer being written) before we quote it.
		w.Abort()
		w.failed = fmt.Errorf("media: %s: encoding: %w%s", w.path, err, w.ffmpegSays())
		return w.failed
	}
	return nil
}

// Close finishes the file and moves it to its final name. After a failed
// WriteFrame or an Abort it reports that the file was not written.
func (w *VideoWriter) Close() error {
	if w.done {
		return w.failed
	}
	w.done = true
	w.stdin.Close()
	err := w.cmd.Wait()
	if cerr := w.ctx.Err(); cerr != nil {
		// ffmpeg may have been told to stop part-way (a signal to the
		// process group) and still written a well-formed, shorter file.
		os.Remove(w.tmp)
		w.failed = fmt.Errorf("media: %s: %w", w.path, cerr)
		return w.failed
	}
	if err != nil {
		os.Remove(w.tmp)
		w.failed = fmt.Errorf("media: %s: ffmpeg: %w%s", w.path, err, w.ffmpegSays())
		return w.failed
	}
	if err := os.Rename(w.tmp, w.path); err != nil {
		os.Remove(w.tmp)
		w.failed = fmt.Errorf("media: %w", err)
		return w.failed
	}
	return nil
}

// Abort stops ffmpeg and removes the partial file. It is a no-op after
// Close, so `defer w.Abort()` is always safe.
func (w *VideoWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.failed = fmt.Errorf("media: %s: aborted", w.path)
	w.stdin.Close()
	if w.cmd.Process != nil {
		w.cmd.Process.Kill()
	}
	w.cmd.Wait() // the kill is the expected way out; its status says nothing
	os.Remove(w.tmp)
}

func (w *VideoWriter) ffmpegSays() string {
	s := strings.TrimSpace(w.stderr.String())
	if s == "" {
		return ""
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return ": " + s
}
