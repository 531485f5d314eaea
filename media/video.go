package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// VideoOptions says how OpenVideo samples and sizes frames.
type VideoOptions struct {
	// FPS is the sampling rate in frames per second; 0 hands out every
	// decoded frame with its own timestamp. A sample stamped t shows the
	// frame a player displays at t (the last one that starts at or before t).
	FPS float64
	// Phase shifts the samples to Phase + k/FPS (0 <= Phase < 1/FPS): with
	// Phase = 1/(2*FPS) each sample shows the middle of its interval, where
	// WORLD.md's per-step scores look. It has no effect when FPS is 0.
	Phase time.Duration
	// Width and Height of the frames; 0x0 keeps the video's displayed size,
	// and one side 0 follows the aspect ratio.
	Width, Height int
	Fit           Fit // how the picture meets frames of another aspect ratio
	// Timeout is the longest Next waits for ffmpeg to produce one frame
	// before it kills it; 0 means 60 s. The whole run is bounded by the
	// context.
	Timeout time.Duration
}

// VideoStream hands out the sampled frames of a video one at a time, from one
// ffmpeg process writing raw RGB frames to a pipe. Memory stays flat however
// long the video is. Next and Close may be called from different goroutines;
// Next itself is not safe for concurrent use.
type VideoStream struct {
	info          Info
	width, height int
	timeout       time.Duration
	phase         time.Duration // added to ffmpeg's times (see ffmpegArgs)

	cmd    *exec.Cmd
	ctx    context.Context
	cancel context.CancelCauseFunc
	stdout io.ReadCloser
	log    *ffmpegLog

	waitOnce sync.Once
	waitErr  error

	single *Frame // for an image: its one frame, until handed out
	index  int
	err    error // sticky: once Next fails, it keeps failing
}

var (
	errClosed       = errors.New("video stream closed")
	errFrameTimeout = errors.New("ffmpeg produced no frame in time")
)

// OpenVideo starts streaming the frames of path. It probes the file first, so
// it refuses what Probe refuses (a file without video, a playlist that points
// at a URL, a truncated MP4). An image gives a stream of one frame, decoded by
// LoadImage. The caller must Close the stream; cancelling ctx or calling
// Close kills ffmpeg at once.
func OpenVideo(ctx context.Context, path string, opts VideoOptions) (*VideoStream, error) {
	if opts.FPS < 0 || opts.Width < 0 || opts.Height < 0 || opts.Timeout < 0 || opts.Phase < 0 ||
		(opts.FPS > 0 && opts.Phase.Seconds()*opts.FPS >= 1) {
		panic(fmt.Sprintf("media: OpenVideo: negative option in %+v", opts))
	}
	info, err := Probe(ctx, path)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = defaultFrameTimeout
	}
	if info.Kind == Image {
		f, err := LoadImage(ctx, path, ImageOptions{Width: opts.Width, Height: opts.Height, Fit: opts.Fit})
		if err != nil {
			return nil, err
		}
		return &VideoStream{info: info, width: f.Width, height: f.Height, single: &f, err: nil}, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fsErr(path, err)
	}
	w, h := outputSize(info.Width, info.Height, opts.Width, opts.Height)
	args := ffmpegArgs("file:"+abs, info, w, h, opts)

	s := &VideoStream{info: info, width: w, height: h, timeout: timeout}
	if opts.FPS > 0 {
		s.phase = opts.Phase
	}
	s.ctx, s.cancel = context.WithCancelCause(ctx)
	s.cmd = command(s.ctx, "ffmpeg", args...)
	s.stdout, err = s.cmd.StdoutPipe()
	if err != nil {
		s.cancel(nil)
		return nil, fileErr(path, "starting ffmpeg: "+err.Error(), err)
	}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		s.cancel(nil)
		return nil, fileErr(path, "starting ffmpeg: "+err.Error(), err)
	}
	if err := s.cmd.Start(); err != nil {
		s.cancel(nil)
		return nil, fileErr(path, "starting ffmpeg: "+err.Error(), err)
	}
	s.log = newFFmpegLog()
	go s.log.read(stderr)
	return s, nil
}

// ffmpegArgs builds the ffmpeg command line with ffmpeg-go: the video stream
// of the input through fps (sampling), scale and pad or crop (the Fit
// policy), and showinfo (which logs each frame's time), out as raw rgb24
// frames on stdout, one after the other.
func ffmpegArgs(input string, info Info, w, h int, opts VideoOptions) []string {
	var chain []string // the filters the video stream goes through, in order
	if opts.FPS > 0 {
		if opts.Phase > 0 {
			// Sampling the video shifted Phase earlier puts sample k at
			// Phase + k/FPS of the original; Next adds Phase back.
			chain = append(chain, "setpts=PTS-"+strconv.FormatFloat(opts.Phase.Seconds(), 'f', -1, 64)+"/TB")
		}
		// round=up puts a source frame at the first sample time at or after
		// its own start, so the sample stamped t shows what plays at t.
		chain = append(chain, "fps=fps="+strconv.FormatFloat(opts.FPS, 'f', -1, 64)+":round=up")
	}
	p := place(info.Width, info.Height, w, h, opts.Fit)
	flags := "area"
	if p.ScaleW > info.Width || p.ScaleH > info.Height {
		flags = "bilinear"
	}
	chain = append(chain, fmt.Sprintf("scale=flags=%s:h=%d:w=%d", flags, p.ScaleH, p.ScaleW))
	switch opts.Fit {
	case Pad:
		chain = append(chain, fmt.Sprintf("pad=color=black:h=%d:w=%d:x=%d:y=%d", h, w, p.X, p.Y))
	case Crop:
		chain = append(chain, fmt.Sprintf("crop=exact=1:h=%d:w=%d:x=%d:y=%d", h, w, p.X, p.Y))
	}
	chain = append(chain, "setsar=1", "format=rgb24", "showinfo")
	graph := "[0:" + strconv.Itoa(info.videoStream) + "]" + strings.Join(chain, ",") + "[out]"
	return []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "level+info",
		"-protocol_whitelist", "file,pipe", "-i", input, "-filter_complex", graph, "-map", "[out]",
		"-f", "rawvideo", "-fps_mode", "passthrough", "-pix_fmt", "rgb24", "pipe:"}
}

// Info is what Probe found about the file.
func (s *VideoStream) Info() Info { return s.info }

// Size is the size of every frame Next returns.
func (s *VideoStream) Size() (width, height int) { return s.width, s.height }

// Next returns the next sampled frame, or io.EOF after the last one. An error
// from ffmpeg while decoding (a damaged or cut-short file) is returned after
// the frames decoded before it, in place of io.EOF, and wraps ErrCorrupt.
func (s *VideoStream) Next() (Frame, error) {
	if s.err != nil {
		return Frame{}, s.err
	}
	if s.cmd == nil { // an image
		if s.single == nil {
			s.err = io.EOF
			return Frame{}, io.EOF
		}
		f := *s.single
		s.single = nil
		return f, nil
	}
	buf := make([]byte, s.width*s.height*3)
	timer := time.AfterFunc(s.timeout, func() { s.cancel(errFrameTimeout) })
	_, err := io.ReadFull(s.stdout, buf)
	timer.Stop()
	if err != nil {
		s.err = s.finish(err)
		return Frame{}, s.err
	}
	t, ok := s.log.time(s.index)
	if !ok {
		s.err = s.finish(nil)
		if s.err == io.EOF {
			s.err = fileErr(s.info.Path, fmt.Sprintf("ffmpeg did not report the time of frame %d", s.index))
		}
		return Frame{}, s.err
	}
	f := Frame{Index: s.index, Time: t + s.phase, Width: s.width, Height: s.height, Pix: buf}
	s.index++
	return f, nil
}

// finish waits for ffmpeg after the frames stopped and says why they did.
func (s *VideoStream) finish(readErr error) error {
	waitErr := s.wait()
	path := s.info.Path
	if cause := context.Cause(s.ctx); cause != nil {
		switch {
		case errors.Is(cause, errClosed):
			return fileErr(path, errClosed.Error(), os.ErrClosed)
		case errors.Is(cause, errFrameTimeout):
			return fileErr(path, fmt.Sprintf("ffmpeg produced no frame in %v; killed it", s.timeout), errFrameTimeout, context.DeadlineExceeded)
		}
		return fileErr(path, "decoding interrupted: "+cause.Error(), cause)
	}
	first, count := s.log.errors()
	if waitErr != nil {
		msg := "ffmpeg failed: " + waitErr.Error()
		if first != "" {
			msg += ": " + first
		}
		return fileErr(path, msg, ErrCorrupt, waitErr)
	}
	if count > 0 {
		return fileErr(path, fmt.Sprintf("decoding stopped after %d frames with %d errors, the first: %s", s.index, count, first), ErrCorrupt)
	}
	if errors.Is(readErr, io.ErrUnexpectedEOF) {
		return fileErr(path, "ffmpeg stopped in the middle of a frame", ErrCorrupt)
	}
	if s.index == 0 {
		return fileErr(path, "no frames decoded", ErrCorrupt)
	}
	return io.EOF
}

func (s *VideoStream) wait() error {
	s.waitOnce.Do(func() {
		// Read stderr to its end first (Wait would close it under the
		// reader and lose ffmpeg's last words), but never wait forever.
		select {
		case <-s.log.done:
		case <-time.After(s.timeout):
			s.cancel(errFrameTimeout)
			<-s.log.done
		}
		s.waitErr = s.cmd.Wait()
	})
	return s.waitErr
}

// Close kills ffmpeg if it is still running and waits for it to go. It is
// safe to call more than once, and while Next is blocked in another
// goroutine, which then returns an error.
func (s *VideoStream) Close() error {
	if s.cmd == nil {
		s.single = nil
		if s.err == nil {
			s.err = fileErr(s.info.Path, errClosed.Error(), os.ErrClosed)
		}
		return nil
	}
	s.cancel(errClosed)
	s.wait()
	return nil
}

// ffmpegLog reads ffmpeg's stderr: the frame times that showinfo logs, queued
// until Next pairs them with frames, and the error lines. It holds at most a
// few lines, so memory does not grow with the video.
type ffmpegLog struct {
	mu      sync.Mutex
	cond    *sync.Cond
	times   []time.Duration // times of frames base, base+1, ...
	base    int
	eof     bool
	first   string // first error line
	nerrors int
	done    chan struct{}
}

func newFFmpegLog() *ffmpegLog {
	l := &ffmpegLog{done: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *ffmpegLog) read(r io.Reader) {
	defer close(l.done)
	defer func() {
		l.mu.Lock()
		l.eof = true
		l.mu.Unlock()
		l.cond.Broadcast()
	}()
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// An over-long line (side data); drop the rest of it.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		if len(line) > 0 {
			l.line(string(line))
		}
		if err != nil {
			io.Copy(io.Discard, r)
			return
		}
	}
}

func (l *ffmpegLog) line(line string) {
	if n, t, ok := parseShowinfo(line); ok {
		l.mu.Lock()
		if n == l.base+len(l.times) {
			l.times = append(l.times, t)
		}
		l.mu.Unlock()
		l.cond.Broadcast()
		return
	}
	if lv, msg := logLevel(line); lv == "error" || lv == "fatal" || lv == "panic" {
		l.mu.Lock()
		if l.nerrors == 0 {
			l.first = oneLine(msg)
		}
		l.nerrors++
		l.mu.Unlock()
	}
}

// time returns the time of frame n (called with n = 0, 1, 2, ... in order),
// waiting for its line; ok is false when stderr ended without it.
func (l *ffmpegLog) time(n int) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for n >= l.base+len(l.times) && !l.eof {
		l.cond.Wait()
	}
	if n < l.base || n >= l.base+len(l.times) {
		return 0, false
	}
	t := l.times[n-l.base]
	// Drop what is used, so the queue holds only frames not yet read.
	k := n - l.base + 1
	l.times = append(l.times[:0], l.times[k:]...)
	l.base += k
	return t, true
}

func (l *ffmpegLog) errors() (first string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first, l.nerrors
}
