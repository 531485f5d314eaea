package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"captioner/engine"
	"captioner/media"
	"captioner/vision"
)

type detectFlags struct {
	minScore   float64
	max        int
	fps        float64
	imageSize  int
	videoSize  int
	model      string
	draw       string
	asJSON     bool
	workers    int
	threads    int
	batch      int
	forceWrite bool
	progress   time.Duration // --progress: lines this often off a terminal
}

// Input sizes of the default detector, chosen in vision/BENCHMARKS.md
// ("Input size"): the full 512 for still images, where there is time, and a
// smaller one for the many frames of a video.
const (
	defaultImageSize = engine.DefaultImageSize
	defaultVideoSize = engine.DefaultVideoSize
)

// detectObject is one object in `detect --json` output.
type detectObject struct {
	Class string     `json:"class"`
	Score float64    `json:"score"`
	Box   [4]float64 `json:"box"` // x0, y0, x1, y1 in the file's pixels
}

// detectRecord is what `detect --json` prints for an image, or for each
// sampled frame of a video (with index and time).
type detectRecord struct {
	File    string         `json:"file"`
	Index   *int           `json:"index,omitempty"`
	Time    *float64       `json:"time,omitempty"` // seconds from the start of the file
	Width   int            `json:"width"`
	Height  int            `json:"height"`
	Objects []detectObject `json:"objects"`
	Drawn   string         `json:"drawn,omitempty"`
}

func newDetectCommand(g *globals) *cobra.Command {
	var f detectFlags
	cmd := &cobra.Command{
		Use:   "detect [--json] [--min-score 0.3] [--fps 2] [--draw DIR] FILE...",
		Short: "Find the objects (80 COCO classes) in images and in the sampled frames of videos, with boxes",
		Long: `detect runs the object detector (the embedded CenterNet, 80 COCO classes:
people, vehicles, animals, everyday things) on each image, and on each video
sampled at --fps frames per second, and prints one line per object found:
its class, its score (0 to 1) and its box in the file's own pixels
(x0,y0)-(x1,y1). A file with nothing found says "no objects".

--draw DIR also writes each image (and each sampled frame of a video) with
the boxes and class names drawn, as JPEG, so the detections can be looked at.
--model takes a detector spec (JSON with a "detector" object: a CenterNet or
a Darknet/ONNX YOLO of your own) or a model bundle folder.

Progress: on a terminal, a bar for each video, in seconds of video done out
of its duration, with the speed as a multiple of real time, the time left
and, with several files, which one of how many. Off a terminal nothing but
the results, unless --progress asks for a plain line every 10 s
(--progress=30s: every 30 s).`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case f.fps <= 0:
				return usagef("--fps must be positive, got %g", f.fps)
			case f.minScore < 0 || f.minScore > 1 || math.IsNaN(f.minScore):
				return usagef("--min-score must be between 0 and 1, got %g", f.minScore)
			case f.max < 1:
				return usagef("--max must be at least 1, got %d", f.max)
			case f.batch < 1 || f.workers < 1 || f.threads < 0:
				return usagef("--batch and --workers must be at least 1, --threads at least 0")
			case f.progress < 0:
				return usagef("--progress must not be negative")
			}
			for _, s := range []struct {
				name string
				v    int
			}{{"--image-size", f.imageSize}, {"--video-size", f.videoSize}} {
				if s.v != 0 && (s.v < 64 || s.v > 2048 || s.v%32 != 0) {
					return usagef("%s must be a multiple of 32 from 64 to 2048, got %d", s.name, s.v)
				}
			}
			spec, err := loadDetectorSpec(f.model)
			if err != nil {
				return err
			}
			if f.draw != "" {
				if err := os.MkdirAll(f.draw, 0o755); err != nil {
					return fmt.Errorf("--draw: %w", err)
				}
			}
			r := &detectRun{g: g, f: f, spec: spec, dets: map[int]*vision.Detector{}, meter: newMeter(g.stderr, f.progress), files: len(args)}
			defer r.close()
			return forEachFile(cmd, g, args, func(path string) error {
				return r.file(cmd, path)
			})
		},
	}
	cmd.Flags().Float64Var(&f.minScore, "min-score", vision.DefaultMinScore, "lowest score reported")
	cmd.Flags().IntVar(&f.max, "max", vision.DefaultMaxDetections, "most objects reported per image or frame")
	cmd.Flags().Float64Var(&f.fps, "fps", 2, "frames sampled per second of video")
	cmd.Flags().IntVar(&f.imageSize, "image-size", 0, fmt.Sprintf("detector input size for images, a multiple of 32 (0: the model's; %d for the default)", defaultImageSize))
	cmd.Flags().IntVar(&f.videoSize, "video-size", 0, fmt.Sprintf("detector input size for video frames, a multiple of 32 (0: %d for the default, else the model's)", defaultVideoSize))
	cmd.Flags().StringVar(&f.model, "model", "", "detector spec JSON or model bundle folder (default: the embedded detector)")
	cmd.Flags().StringVar(&f.draw, "draw", "", "folder to write images and frames with the boxes drawn")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print one JSON object per image or sampled frame")
	cmd.Flags().IntVar(&f.batch, "batch", 4, "frames per forward pass")
	cmd.Flags().IntVar(&f.workers, "workers", 1, "networks run side by side")
	cmd.Flags().IntVar(&f.threads, "threads", 0, "OpenCV threads (0: one per CPU)")
	progressFlag(cmd.Flags(), &f.progress)
	return cmd
}

func loadDetectorSpec(path string) (vision.Spec, error) {
	if path == "" {
		return vision.DefaultDetectorSpec()
	}
	return vision.OpenDetectorSpec(path)
}

// detectRun holds one detector per input size, made when first needed.
type detectRun struct {
	g    *globals
	f    detectFlags
	spec vision.Spec
	dets map[int]*vision.Detector // by input size; 0: the spec's own

	meter *meter // videos' progress
	files int    // files given
	n     int    // files begun
}

func (r *detectRun) close() {
	for _, d := range r.dets {
		d.Close()
	}
}

// detector returns the detector for images or for video frames.
func (r *detectRun) detector(video bool) (*vision.Detector, error) {
	size := r.f.imageSize
	if video {
		size = r.f.videoSize
		if size == 0 && r.f.model == "" {
			size = defaultVideoSize
		}
	}
	if d, ok := r.dets[size]; ok {
		return d, nil
	}
	spec := r.spec
	if size != 0 {
		spec.Input.Width, spec.Input.Height = size, size
	}
	d, err := vision.NewDetector(spec, vision.Options{Workers: r.f.workers, Threads: r.f.threads, BatchSize: r.f.batch})
	if err != nil {
		return nil, err
	}
	r.dets[size] = d
	return d, nil
}

func (r *detectRun) options() vision.DetectOptions {
	return vision.DetectOptions{MinScore: float32(r.f.minScore), MaxDetections: r.f.max}
}

// file detects the objects of one image or video and prints them.
func (r *detectRun) file(cmd *cobra.Command, path string) error {
	ctx := cmd.Context()
	r.n++
	info, err := media.Probe(ctx, path)
	if err != nil {
		return err
	}
	d, err := r.detector(info.Kind == media.Video)
	if err != nil {
		return err
	}
	in := d.Spec().Input
	fit, err := media.ParseFit(in.Fit)
	if in.Fit == "" {
		fit, err = media.Stretch, nil
	}
	if err != nil {
		return err
	}
	if info.Kind == media.Image {
		// Drawing needs the image as it is; detecting only needs it at the
		// network's size, which is cheaper to hold.
		w, h := in.Width, in.Height
		if r.f.draw != "" {
			w, h = 0, 0
		}
		fr, err := media.LoadImage(ctx, path, media.ImageOptions{Width: w, Height: h, Fit: fit})
		if err != nil {
			return err
		}
		return r.frames(ctx, d, path, info, fit, []media.Frame{fr}, false)
	}
	w, h := in.Width, in.Height
	if r.f.draw != "" {
		w, h = info.Width, info.Height
	}
	stream, err := media.OpenVideo(ctx, path, media.VideoOptions{FPS: r.f.fps, Width: w, Height: h, Fit: fit})
	if err != nil {
		return err
	}
	defer stream.Close()
	// Progress from the frames done: each stands for its 1/fps of video.
	vm := r.meter.video(path, r.n, r.files)
	defer vm.finish()
	vm.update(0, info.Duration)
	step := time.Duration(float64(time.Second) / r.f.fps)
	err = stream.Batches(r.f.batch, func(batch []media.Frame) error {
		if err := r.frames(ctx, d, path, info, fit, batch, true); err != nil {
			return err
		}
		done := batch[len(batch)-1].Time + step
		if info.Duration > 0 {
			done = min(done, info.Duration)
		}
		vm.update(done, info.Duration)
		return nil
	})
	if err != nil {
		return err
	}
	return stream.Close()
}

// frames detects objects in frames of one file, maps the boxes to the
// file's pixels, prints them and, with --draw, writes the drawn frames.
func (r *detectRun) frames(ctx context.Context, d *vision.Detector, path string, info media.Info, fit media.Fit, frames []media.Frame, video bool) error {
	if len(frames) == 0 {
		return nil
	}
	found, err := d.DetectFrames(ctx, frames, r.options())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for i, fd := range found {
		src, err := fd.ToSource(info.Width, info.Height, fit)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rec := detectRecord{File: path, Width: info.Width, Height: info.Height, Objects: []detectObject{}}
		if video {
			idx, t := frames[i].Index, frames[i].Time.Seconds()
			rec.Index, rec.Time = &idx, &t
		}
		for _, o := range src.Objects {
			rec.Objects = append(rec.Objects, detectObject{Class: o.Class, Score: round3(float64(o.Score)),
				Box: [4]float64{round1(float64(o.Box.X0)), round1(float64(o.Box.Y0)), round1(float64(o.Box.X1)), round1(float64(o.Box.Y1))}})
		}
		if r.f.draw != "" {
			name := filepath.Base(path) + ".jpg"
			if video {
				name = fmt.Sprintf("%s.%06d.jpg", filepath.Base(path), frames[i].Index)
			}
			out := filepath.Join(r.f.draw, name)
			if err := drawDetections(out, frames[i], fd); err != nil {
				return fmt.Errorf("%s: --draw: %w", path, err)
			}
			rec.Drawn = out
		}
		r.meter.clear()
		if err := printDetections(r.g.stdout, r.f.asJSON, rec); err != nil {
			return err
		}
	}
	return nil
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func printDetections(w io.Writer, asJSON bool, rec detectRecord) error {
	if asJSON {
		return json.NewEncoder(w).Encode(rec)
	}
	head := rec.File
	if rec.Time != nil {
		head += " " + formatClock(*rec.Time)
	}
	if len(rec.Objects) == 0 {
		_, err := fmt.Fprintf(w, "%s: no objects\n", head)
		return err
	}
	var b strings.Builder
	for _, o := range rec.Objects {
		fmt.Fprintf(&b, "%s: %s %.2f (%.0f,%.0f)-(%.0f,%.0f)\n", head, o.Class, o.Score, o.Box[0], o.Box[1], o.Box[2], o.Box[3])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatClock writes seconds as HH:MM:SS.mmm.
func formatClock(s float64) string {
	ms := int64(math.Round(s * 1000))
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}
