package media

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// videoFixtures builds the test videos once per test binary run.
type fixtures struct {
	dir                        string
	cfr, vfr, offset, late, ts string
}

var (
	fixOnce sync.Once
	fix     fixtures
	fixErr  error
)

func getFixtures(t *testing.T) fixtures {
	t.Helper()
	fixOnce.Do(func() {
		dir, err := os.MkdirTemp("", "media-test-")
		if err != nil {
			fixErr = err
			return
		}
		fix.dir = dir
		// If a helper fails (t.Fatal), the tests that come later see this.
		fixErr = errors.New("making the test videos failed in an earlier test")
		fix.cfr = filepath.Join(dir, "cfr.mp4")
		colourVideo(t, fix.cfr, 5, 25, "")
		// VFR: every 5th frame (5 fps) except during second 1, where all
		// 25 are kept.
		fix.vfr = filepath.Join(dir, "vfr.mp4")
		colourVideo(t, fix.vfr, 5, 25, `,select='not(mod(n\,5))+between(t\,1\,1.99)'`, "-fps_mode", "vfr")
		// A container that starts at 10 s.
		fix.offset = filepath.Join(dir, "offset.mp4")
		colourVideo(t, fix.offset, 5, 25, "", "-output_ts_offset", "10")
		// Video 0.5 s later than the audio.
		fix.late = filepath.Join(dir, "late.mp4")
		ffmpegRun(t, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=5.5",
			"-itsoffset", "0.5", "-i", fix.cfr, "-map", "1:v", "-map", "0:a", "-c:v", "copy", "-c:a", "aac", fix.late)
		// MPEG-TS, whose timestamps start at 1.4 s.
		fix.ts = filepath.Join(dir, "colours.ts")
		ffmpegRun(t, "-i", fix.cfr, "-c", "copy", fix.ts)
		fixErr = nil
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fix.dir != "" {
		os.RemoveAll(fix.dir)
	}
	os.Exit(code)
}

func readAll(t *testing.T, name, path string, opts VideoOptions) []Frame {
	t.Helper()
	s, err := OpenVideo(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("%s: OpenVideo: %v", name, err)
	}
	defer s.Close()
	var frames []Frame
	for {
		f, err := s.Next()
		if err == io.EOF {
			return frames
		}
		if err != nil {
			t.Fatalf("%s: Next after %d frames: %v", name, len(frames), err)
		}
		frames = append(frames, f)
	}
}

func TestProbeVideo(t *testing.T) {
	fx := getFixtures(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "testsrc.mkv") // content, not the name, decides
	ffmpegRun(t, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-f", "lavfi", "-i", "sine=duration=4",
		"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "mp4", src)
	cases := []struct {
		name      string
		path      string
		w, h      int
		dur       time.Duration
		fps       float64
		audio     bool
		start     time.Duration
		formatHas string
	}{
		{"testsrc2", src, 320, 240, 4 * time.Second, 25, true, 0, "mp4"},
		{"cfr", fx.cfr, 64, 48, 5 * time.Second, 25, false, 0, "mp4"},
		{"offset", fx.offset, 64, 48, 5 * time.Second, 25, false, 10 * time.Second, "mp4"},
		{"late video", fx.late, 64, 48, 5500 * time.Millisecond, 25, true, 0, "mp4"},
		{"mpegts", fx.ts, 64, 48, 5 * time.Second, 25, false, 1400 * time.Millisecond, "mpegts"},
	}
	for _, c := range cases {
		info, err := Probe(context.Background(), c.path)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if info.Kind != Video || !info.HasVideo || info.Codec != "h264" || info.Width != c.w || info.Height != c.h {
			t.Errorf("%s: %+v, want h264 video %dx%d", c.name, info, c.w, c.h)
		}
		if d := info.Duration - c.dur; d < -40*time.Millisecond || d > 40*time.Millisecond {
			t.Errorf("%s: duration %v, want %v within a frame", c.name, info.Duration, c.dur)
		}
		if math.Abs(info.FrameRate-c.fps) > 0.01 {
			t.Errorf("%s: frame rate %g, want %g", c.name, info.FrameRate, c.fps)
		}
		if info.HasAudio != c.audio {
			t.Errorf("%s: HasAudio %v, want %v", c.name, info.HasAudio, c.audio)
		}
		if d := info.StartTime - c.start; d < -50*time.Millisecond || d > 50*time.Millisecond {
			t.Errorf("%s: start time %v, want %v", c.name, info.StartTime, c.start)
		}
		if !strings.Contains(info.Format, c.formatHas) {
			t.Errorf("%s: format %q, want one naming %s", c.name, info.Format, c.formatHas)
		}
	}
}

// TestVideoTimes samples the colour videos at 4 fps and checks every frame's
// index, time, and that the frame stamped t shows the colour of time t.
func TestVideoTimes(t *testing.T) {
	fx := getFixtures(t)
	const q = 250 * time.Millisecond
	cases := []struct {
		name  string
		path  string
		shift time.Duration // when the picture of second 0 starts
		first time.Duration // time of the first sample
		n     int           // number of samples
		nHalf int           // number of samples a half step later
	}{
		{"cfr", fx.cfr, 0, 0, 20, 20},
		// The last frame, at 4.8 s, lasts one frame time (40 ms) in the
		// file, so nothing is shown at 4.875 s.
		{"vfr", fx.vfr, 0, 0, 20, 19},
		{"offset start", fx.offset, 0, 0, 20, 20},
		{"video after audio", fx.late, 500 * time.Millisecond, 500 * time.Millisecond, 20, 20},
		{"mpegts", fx.ts, 0, 0, 20, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testVideoTimes(t, c.name, c.path, 0, c.shift, c.first, c.n)
		})
		t.Run(c.name+" half step later", func(t *testing.T) {
			testVideoTimes(t, c.name, c.path, q/2, c.shift, c.first, c.nHalf)
		})
	}
}

// testVideoTimes reads path at 4 samples a second from phase on and checks
// each sample's time and that it shows the colour of its second.
func testVideoTimes(t *testing.T, name, path string, phase, shift, first time.Duration, n int) {
	const q = 250 * time.Millisecond
	frames := readAll(t, name, path, VideoOptions{FPS: 4, Phase: phase})
	if len(frames) != n {
		t.Errorf("%s: %d frames, want %d", name, len(frames), n)
	}
	for i, f := range frames {
		want := first + phase + time.Duration(i)*q
		if f.Index != i || absDur(f.Time-want) > time.Millisecond {
			t.Errorf("%s: frame %d: index %d time %v, want %v", name, i, f.Index, f.Time, want)
			continue
		}
		sec := int((f.Time - shift) / time.Second)
		if got := colourAt(&f, 32, 24); got != sec {
			t.Errorf("%s: frame %d at %v shows colour %d, want %d", name, i, f.Time, got, sec)
		}
		if f.Width != 64 || f.Height != 48 || len(f.Pix) != 64*48*3 {
			t.Errorf("%s: frame %d is %dx%d with %d bytes", name, i, f.Width, f.Height, len(f.Pix))
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// TestVideoEveryFrame reads the VFR file without sampling: the times are the
// source frames' own.
func TestVideoEveryFrame(t *testing.T) {
	fx := getFixtures(t)
	frames := readAll(t, "vfr", fx.vfr, VideoOptions{})
	var want []time.Duration
	for n := 0; n < 125; n++ {
		if tm := float64(n) / 25; n%5 == 0 || tm >= 1 && tm <= 1.99 {
			want = append(want, time.Duration(n)*40*time.Millisecond)
		}
	}
	if len(frames) != len(want) {
		t.Fatalf("vfr every frame: %d frames, want %d", len(frames), len(want))
	}
	for i, f := range frames {
		if absDur(f.Time-want[i]) > time.Millisecond {
			t.Errorf("vfr every frame: frame %d at %v, want %v", i, f.Time, want[i])
		}
		if got, sec := colourAt(&f, 32, 24), int(want[i]/time.Second); got != sec {
			t.Errorf("vfr every frame: frame %d at %v shows colour %d, want %d", i, f.Time, got, sec)
		}
	}
}

func TestVideoFit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stripes.mp4")
	stripesVideo(t, path)
	for _, fit := range []Fit{Stretch, Pad, Crop} {
		name := "video-" + fit.String()
		frames := readAll(t, name, path, VideoOptions{FPS: 4, Width: 40, Height: 40, Fit: fit})
		if len(frames) != 8 {
			t.Fatalf("%s: %d frames, want 8", name, len(frames))
		}
		checkFit(t, name, fit, &frames[3])
	}
}

// TestVideoImage checks that an image opens as a stream of one frame.
func TestVideoImage(t *testing.T) {
	path := writeFile(t, t.TempDir(), "stripes", encodePNG(t, stripes()))
	frames := readAll(t, "image", path, VideoOptions{FPS: 4, Width: 40, Height: 40, Fit: Crop})
	if len(frames) != 1 || frames[0].Time != 0 {
		t.Fatalf("image as video: %d frames", len(frames))
	}
	checkFit(t, "image as video", Crop, &frames[0])
}

// longVideo is a 20 s video, enough to keep ffmpeg busy writing when a test
// stops reading.
func longVideo(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "long.mp4")
	ffmpegRun(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=20", "-c:v", "libx264", "-preset", "ultrafast", path)
	return path
}

// processGone waits a little for pid to disappear (it is reaped by Wait, so
// signal 0 fails with ESRCH).
func processGone(pid int) bool {
	for i := 0; i < 50; i++ {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func TestVideoCancel(t *testing.T) {
	path := longVideo(t)
	for _, how := range []string{"cancel", "close"} {
		t.Run(how, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := OpenVideo(ctx, path, VideoOptions{})
			if err != nil {
				t.Fatalf("%s: %v", how, err)
			}
			defer s.Close()
			if _, err := s.Next(); err != nil {
				t.Fatalf("%s: first frame: %v", how, err)
			}
			pid := s.cmd.Process.Pid
			done := make(chan error, 1)
			go func() {
				// Keep reading: the stream must end with an error, not hang.
				for {
					if _, err := s.Next(); err != nil {
						done <- err
						return
					}
				}
			}()
			if how == "cancel" {
				cancel()
			} else {
				s.Close()
			}
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: Next still running 10 s after stopping", how)
			}
			if err == io.EOF || err == nil {
				t.Errorf("%s: Next returned %v, want an error", how, err)
			}
			if how == "cancel" && !errors.Is(err, context.Canceled) {
				t.Errorf("%s: %v does not wrap context.Canceled", how, err)
			}
			if how == "close" && !errors.Is(err, os.ErrClosed) {
				t.Errorf("%s: %v does not wrap os.ErrClosed", how, err)
			}
			if !processGone(pid) {
				t.Errorf("%s: ffmpeg (pid %d) still running", how, pid)
			}
			if _, err2 := s.Next(); err2 == nil || err2 == io.EOF {
				t.Errorf("%s: Next after the end returned %v", how, err2)
			}
		})
	}
}

// TestVideoFrameTimeout stops reading with a tiny per-frame timeout... by
// using a timeout so short that ffmpeg cannot even start.
func TestVideoFrameTimeout(t *testing.T) {
	path := longVideo(t)
	s, err := OpenVideo(context.Background(), path, VideoOptions{Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Next()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next with a 1 ns timeout: %v, want a deadline error", err)
	}
}
