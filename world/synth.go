package world

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/asticode/go-astisub"

	"captioner/internal/atomicfile"
	"captioner/media"
)

// ImageOptions configures GenerateImages.
type ImageOptions struct {
	N             int    // number of images
	Seed          uint64 // image i depends only on (Seed, i)
	Width, Height int    // 0 means 320x240
	Format        string // "png" (default) or "jpg"
	// Spread, if not nil, draws each image's size, aspect ratio, noise,
	// edges and format from the whole contract or the part it narrows to
	// (Width, Height and Format are then not used); nil keeps every image
	// at one size and format, drawn as generator version 1 did.
	Spread *Spread
	Out    string // output folder, created if missing
	// Progress, if not nil, is called after each finished image, from the
	// goroutine that called GenerateImages.
	Progress func(done, total int)
}

// VideoOptions configures GenerateVideos and PlanVideo.
type VideoOptions struct {
	N                        int           // number of videos
	Seed                     uint64        // video i depends only on (Seed, i)
	Width, Height            int           // 0 means 320x240; both even
	FPS                      float64       // 0 means 25
	MinDuration, MaxDuration time.Duration // 0 means 4 s and 20 s; WORLD.md allows 4 to 60 s
	// Noise is the kind of a noisy background's noise: NoiseShared ("" too:
	// one value per pixel, as generator version 1 drew) or NoiseChannel (one
	// per channel). Which backgrounds are noisy, and how much, is the same.
	Noise string
	Out   string // output folder, created if missing
	// Progress, if not nil, is called after each finished video, from the
	// goroutine that called GenerateVideos.
	Progress func(done, total int)
}

func (o *ImageOptions) fill() error {
	if o.Spread != nil {
		s, err := o.Spread.filled()
		if err != nil {
			return err
		}
		o.Spread, o.Width, o.Height, o.Format = &s, s.Width, s.Height, ""
		if o.N < 0 {
			return fmt.Errorf("world: negative image count %d", o.N)
		}
		if o.Out == "" {
			return fmt.Errorf("world: no output folder")
		}
		return nil
	}
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 320, 240
	}
	if o.Format == "" {
		o.Format = "png"
	}
	switch {
	case o.N < 0:
		return fmt.Errorf("world: negative image count %d", o.N)
	case o.Out == "":
		return fmt.Errorf("world: no output folder")
	case o.Format != "png" && o.Format != "jpg":
		return fmt.Errorf("world: unknown image format %q (want png or jpg)", o.Format)
	case o.Width < 48 || o.Height < 48 || o.Width > 8192 || o.Height > 8192:
		return fmt.Errorf("world: image size %dx%d out of range 48..8192", o.Width, o.Height)
	}
	return nil
}

func (o *VideoOptions) fill() error {
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 320, 240
	}
	if o.FPS == 0 {
		o.FPS = 25
	}
	if o.MinDuration == 0 {
		o.MinDuration = 4 * time.Second
	}
	if o.MaxDuration == 0 {
		o.MaxDuration = max(20*time.Second, o.MinDuration)
	}
	if o.Noise == NoiseShared {
		o.Noise = ""
	}
	switch {
	case o.N < 0:
		return fmt.Errorf("world: negative video count %d", o.N)
	case o.Out == "":
		return fmt.Errorf("world: no output folder")
	case o.Width < 48 || o.Height < 48 || o.Width > 4096 || o.Height > 4096 || o.Width%2 != 0 || o.Height%2 != 0:
		return fmt.Errorf("world: video size %dx%d must be even and within 48..4096", o.Width, o.Height)
	case o.FPS < 1 || o.FPS > 120:
		return fmt.Errorf("world: frame rate %g out of range 1..120", o.FPS)
	case o.MinDuration < 4*time.Second || o.MaxDuration > 60*time.Second || o.MinDuration > o.MaxDuration:
		return fmt.Errorf("world: durations %v..%v outside 4s..60s", o.MinDuration, o.MaxDuration)
	case o.Noise != "" && o.Noise != NoiseShared && o.Noise != NoiseChannel:
		return fmt.Errorf("world: unknown video noise kind %q (want shared or channel)", o.Noise)
	}
	return nil
}

// GenerateImages writes o.N images with their captions:
//
//	OUT/images/000000.png ...  the images (PNG or JPEG)
//	OUT/captions.jsonl         one ImageRecord per line, in image order
//	OUT/synth.json             a SynthInfo, written last
//
// Image i depends only on (o.Seed, i) and the size or spread: the same seed
// gives the same bytes, whatever N and however many workers.
func GenerateImages(ctx context.Context, o ImageOptions) error {
	if err := o.fill(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(o.Out, "images"), 0o755); err != nil {
		return fmt.Errorf("world: %w", err)
	}
	recs := make([]ImageRecord, o.N)
	err := parallel(ctx, o.N, o.Progress, func(ctx context.Context, i int) error {
		var im ImageSample
		var err error
		if o.Spread != nil {
			im, err = MakeSpreadImage(o.Seed, i, *o.Spread)
		} else {
			im, err = MakeImage(o.Seed, i, o.Width, o.Height)
			im.Format = o.Format
		}
		if err != nil {
			return err
		}
		data, err := encodeImage(im.Pix, im.Width, im.Height, im.Format, im.Quality)
		if err != nil {
			return err
		}
		rel := fmt.Sprintf("images/%06d.%s", i, im.Format)
		if err := atomicfile.WriteFile(filepath.Join(o.Out, rel), data, 0o644); err != nil {
			return fmt.Errorf("world: %w", err)
		}
		recs[i] = ImageRecord{File: rel, Caption: im.Caption, Scene: im.Scene, Background: im.Background, AntiAliased: im.AntiAliased}
		if o.Spread != nil {
			recs[i].Width, recs[i].Height, recs[i].Quality = im.Width, im.Height, im.Quality
		}
		return nil
	})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("world: %w", err)
		}
	}
	if err := atomicfile.WriteFile(filepath.Join(o.Out, "captions.jsonl"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("world: %w", err)
	}
	return writeJSON(filepath.Join(o.Out, "synth.json"), SynthInfo{
		Kind: "images", Generator: Version, Seed: o.Seed, N: o.N, Width: o.Width, Height: o.Height, Format: o.Format,
		Spread: o.Spread,
	})
}

// PlanVideo plans video number index of the run with the given seed (the
// options' Seed, N, Out and Progress are not used). Render draws its frames.
func PlanVideo(seed uint64, index int, o VideoOptions) (*VideoScript, error) {
	o.N, o.Out = 0, "-"
	if err := o.fill(); err != nil {
		return nil, err
	}
	r := itemRand(seed, index)
	s, err := planVideo(r, o)
	if err != nil {
		return nil, fmt.Errorf("world: video %d: %w", index, err)
	}
	s.bg = s.Background.render(s.Width, s.Height, r)
	return s, nil
}

// GenerateVideos writes o.N videos with their ground truth:
//
//	OUT/0000.mp4   H.264, o.Width x o.Height at o.FPS
//	OUT/0000.json  a VideoRecord: timing, background, segments and objects
//	OUT/0000.vtt   the labels as WebVTT, one cue per segment
//	OUT/0000.srt   the same as SRT
//	OUT/0000.tags  the video's tags (VideoScript.Tags), one a line
//	OUT/synth.json a SynthInfo, written last
//
// Video i depends only on (o.Seed, i) and the options other than N.
func GenerateVideos(ctx context.Context, o VideoOptions) error {
	if err := o.fill(); err != nil {
		return err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("world: %w", err)
	}
	err := parallel(ctx, o.N, o.Progress, func(ctx context.Context, i int) error {
		return writeVideo(ctx, o, i)
	})
	if err != nil {
		return err
	}
	return writeJSON(filepath.Join(o.Out, "synth.json"), SynthInfo{
		Kind: "videos", Generator: Version, Seed: o.Seed, N: o.N, Width: o.Width, Height: o.Height,
		FPS: o.FPS, MinDuration: o.MinDuration.Seconds(), MaxDuration: o.MaxDuration.Seconds(), Noise: o.Noise,
	})
}

func writeVideo(ctx context.Context, o VideoOptions, i int) error {
	s, err := PlanVideo(o.Seed, i, o)
	if err != nil {
		return err
	}
	base := filepath.Join(o.Out, fmt.Sprintf("%04d", i))
	w, err := media.NewVideoWriter(ctx, base+".mp4", s.Width, s.Height, s.FPS, media.EncodeOptions{})
	if err != nil {
		return fmt.Errorf("world: video %d: %w", i, err)
	}
	err = s.Render(ctx, func(_ int, pix []byte) error { return w.WriteFrame(pix) })
	if err != nil {
		w.Abort()
		if ctx.Err() != nil {
			return fmt.Errorf("world: video %d: %w", i, ctx.Err())
		}
		return fmt.Errorf("world: video %d: %w", i, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("world: video %d: %w", i, err)
	}
	if err := writeJSON(base+".json", VideoRecord{File: filepath.Base(base) + ".mp4", VideoScript: s}); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(base+".tags", []byte(FormatTags(s.Tags())), 0o644); err != nil {
		return fmt.Errorf("world: %w", err)
	}
	subs := s.Subtitles()
	for _, f := range []struct {
		ext   string
		write func(*astisub.Subtitles, *bytes.Buffer) error
	}{
		{".vtt", func(s *astisub.Subtitles, b *bytes.Buffer) error { return s.WriteToWebVTT(b) }},
		{".srt", func(s *astisub.Subtitles, b *bytes.Buffer) error { return s.WriteToSRT(b) }},
	} {
		var b bytes.Buffer
		if err := f.write(subs, &b); err != nil {
			return fmt.Errorf("world: video %d: writing %s: %w", i, f.ext, err)
		}
		if err := atomicfile.WriteFile(base+f.ext, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("world: %w", err)
		}
	}
	return nil
}

// Subtitles returns the label track: one cue per segment, touching.
func (s *VideoScript) Subtitles() *astisub.Subtitles {
	subs := astisub.NewSubtitles()
	for k, seg := range s.Segments {
		subs.Items = append(subs.Items, &astisub.Item{
			Index:   k + 1,
			StartAt: seg.StartTime(),
			EndAt:   seg.EndTime(),
			Lines:   []astisub.Line{{Items: []astisub.LineItem{{Text: seg.Label}}}},
		})
	}
	return subs
}

// Cues returns the label track as scorer cues.
func (s *VideoScript) Cues() []Cue {
	cues := make([]Cue, len(s.Segments))
	for k, seg := range s.Segments {
		cues[k] = Cue{Start: seg.StartTime(), End: seg.EndTime(), Text: seg.Label}
	}
	return cues
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("world: %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("world: %w", err)
	}
	return nil
}

// parallel runs work(ctx, i) for i in [0, n) on up to runtime.NumCPU()
// goroutines, calling progress in the caller's goroutine after each success.
// It stops at the first error (cancelling the rest) or when ctx is done.
func parallel(ctx context.Context, n int, progress func(done, total int), work func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	results := make(chan error)
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results <- work(ctx, i)
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	var first error
	done := 0
	for err := range results {
		switch {
		case err != nil && first == nil:
			first = err
			cancel()
		case err == nil:
			done++
			if progress != nil && first == nil {
				progress(done, n)
			}
		}
	}
	if first == nil && done < n {
		first = fmt.Errorf("world: %w", ctx.Err())
	}
	return first
}
