package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"captioner/batch"
	"captioner/engine"
	"captioner/models"
	"captioner/subtitle"
	"captioner/vision"
)

type batchFlags struct {
	model, outDir, formats, lang string
	domain                       string
	jobs, beam                   int
	fps, penalty                 float64
	recursive, asJSON, force     bool
	sidecar, notes               bool
	progress                     time.Duration // --progress: lines this often off a terminal
}

const batchLong = `batch captions every image and writes subtitle tracks for every video of a
folder (and its subfolders with --recursive), several files at a time, and
can be stopped and run again at any moment: a second run does only what is
new or changed.

Files are told apart by their content, not their names. Other files are
skipped, unless their name promises an image or a video (a text file called
clip.mp4): that is an error. A file that fails is reported on one line and
the others go on.

Outputs, in the output folder (--out, by default the folder itself), which
mirrors the folder's layout:
  captions.jsonl, captions.csv  every captioned image: file, caption, score,
                                novelty, low_confidence, model, model_checksum
  clip.vtt, clip.srt            each video's tracks (--format, --lang), beside
                                the video or mirrored under --out
  photo.jpg.caption.json        with --sidecar, each image's caption
  captioner-batch.jsonl         the manifest: per file its size, time,
                                sha256, model checksum, outputs and status

A file is done again when its content changed (a file only touched keeps its
result), when the model or the options that change its answer differ, or
when its outputs are gone; --force redoes every file. Models are loaded only
when some file needs them. Killing the process (even with SIGKILL) loses no
finished file and leaves no half-written output (the next run removes the
temporary files of one killed while writing).

Progress: on a terminal, a bar weighted by work, not by files: seconds of
video labelled out of all the videos' seconds, images captioned out of the
images (an image weighs one sampled frame), so one long video moves it as it
goes; with the files settled, and the time left. Otherwise a line for each
file done, skipped or failed (and with --progress, a progress line every
10 s, or as often as --progress=30s says); then a summary. --json prints one
object per file ("type": "file", status done, unchanged, skipped or failed)
and a last one ("type": "summary"). Exit status 1 if any file failed, 130
if interrupted.`

func newBatchCommand(g *globals) *cobra.Command {
	var f batchFlags
	cmd := &cobra.Command{
		Use:   "batch DIR [--out DIR] [--jobs N] [--recursive] [--json] [--force] [--sidecar]",
		Short: "Caption the images and subtitle the videos of a whole folder, resumably",
		Long:  batchLong,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s: needs one folder, got %d arguments", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBatch(cmd.Context(), g, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.outDir, "out", "", "output folder: index, manifest and mirrored outputs (default: DIR itself)")
	fl.IntVar(&f.jobs, "jobs", min(runtime.NumCPU(), 8), "files (or groups of 16 images) worked on at once: by default one a CPU, at most 8")
	fl.BoolVarP(&f.recursive, "recursive", "r", false, "also the files of subfolders")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object per file and a summary object")
	fl.BoolVar(&f.force, "force", false, "redo every file and overwrite existing tracks")
	fl.BoolVar(&f.sidecar, "sidecar", false, "also write each image's caption beside it: photo.jpg.caption.json")
	fl.StringVar(&f.model, "model", "", "model bundle folder (default: the embedded model)")
	fl.IntVar(&f.beam, "beam", 3, "beam width of the captions (1: greedy)")
	fl.StringVar(&f.domain, "domain", engine.DomainAuto, "which models caption the images: shapes, objects, or auto (each to the domain it looks like)")
	fl.Float64Var(&f.fps, "fps", 0, "video frames sampled per second (default: the rate the labeller was trained at)")
	fl.StringVar(&f.formats, "format", "vtt,srt", "track formats, comma-separated: vtt, srt, ttml, ssa, stl")
	fl.StringVar(&f.lang, "lang", "", "language tag in the track names (clip.<lang>.vtt)")
	fl.BoolVar(&f.notes, "notes", true, "put each cue's confidence in a WebVTT NOTE block")
	fl.Float64Var(&f.penalty, "smoothing", -1, "switch penalty of the label smoothing (default: the model's)")
	progressFlag(fl, &f.progress)
	return cmd
}

func runBatch(ctx context.Context, g *globals, f batchFlags, dir string) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usagef("batch %s: not a folder", dir)
	}
	switch {
	case f.jobs < 1 || f.jobs > 64:
		return usagef("--jobs must be 1 to 64, got %d", f.jobs)
	case f.beam < 1:
		return usagef("--beam must be at least 1, got %d", f.beam)
	case checkDomain(f.domain) != nil:
		return checkDomain(f.domain)
	case f.fps < 0 || f.fps > 30:
		return usagef("--fps must be above 0 and at most 30")
	case f.lang != "" && strings.ContainsAny(f.lang, `/\. `):
		return usagef("--lang %q: want a language tag such as en or pt-BR", f.lang)
	case f.progress < 0:
		return usagef("--progress must not be negative")
	}
	formats, err := subtitle.ParseFormats(f.formats)
	if err != nil {
		return usageError{err}
	}
	if f.outDir != "" {
		if st, err := os.Stat(f.outDir); err == nil && !st.IsDir() {
			return usagef("--out %s: not a folder", f.outDir)
		}
	}
	// The bundle's files are enough to tell whether earlier results still
	// hold; its models are loaded only when some file needs one.
	fsys := models.Default()
	if f.model != "" {
		if st, err := os.Stat(f.model); err != nil || !st.IsDir() {
			return fmt.Errorf("model bundle %s: not a folder", f.model)
		}
		fsys = os.DirFS(f.model)
	}
	capSum, version, err := engine.ModelChecksum(fsys, "caption")
	if err != nil {
		return err
	}
	subSum, _, err := engine.ModelChecksum(fsys, "subtitle")
	if err != nil {
		return err
	}
	workers := min(f.jobs, runtime.NumCPU())
	eng := engine.New(engine.Options{Model: f.model,
		CNN: vision.Options{Workers: workers, Threads: max(1, runtime.NumCPU()/workers), BatchSize: 8}})
	defer eng.Close()
	loadCaptioner := func(ctx context.Context) (batch.ImageCaptioner, error) {
		return eng.Captioner(engine.CaptionOptions{Beam: f.beam, Domain: f.domain})
	}
	loadLabeller := func(ctx context.Context) (batch.VideoLabeller, error) {
		so := engine.SubtitleOptions{FPS: f.fps, Cue: subtitle.DefaultOptions()}
		if f.penalty >= 0 {
			so.Penalty = &f.penalty
		}
		return eng.Labellers(f.jobs, so)
	}
	fps := f.fps
	if fps == 0 {
		fps = subtitle.DefaultFPS // the embedded labeller's: only the weight of an image depends on it
	}
	out := newBatchOutput(g, f.asJSON, newMeter(g.stderr, f.progress), fps)
	opts := batch.Options{
		Dir: dir, Out: f.outDir, Recursive: f.recursive, Jobs: f.jobs, Force: f.force,
		Images: batch.Images{Load: loadCaptioner, Model: capSum, Version: version,
			Settings: imageSettings(f), Sidecar: f.sidecar},
		Videos: batch.Videos{Load: loadLabeller, Model: subSum, Version: version,
			Settings: fmt.Sprintf("fps=%g format=%s lang=%s notes=%t smoothing=%g", f.fps, strings.Join(formats, ","), f.lang, f.notes, f.penalty),
			Tracks:   subtitle.TrackOptions{Formats: formats, Lang: f.lang, Notes: f.notes}},
		Started:  out.started,
		Report:   out.report,
		Progress: out.progress,
	}
	sum, err := batch.Run(ctx, opts)
	if err == nil || ctx.Err() != nil || sum.Files > 0 {
		out.finish(sum, ctx.Err() == nil)
	}
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return failedInputs{failed: sum.Failed, total: sum.Files}
	}
	return nil
}

// imageSettings are the options that change an image's caption.
func imageSettings(f batchFlags) string {
	if f.domain == engine.DomainAuto {
		return fmt.Sprintf("beam=%d", f.beam)
	}
	return fmt.Sprintf("beam=%d domain=%s", f.beam, f.domain)
}

// batchFileRecord is what `batch --json` prints for each file.
type batchFileRecord struct {
	Type           string             `json:"type"` // "file"
	File           string             `json:"file"`
	Kind           string             `json:"kind,omitempty"`
	Status         string             `json:"status"`
	Reason         string             `json:"reason,omitempty"`
	Error          string             `json:"error,omitempty"`
	*batch.Caption                    // images: caption, score, novelty, low_confidence
	Video          *batch.VideoResult `json:"video,omitempty"`
	Outputs        []string           `json:"outputs,omitempty"`
	Elapsed        float64            `json:"elapsed"` // seconds
}

// batchSummaryRecord is the last object `batch --json` prints.
type batchSummaryRecord struct {
	Type         string   `json:"type"` // "summary"
	Files        int      `json:"files"`
	Done         int      `json:"done"`
	Unchanged    int      `json:"unchanged"`
	Skipped      int      `json:"skipped"`
	Failed       int      `json:"failed"`
	Images       int      `json:"images"`
	Videos       int      `json:"videos"`
	VideoSeconds float64  `json:"video_seconds"`
	Subfolders   int      `json:"subfolders_not_searched"`
	ModelsLoaded []string `json:"models_loaded"`
	Elapsed      float64  `json:"elapsed"` // seconds
	ImagesPerSec float64  `json:"images_per_second"`
	VideoSecPerS float64  `json:"video_seconds_per_second"`
	Interrupted  bool     `json:"interrupted,omitempty"`
}

// batchOutput shows a run: a progress bar on a terminal, or one line per
// file (and progress lines with --progress), or JSON objects; failures
// always get their line on stderr.
type batchOutput struct {
	g      *globals
	asJSON bool
	enc    *json.Encoder
	meter  *meter
	fps    float64 // an image weighs 1/fps s of video
	total  int
	counts map[batch.Status]int
	start  time.Time // the first progress
}

func newBatchOutput(g *globals, asJSON bool, m *meter, fps float64) *batchOutput {
	o := &batchOutput{g: g, asJSON: asJSON, enc: json.NewEncoder(g.stdout), meter: m, fps: fps, counts: map[batch.Status]int{}}
	o.enc.SetEscapeHTML(false)
	return o
}

func (o *batchOutput) started(files int) {
	o.total = files
}

// progress is called by batch.Run, one call at a time, as the work goes:
// the bar (or line) says how much of the work is done, in seconds of video
// with images weighed as frames, and how long the rest should take at the
// speed so far.
func (o *batchOutput) progress(p batch.Progress) {
	if !o.meter.on() || p.Files == 0 {
		return
	}
	now := o.meter.now()
	if o.start.IsZero() {
		o.start = now
	}
	done, total := p.Work(o.fps)
	r := reading{label: "batch", done: done, total: total}
	if el := now.Sub(o.start).Seconds(); el > 0 && done > 0 {
		r.speed = done / el
	}
	var parts []string
	if p.Videos > 0 {
		parts = append(parts, fmt.Sprintf("%s / %s video", clock(secs(p.VideoSecondsDone)), clock(secs(p.VideoSeconds))))
	}
	if p.Images > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d images", p.ImagesDone, p.Images))
	}
	parts = append(parts, fmt.Sprintf("%d/%d files", p.Settled, p.Files))
	if n := o.counts[batch.Failed]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	if p.Checked < p.Files {
		parts = append(parts, "checking")
	}
	r.detail = strings.Join(parts, ", ")
	o.meter.show(r, false)
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// report is called by batch.Run, one file at a time.
func (o *batchOutput) report(ev batch.Event) {
	o.counts[ev.Status]++
	if ev.Status == batch.Failed {
		o.meter.clear()
	}
	if ev.Status == batch.Failed {
		fmt.Fprintf(o.g.stderr, "captioner: %s\n", strings.ReplaceAll(ev.Err.Error(), "\n", " "))
	}
	switch {
	case o.asJSON:
		rec := batchFileRecord{Type: "file", File: ev.Path, Kind: ev.Kind, Status: string(ev.Status), Reason: ev.Reason,
			Caption: ev.Caption, Video: ev.Video, Outputs: ev.Outputs, Elapsed: ev.Elapsed.Seconds()}
		if ev.Err != nil {
			rec.Error = ev.Err.Error()
		}
		o.enc.Encode(rec)
	case o.meter.mode == meterBar:
		// The bar says it.
	default:
		if line := plainLine(ev); line != "" {
			fmt.Fprintln(o.g.stderr, line)
		}
	}
}

// plainLine is a file's log line when stderr is not a terminal (failures
// have theirs already; unchanged files have none).
func plainLine(ev batch.Event) string {
	switch {
	case ev.Status == batch.Skipped:
		return fmt.Sprintf("skipped %s: %s", ev.Path, ev.Reason)
	case ev.Status != batch.Done:
		return ""
	case ev.Caption != nil:
		line := fmt.Sprintf("done %s: %s", ev.Path, ev.Caption.Text)
		if ev.Caption.LowConfidence {
			line += " (low confidence)"
		}
		return line
	case ev.Video != nil:
		line := fmt.Sprintf("done %s: %s -> %s", ev.Path, plural(ev.Video.Cues, "cue"), strings.Join(ev.Outputs, ", "))
		if ev.Video.LowConfidence {
			line += " (low confidence)"
		}
		return line
	}
	return ""
}

// finish clears the bar and prints the summary.
func (o *batchOutput) finish(s batch.Summary, complete bool) {
	o.meter.clear()
	secs := s.Elapsed.Seconds()
	rate := func(n float64) float64 {
		if secs <= 0 {
			return 0
		}
		return n / secs
	}
	if o.asJSON {
		o.enc.Encode(batchSummaryRecord{Type: "summary", Files: s.Files, Done: s.Done, Unchanged: s.Unchanged, Skipped: s.Skipped,
			Failed: s.Failed, Images: s.Images, Videos: s.Videos, VideoSeconds: s.VideoSeconds, Subfolders: s.Subfolders,
			ModelsLoaded: s.Loaded, Elapsed: secs, ImagesPerSec: rate(float64(s.Images)), VideoSecPerS: rate(s.VideoSeconds),
			Interrupted: !complete})
		return
	}
	if s.Files == 0 && s.Subfolders == 0 && complete {
		fmt.Fprintln(o.g.stderr, "batch: no files")
		return
	}
	line := fmt.Sprintf("batch: %s in %s: %d done (%s, %s), %d unchanged, %d skipped, %d failed",
		plural(s.Files, "file"), s.Elapsed.Round(10*time.Millisecond), s.Done, plural(s.Images, "image"), plural(s.Videos, "video"),
		s.Unchanged, s.Skipped, s.Failed)
	if s.Images > 0 {
		line += fmt.Sprintf("; %.1f images/s", rate(float64(s.Images)))
	}
	if s.Videos > 0 {
		line += fmt.Sprintf("; %.1f s of video/s", rate(s.VideoSeconds))
	}
	if len(s.Loaded) == 0 && s.Files > 0 {
		line += "; no model loaded"
	}
	if !complete {
		line += " (interrupted)"
	}
	fmt.Fprintln(o.g.stderr, line)
	if s.Subfolders > 0 {
		fmt.Fprintf(o.g.stderr, "batch: %s not searched (use --recursive)\n", plural(s.Subfolders, "subfolder"))
	}
}
