package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"captioner/world"
)

// synthVideos generates n Shapes-world videos of exactly d each in dir.
func synthVideos(t *testing.T, dir string, n int, seed uint64, d time.Duration) []string {
	t.Helper()
	if err := world.GenerateVideos(context.Background(), world.VideoOptions{N: n, Seed: seed, MinDuration: d, MaxDuration: d, Out: dir}); err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range n {
		out = append(out, filepath.Join(dir, fmtIndex(i)+".mp4"))
	}
	return out
}

// onTerminal runs the binary with a pseudo-terminal as its stdout and
// stderr (120 columns), and returns all it wrote there and its exit code;
// interrupt, if not nil, is called with the process and what it has
// written so far, each time more comes.
func onTerminal(t *testing.T, interrupt func(p *os.Process, sofar string) bool, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	var out strings.Builder
	buf := make([]byte, 4096)
	sent := false
	for {
		n, err := tty.Read(buf)
		out.Write(buf[:n])
		if interrupt != nil && !sent && n > 0 {
			sent = interrupt(cmd.Process, out.String())
		}
		if err != nil { // EIO once the process is gone (Linux)
			break
		}
	}
	cmd.Wait()
	return out.String(), cmd.ProcessState.ExitCode()
}

// barFrame is one drawing of a video's bar.
type barFrame struct {
	video       string // "[1/2] path" or "path"
	done, total float64
	speed       float64
	left        string
}

var barRE = regexp.MustCompile(`^(.*?)\s+(\d+)% \[[=> ]*\]\s+(\d+:\d\d) / (\d+:\d\d)(?:\s+([\d.]+)x)?(?:\s+(\d+:\d\d) left)?$`)

// barFrames parses the bars drawn on a terminal: each is written after a
// carriage return and ends by erasing the rest of the line.
func barFrames(t *testing.T, out string) []barFrame {
	t.Helper()
	var frames []barFrame
	for _, part := range strings.Split(out, "\r") {
		text, ok := strings.CutSuffix(part, "\x1b[K")
		if !ok || text == "" {
			continue
		}
		m := barRE.FindStringSubmatch(text)
		if m == nil {
			t.Errorf("not a bar: %q", text)
			continue
		}
		f := barFrame{video: m[1], done: clockSeconds(m[3]), total: clockSeconds(m[4]), left: m[6]}
		f.speed, _ = strconv.ParseFloat(m[5], 64)
		frames = append(frames, f)
	}
	return frames
}

func clockSeconds(s string) float64 {
	var sec float64
	for _, p := range strings.Split(s, ":") {
		n, _ := strconv.Atoi(p)
		sec = 60*sec + float64(n)
	}
	return sec
}

// On a terminal, `subtitle` shows a bar for each video that advances with
// the video's time up to its duration, says which video of how many, its
// speed and the time left, and is cleared before each result line; off a
// terminal nothing is added unless --progress asks for lines.
func TestSubtitleProgressOnTerminal(t *testing.T) {
	videos := synthVideos(t, t.TempDir(), 2, 31, 20*time.Second)
	out, code := onTerminal(t, nil, "subtitle", "--out", t.TempDir(), videos[0], videos[1])
	if code != 0 {
		t.Fatalf("exit %d: %q", code, out)
	}
	frames := barFrames(t, out)
	for i, v := range videos {
		label := "[" + strconv.Itoa(i+1) + "/2] " + v
		var mine []barFrame
		for _, f := range frames {
			if f.video == label {
				mine = append(mine, f)
			}
		}
		if len(mine) < 4 {
			t.Fatalf("%s: %d bars drawn, want one every 4 s of its 20: %q", label, len(mine), out)
		}
		for j, f := range mine {
			if f.total != 20 {
				t.Errorf("%s: bar %d says the video is %g s long, want 20", label, j, f.total)
			}
			if j > 0 && f.done <= mine[j-1].done {
				t.Errorf("%s: bar %d at %g s after %g s: does not advance", label, j, f.done, mine[j-1].done)
			}
			if j > 0 && (f.speed <= 0 || f.left == "") {
				t.Errorf("%s: bar %d has no speed or time left: %+v", label, j, f)
			}
		}
		if last := mine[len(mine)-1]; last.done != 20 || last.left != "0:00" {
			t.Errorf("%s: last bar %+v, want 20 s done, 0:00 left", label, last)
		}
		// The bar is erased, then the video's line printed.
		if !strings.Contains(out, "\r\x1b["+"K"+v+": ") {
			t.Errorf("%s: its result line does not follow an erased bar: %q", v, out)
		}
	}

	// Off a terminal: only the result lines, or with --progress, lines
	// with the same figures.
	r := captioner(t, "subtitle", "--force", "--out", t.TempDir(), videos[0])
	if r.code != 0 || r.stderr != "" || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("off a terminal: code %d, stdout %q, stderr %q; want one line and nothing else", r.code, r.stdout, r.stderr)
	}
	r = captioner(t, "subtitle", "--force", "--progress=200ms", "--out", t.TempDir(), videos[0])
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	lineRE := regexp.MustCompile(`^` + regexp.QuoteMeta(videos[0]) + `: (\d+:\d\d) / 0:20 \((\d+) %\), [\d.]+x real time, \d+:\d\d left$`)
	if r.code != 0 || len(lines) < 2 {
		t.Fatalf("--progress: code %d, stderr %q", r.code, r.stderr)
	}
	prev := -1.0
	for _, l := range lines {
		m := lineRE.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("--progress line %q", l)
			continue
		}
		if s := clockSeconds(m[1]); s <= prev {
			t.Errorf("--progress lines do not advance: %q", r.stderr)
		} else {
			prev = s
		}
	}
}

// Ctrl-C while the bar is shown stops at once: exit 130, the bar erased
// before the message, no track written.
func TestSubtitleProgressInterrupted(t *testing.T) {
	videos := synthVideos(t, t.TempDir(), 1, 32, time.Minute)
	outDir := t.TempDir()
	var at time.Time
	out, code := onTerminal(t, func(p *os.Process, sofar string) bool {
		if len(barFrames(t, sofar)) < 3 {
			return false
		}
		at = time.Now()
		p.Signal(syscall.SIGINT)
		return true
	}, "subtitle", "--out", outDir, videos[0])
	if at.IsZero() {
		t.Fatalf("no bar to interrupt: exit %d, %q", code, out)
	}
	if took := time.Since(at); took > 5*time.Second {
		t.Errorf("stopped %v after the signal", took)
	}
	if code != 130 || !strings.HasSuffix(out, "\r\x1b[Kcaptioner: interrupted\r\n") {
		t.Errorf("exit %d, output ends %q; want 130 and the bar erased before the message", code, out[max(0, len(out)-120):])
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("interrupted run left %v", entries)
	}
}

// `detect` on a video shows the same bar, and its result lines are never
// mixed with it.
func TestDetectProgressOnTerminal(t *testing.T) {
	videos := synthVideos(t, t.TempDir(), 1, 33, 8*time.Second)
	out, code := onTerminal(t, nil, "detect", "--fps", "1", videos[0])
	if code != 0 {
		t.Fatalf("exit %d: %q", code, out)
	}
	frames := barFrames(t, out)
	if len(frames) < 2 || frames[len(frames)-1].done != 8 || frames[0].total != 8 {
		t.Errorf("bars %+v, want them to reach 8 s of 8", frames)
	}
	results := 0
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if i := strings.LastIndex(line, "\x1b[K"); i >= 0 {
			line = line[i+len("\x1b[K"):]
		}
		if strings.HasPrefix(line, videos[0]+" 00:00:0") {
			results++
		}
	}
	if results != 8 {
		t.Errorf("%d whole result lines, want one per sampled second (8): %q", results, out)
	}
}

// A batch's estimate is weighted by work: on a folder of one long video
// and many short files, the time left that its progress lines give in the
// middle of the run comes true within a reasonable margin, where counting
// files says little (the long video is one file of 37).
func TestBatchProgressEstimate(t *testing.T) {
	dir := t.TempDir()
	synthVideos(t, filepath.Join(dir, "long"), 1, 34, time.Minute)
	synthVideos(t, filepath.Join(dir, "short"), 6, 35, 4*time.Second)
	if err := world.GenerateImages(context.Background(), world.ImageOptions{N: 30, Seed: 36, Out: filepath.Join(dir, "images")}); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"long", "short", "images"} {
		for _, side := range []string{"*.vtt", "*.srt", "*.json", "*.jsonl", "*.tags"} {
			m, _ := filepath.Glob(filepath.Join(dir, sub, side))
			for _, f := range m {
				os.Remove(f)
			}
		}
	}
	cmd := exec.Command(binary, "batch", "--recursive", "--jobs", "1", "--progress=250ms", "--out", t.TempDir(), dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type line struct {
		at   time.Duration
		text string
	}
	var lines []line
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		lines = append(lines, line{time.Since(start), sc.Text()})
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("batch: %v: %v", err, lines)
	}
	end := time.Since(start)
	progRE := regexp.MustCompile(`^batch: (\d+:\d\d) / (\d+:\d\d) video, (\d+)/(\d+) images, (\d+)/(\d+) files(, checking)? \((\d+) %\), [\d.]+x real time, (\d+:\d\d) left$`)
	var errs, countErrs []float64
	for _, l := range lines {
		m := progRE.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		if m[7] != "" {
			continue // still checking files: the totals are not all known yet
		}
		if m[2] != "1:24" || m[4] != "30" || m[6] != "37" {
			t.Errorf("line %q: want 1:24 of video, 30 images and 37 files in all", l.text)
		}
		pct, _ := strconv.Atoi(m[8])
		if pct < 20 || pct > 80 {
			continue
		}
		rest := (end - l.at).Seconds()
		left := clockSeconds(m[9])
		errs = append(errs, (left-rest)/rest)
		settled, _ := strconv.Atoi(m[5])
		if settled > 0 {
			countLeft := l.at.Seconds() * float64(37-settled) / float64(settled)
			countErrs = append(countErrs, (countLeft-rest)/rest)
		}
	}
	if len(errs) < 3 {
		t.Fatalf("%d progress lines between 20 and 80 %%, want 3 or more: %v", len(errs), lines)
	}
	med := func(v []float64) float64 {
		a := append([]float64(nil), v...)
		for i := range a {
			a[i] = max(a[i], -a[i])
		}
		sort.Float64s(a)
		return a[len(a)/2]
	}
	t.Logf("run of %v: time left off by %.0f %% (median) over %d lines: %.2f; counting files: %.0f %%: %.2f",
		end.Round(time.Millisecond), 100*med(errs), len(errs), errs, 100*med(countErrs), countErrs)
	// The machine is shared and its speed drifts: a third of the time
	// that is really left, at the median, and more (40 %) rarely.
	if m := med(errs); m > 0.4 {
		t.Errorf("the time left is off by %.0f %% at the median: %.2f", 100*m, errs)
	}
}
