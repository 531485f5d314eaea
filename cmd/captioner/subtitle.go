package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"captioner/engine"
	"captioner/media"
	"captioner/subtitle"
	"captioner/vision"
)

type subtitleFlags struct {
	model, formats, lang, outDir string
	domain                       string
	fps                          float64
	force, asJSON, mux, notes    bool
	penalty                      float64
	cue                          subtitle.Options
	progress                     time.Duration // --progress: lines this often off a terminal
}

// subtitleRecord is what `subtitle --json` prints for each video.
type subtitleRecord struct {
	File          string      `json:"file"`
	Duration      float64     `json:"duration"` // seconds
	Steps         int         `json:"steps"`    // frames sampled
	Tracks        []string    `json:"tracks"`
	Muxed         string      `json:"muxed,omitempty"`
	Confidence    float64     `json:"confidence"`
	Novelty       float64     `json:"novelty"`
	LowConfidence bool        `json:"low_confidence"`
	Domain        string      `json:"domain"` // "shapes" or "objects": which models answered
	Cues          []cueRecord `json:"cues"`
	Elapsed       float64     `json:"elapsed"` // seconds of work
	Model         string      `json:"model"`
	FPS           float64     `json:"fps"`
}

type cueRecord struct {
	Start      float64 `json:"start"`
	End        float64 `json:"end"`
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"`
}

const subtitleLong = `subtitle writes a subtitle track for each video that says what happens on
screen, moment by moment. It samples --fps frames a second, turns each into a
CNN feature vector, and the model bundle's synced many-to-many LSTM gives each
sampled frame a label; smoothing turns the labels into segments and the cue
rules into cues. Decoding, the CNN and the LSTM run concurrently and memory
stays flat however long the video is.

Tracks go beside the video (clip.vtt and clip.srt), or into --out DIR, named
clip.<lang>.vtt with --lang. They are written to a temporary name and renamed,
and an existing track is kept unless --force is given. --mux also writes
clip.subtitled.mkv: the video and audio, not re-encoded, with the track as a
subtitle stream.

Every cue has a confidence (the mean probability of its label); WebVTT tracks
carry it in NOTE blocks and --json prints it. A video unlike those the model
was trained on is reported as low confidence: its labels are guesses.

Output: "FILE: N cues -> TRACKS" per video, or with --json one object per
line with the file, tracks, cues and confidences.

Progress: on a terminal, a bar for the video being labelled, in seconds of
video done out of its duration, with the speed as a multiple of real time,
the time left and, with several videos, which one of how many. Off a
terminal nothing is shown until each video is done, unless --progress asks
for a plain line every 10 s (--progress=30s: every 30 s).`

func newSubtitleCommand(g *globals) *cobra.Command {
	var f subtitleFlags
	cmd := &cobra.Command{
		Use:   "subtitle [--fps 4] [--format vtt,srt] [--lang L] [--out DIR] [--force] [--json] [--mux] VIDEO...",
		Short: "Write subtitle tracks that say what happens in each video",
		Long:  subtitleLong,
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSubtitle(cmd, g, f, args)
		},
	}
	def := subtitle.DefaultOptions()
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "model bundle folder (default: the embedded model)")
	fl.Float64Var(&f.fps, "fps", 0, "frames sampled per second (default: the rate the model was trained at, 4 for the embedded one)")
	fl.StringVar(&f.formats, "format", "vtt,srt", "track formats, comma-separated: vtt, srt, ttml, ssa, stl")
	fl.StringVar(&f.lang, "lang", "", `language tag in the track names (clip.<lang>.vtt) and the muxed stream`)
	fl.StringVar(&f.outDir, "out", "", "folder for the tracks (default: beside each video)")
	fl.BoolVar(&f.force, "force", false, "overwrite existing tracks")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object per video")
	fl.BoolVar(&f.mux, "mux", false, "also write clip.subtitled.mkv with the track as a subtitle stream")
	fl.StringVar(&f.domain, "domain", engine.DomainAuto, "which models label the videos: shapes, objects, or auto (each to the domain it looks like)")
	fl.BoolVar(&f.notes, "notes", true, "put each cue's confidence in a WebVTT NOTE block")
	fl.Float64Var(&f.penalty, "smoothing", -1, "switch penalty of the label smoothing (default: the model's)")
	progressFlag(fl, &f.progress)
	fl.DurationVar(&f.cue.MinDuration, "min-duration", def.MinDuration, "shortest cue")
	fl.DurationVar(&f.cue.MaxDuration, "max-duration", def.MaxDuration, "longest cue (longer ones are split; 0: no limit)")
	fl.DurationVar(&f.cue.MinGap, "min-gap", def.MinGap, "least time between cues")
	fl.IntVar(&f.cue.MaxLineLength, "max-line", def.MaxLineLength, "most characters a line")
	fl.IntVar(&f.cue.MaxLines, "max-lines", def.MaxLines, "most lines a cue")
	fl.Float64Var(&f.cue.MaxCharsPerSecond, "max-cps", def.MaxCharsPerSecond, "reading speed limit, characters per second (0: none)")
	return cmd
}

func runSubtitle(cmd *cobra.Command, g *globals, f subtitleFlags, paths []string) error {
	if f.fps < 0 || f.fps > 30 {
		return usagef("--fps must be above 0 and at most 30")
	}
	if err := f.cue.Validate(); err != nil {
		return usageError{err}
	}
	formats, err := subtitle.ParseFormats(f.formats)
	if err != nil {
		return usageError{err}
	}
	if f.mux && !slices.ContainsFunc(formats, muxable) {
		return usagef("--mux needs a track ffmpeg reads: vtt, srt or ssa among --format")
	}
	if f.lang != "" && strings.ContainsAny(f.lang, `/\. `) {
		return usagef("--lang %q: want a language tag such as en or pt-BR", f.lang)
	}
	if f.outDir != "" {
		if st, err := os.Stat(f.outDir); err == nil && !st.IsDir() {
			return usagef("--out %s: not a folder", f.outDir)
		}
	}
	if f.progress < 0 {
		return usagef("--progress must not be negative")
	}
	if err := checkDomain(f.domain); err != nil {
		return err
	}
	if f.outDir != "" { // created, as synth --out and batch --out do
		if err := os.MkdirAll(f.outDir, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	eng := engine.New(engine.Options{Model: f.model, CNN: vision.Options{BatchSize: 16}})
	defer eng.Close()
	so := engine.SubtitleOptions{FPS: f.fps, Cue: f.cue, Domain: f.domain}
	if f.penalty >= 0 {
		so.Penalty = &f.penalty
	}
	pool, err := eng.VideoLabellers(1, so)
	if err != nil {
		return err
	}
	b, err := eng.Bundle()
	if err != nil {
		return err
	}
	topts := subtitle.TrackOptions{Formats: formats, OutDir: f.outDir, Lang: f.lang, Force: f.force, Notes: f.notes}
	ctx := cmd.Context()
	m := newMeter(g.stderr, f.progress)
	failed := 0
	for i, p := range paths {
		err := pool.Do(ctx, func(vl *engine.VideoLabeller) error {
			return subtitleOne(cmd, g, f, vl, topts, b.Name, p, m.video(p, i+1, len(paths)))
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(g.stderr, "captioner: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
			failed++
		}
	}
	if failed > 0 {
		return failedInputs{failed: failed, total: len(paths)}
	}
	return nil
}

// subtitleOne labels one video and writes its tracks (and muxed copy),
// showing its progress on vm.
func subtitleOne(cmd *cobra.Command, g *globals, f subtitleFlags, vl *engine.VideoLabeller, topts subtitle.TrackOptions, model, path string, vm *videoMeter) error {
	ctx := cmd.Context()
	start := time.Now()
	tracks := subtitle.TrackPaths(path, topts)
	var muxed string
	if f.mux {
		muxed = muxedPath(path, topts)
		tracks = append(tracks, muxed)
	}
	if !f.force {
		// Say so before the work, not after it.
		for _, t := range tracks {
			if _, err := os.Lstat(t); err == nil {
				return fmt.Errorf("%s: %s exists (use --force to overwrite)", path, t)
			}
		}
	}
	v, err := vl.Label(ctx, path, vm.update)
	vm.finish()
	if err != nil {
		return err
	}
	tr, domain := v.Track, v.Domain
	if tr.Steps == 0 {
		return fmt.Errorf("%s: no frame could be sampled", path)
	}
	written, err := subtitle.WriteTracks(path, tr.Cues, topts)
	if err != nil {
		return err
	}
	if f.mux {
		i := slices.IndexFunc(written, func(p string) bool { return muxable(strings.TrimPrefix(filepath.Ext(p), ".")) })
		if err := media.Mux(ctx, path, written[i], muxed, f.lang); err != nil {
			return err
		}
	}
	if f.asJSON {
		rec := subtitleRecord{File: path, Duration: tr.Info.Duration.Seconds(), Steps: tr.Steps, Tracks: written,
			Muxed: muxed, Confidence: tr.Confidence, Novelty: tr.Novelty, LowConfidence: tr.Unsure, Domain: domain,
			Elapsed: time.Since(start).Seconds(), Model: model, FPS: v.FPS}
		rec.Cues = make([]cueRecord, 0, len(tr.Cues))
		for _, c := range tr.Cues {
			rec.Cues = append(rec.Cues, cueRecord{Start: c.Start.Seconds(), End: c.End.Seconds(), Text: c.Text(), Confidence: c.Confidence})
		}
		return json.NewEncoder(g.stdout).Encode(rec)
	}
	outputs := written
	if f.mux {
		outputs = append(outputs, muxed)
	}
	line := fmt.Sprintf("%s: %d cues -> %s", path, len(tr.Cues), strings.Join(outputs, ", "))
	switch {
	case tr.Unsure && domain == engine.DomainObjects && tr.Confidence == 0:
		line += " (low confidence: nothing the detector knows is in view)"
	case tr.Unsure && domain == engine.DomainObjects:
		line += fmt.Sprintf(" (low confidence %.2f: the labels are guesses)", tr.Confidence)
	case tr.Unsure:
		line += fmt.Sprintf(" (low confidence %.2f: unlike the videos this model was trained on; the labels are guesses)", tr.Confidence)
	}
	fmt.Fprintln(g.stdout, line)
	return nil
}

// muxedPath is where --mux writes: clip[.lang].subtitled.mkv beside the
// tracks.
func muxedPath(video string, o subtitle.TrackOptions) string {
	dir, base := filepath.Split(video)
	if o.OutDir != "" {
		dir = o.OutDir
	}
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	if o.Lang != "" {
		stem += "." + o.Lang
	}
	return filepath.Join(dir, stem+".subtitled.mkv")
}

// muxable says whether ffmpeg reads tracks of format f (TTML and STL it
// does not).
func muxable(f string) bool { return f == "vtt" || f == "srt" || f == "ssa" }
