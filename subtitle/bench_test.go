package subtitle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"captioner/media"
	"captioner/models"
	"captioner/objects"
	"captioner/vision"
	"captioner/world"
)

// benchVideo generates the speed case: 60 s of 1280x720 at 25 fps.
func benchVideo(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	err := world.GenerateVideos(context.Background(), world.VideoOptions{N: 1, Seed: 9, Width: 1280, Height: 720, FPS: 25,
		MinDuration: 60 * time.Second, MaxDuration: 60 * time.Second, Out: dir})
	if err != nil {
		b.Fatal(err)
	}
	return filepath.Join(dir, "0000.mp4")
}

// benchLabeller is the embedded labeller, or when the bundle has none yet an
// untrained one of the same shape (its speed does not depend on its weights).
func benchLabeller(b *testing.B, ex Extractor) *Labeller {
	m, e, err := LoadBundle(models.Default(), "embedded default")
	if errors.Is(err, ErrNoLabeller) {
		cfg := Config{FeatureDim: ex.Dim(), Hidden: 128, Layers: 1, Bidirectional: true, Inputs: []string{InputFeatures, InputChange}, FPS: 4, Window: 64, Factored: true}
		m, err = NewModel(cfg, nil, rand.New(rand.NewPCG(1, 1)))
		e = &Entry{Penalty: 2}
	}
	if err != nil {
		b.Fatal(err)
	}
	m.SetTrain(false)
	return &Labeller{Model: m, Entry: e, Sampler: &Sampler{Extractor: ex, FPS: 4, Width: 224, Height: 224, Fit: media.Stretch}, Cue: DefaultOptions()}
}

// BenchmarkRealTime60s compares, in one run, the whole labelling of a 60 s
// 1280x720 video at 4 samples a second with its two floors: ffmpeg decoding
// and sampling the file to a pipe (the same filters as the sampler's), and
// the CNN alone on as many frames.
// Each reports x-realtime, seconds of video per second of work.
//
//	go test -run XXX -bench RealTime60s -benchtime 3x ./subtitle
func BenchmarkRealTime60s(b *testing.B) {
	video := benchVideo(b)
	ex, err := vision.NewDefault(vision.Options{BatchSize: 16})
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close()
	l := benchLabeller(b, ex)
	ctx := context.Background()
	opts := media.VideoOptions{FPS: 4, Phase: l.Sampler.Phase(), Width: 224, Height: 224, Fit: media.Stretch}
	var frames []media.Frame
	realtime := func(b *testing.B, start time.Time) {
		b.ReportMetric(60*float64(b.N)/time.Since(start).Seconds(), "x-realtime")
	}
	// The decoding floor: ffmpeg alone, with the filters the sampler uses,
	// writing the sampled frames to a pipe that is read and dropped.
	phase := strconv.FormatFloat(l.Sampler.Phase().Seconds(), 'f', -1, 64)
	b.Run("ffmpeg", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			cmd := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-i", video,
				"-vf", "setpts=PTS-"+phase+"/TB,fps=fps=4:round=up,scale=w=224:h=224:flags=area,setsar=1,format=rgb24",
				"-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:")
			out, err := cmd.StdoutPipe()
			if err != nil {
				b.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, out)
			if err := cmd.Wait(); err != nil || n != 240*224*224*3 {
				b.Fatalf("ffmpeg: %v, %d bytes", err, n)
			}
		}
		realtime(b, start)
	})
	// The frames the CNN floor runs on, decoded once.
	s, err := media.OpenVideo(ctx, video, opts)
	if err != nil {
		b.Fatal(err)
	}
	for {
		f, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		frames = append(frames, f)
	}
	s.Close()
	b.Run("cnn", func(b *testing.B) {
		if len(frames) != 240 {
			b.Fatalf("%d frames decoded, want 240", len(frames))
		}
		start := time.Now()
		for b.Loop() {
			for i := 0; i < len(frames); i += 16 {
				if _, err := ex.Features(ctx, frames[i:min(i+16, len(frames))]); err != nil {
					b.Fatal(err)
				}
			}
		}
		realtime(b, start)
	})
	b.Run("subtitle", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			tr, err := l.Label(ctx, video)
			if err != nil {
				b.Fatal(err)
			}
			if tr.Steps != 240 {
				b.Fatalf("%d steps, want 240", tr.Steps)
			}
		}
		realtime(b, start)
	})
}

// BenchmarkProgress60s measures what progress reporting costs: the 60 s
// 1280x720 video of BenchmarkRealTime60s labelled with and without a
// Progress function, alternately in each round (which goes first
// alternates too), so that both share the machine's drift. The function
// formats a bar's line as the command does and writes it to io.Discard.
// It reports both x-realtime figures and the cost in percent (the
// difference of the total times over the plain labelling's).
//
//	go test -run XXX -bench Progress60s -benchtime 6x ./subtitle
func BenchmarkProgress60s(b *testing.B) {
	video := benchVideo(b)
	ex, err := vision.NewDefault(vision.Options{BatchSize: 16})
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close()
	l := benchLabeller(b, ex)
	ctx := context.Background()
	calls := 0
	bar := func(done, total time.Duration) {
		calls++
		fmt.Fprintf(io.Discard, "\r%s %3.0f%% [%s] %v / %v  %.1fx\x1b[K", video, 100*done.Seconds()/total.Seconds(),
			strings.Repeat("=", int(30*done/total)), done.Round(time.Second), total.Round(time.Second), 19.0)
	}
	var plain, withBar time.Duration
	run := func(p Progress) time.Duration {
		start := time.Now()
		tr, err := l.LabelProgress(ctx, video, p)
		if err != nil {
			b.Fatal(err)
		}
		if tr.Steps != 240 {
			b.Fatalf("%d steps, want 240", tr.Steps)
		}
		return time.Since(start)
	}
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			plain += run(nil)
			withBar += run(bar)
		} else {
			withBar += run(bar)
			plain += run(nil)
		}
		i++
	}
	if calls == 0 {
		b.Fatal("progress was never reported")
	}
	b.ReportMetric(60*float64(i)/plain.Seconds(), "x-realtime-plain")
	b.ReportMetric(60*float64(i)/withBar.Seconds(), "x-realtime-progress")
	b.ReportMetric(100*(withBar-plain).Seconds()/plain.Seconds(), "cost-%")
	b.ReportMetric(float64(calls)/float64(i), "calls/video")
}

// BenchmarkObjectsLabeller times the embedded objects labeller alone
// (values, the per-class network, smoothing, composition and cues) on a
// minute of generated detections, 120 steps: what it adds to the
// detector's work on a minute of footage (120 frames).
//
//	go test -run XXX -bench ObjectsLabeller ./subtitle
func BenchmarkObjectsLabeller(b *testing.B) {
	m, e, err := LoadObjectsBundle(models.Default(), "default")
	if err != nil {
		b.Fatal(err)
	}
	gen := objects.NewGenerator(6006, objects.SynthOptions{MinSeconds: 60, MaxSeconds: 60})
	videos, err := GenerateObjects(context.Background(), gen, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	v := videos[0]
	l := &ObjectsLabeller{Model: m, Entry: e}
	classes := 0
	for b.Loop() {
		tr, err := l.LabelDetections(v.Dets, v.Duration)
		if err != nil || len(tr.Cues) == 0 {
			b.Fatalf("%v: %d cues", err, len(tr.Cues))
		}
		classes = len(videoClasses(v.Dets, e.Featurizer.Classes, e.Featurizer.Floor))
	}
	b.ReportMetric(float64(len(v.Dets)), "steps")
	b.ReportMetric(float64(classes), "classes")
}
