package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"captioner/media"
	"captioner/subtitle"
)

// ErrInput is wrapped by a task's error when the input itself cannot be
// done (a video given to the caption task, an image to the subtitle task,
// a video with no frame to sample); a *media.Error says the same of a file
// that is not media or is damaged. Such an error does not go away when the
// task is tried again: callers that retry branch on it (BadInput).
var ErrInput = errors.New("cannot be done")

// BadInput says whether err is about the input rather than the machine:
// trying the same input again would fail again.
func BadInput(err error) bool {
	var me *media.Error
	return errors.Is(err, ErrInput) || errors.As(err, &me)
}

// Input is what a task works on: a local file, by path.
type Input struct {
	Path string
	// Progress, if not nil, is told how far a video has got.
	Progress subtitle.Progress
}

// Result is a task's answer: the caption of an image, or the summary of a
// video's track (the track itself is in the outputs).
type Result struct {
	Kind    string        `json:"kind"` // "caption", "subtitle" or "detect"
	Caption *Caption      `json:"caption,omitempty"`
	Video   *VideoSummary `json:"video,omitempty"`
	Objects []Object      `json:"objects,omitempty"`
}

// VideoSummary sums up a video's track.
type VideoSummary struct {
	Duration      float64 `json:"duration"` // seconds
	Steps         int     `json:"steps"`    // frames sampled
	FPS           float64 `json:"fps"`
	Confidence    float64 `json:"confidence"`
	Novelty       float64 `json:"novelty"`
	LowConfidence bool    `json:"low_confidence"`
	Domain        string  `json:"domain"`
	Cues          []Cue   `json:"cues"`
}

// Cue is one cue of a track.
type Cue struct {
	Start      float64 `json:"start"` // seconds
	End        float64 `json:"end"`
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"`
}

// Output is a file a task made: "subtitles.vtt", "subtitles.srt".
type Output struct {
	Name string
	Data []byte
}

// Task is one kind of work on one input, with fixed models and settings.
type Task interface {
	// Kind names the task: "caption" or "subtitle".
	Kind() string
	// Fingerprint identifies what the task answers with: the checksum of
	// the models that answer (ModelChecksum) and the settings that change
	// the answer. Two tasks with one fingerprint give the same answer for
	// the same input, so a result can be kept under content hash plus
	// fingerprint.
	Fingerprint() string
	// Run does the task on in: its result and the files it made.
	Run(ctx context.Context, in Input) (Result, []Output, error)
}

var (
	_ Task = (*CaptionTask)(nil)
	_ Task = (*SubtitleTask)(nil)
)

// fingerprint is the sha256 of the part's model checksum and settings.
func fingerprint(b *Bundle, part, settings string) (string, error) {
	sum, _, err := ModelChecksum(b.FS, part)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(part + "\n" + sum + "\n" + settings))
	return hex.EncodeToString(h[:]), nil
}

// CaptionTask captions an image in its domain.
type CaptionTask struct {
	c  *RoutedCaptioner
	fp string
}

// CaptionTask loads the captioner (see Captioner) as a task.
func (e *Engine) CaptionTask(o CaptionOptions) (*CaptionTask, error) {
	c, err := e.Captioner(o)
	if err != nil {
		return nil, err
	}
	b, _ := e.Bundle()
	fp, err := fingerprint(b, "caption", fmt.Sprintf("beam=%d nbest=%d domain=%s", c.Shapes.Decode.Beam, c.Shapes.Decode.NBest, c.Domain))
	if err != nil {
		return nil, err
	}
	return &CaptionTask{c: c, fp: fp}, nil
}

func (t *CaptionTask) Kind() string        { return "caption" }
func (t *CaptionTask) Fingerprint() string { return t.fp }

// Run captions the image at in.Path; a video is refused.
func (t *CaptionTask) Run(ctx context.Context, in Input) (Result, []Output, error) {
	info, err := media.Probe(ctx, in.Path)
	if err != nil {
		return Result{}, nil, err
	}
	if info.Kind == media.Video {
		return Result{}, nil, fmt.Errorf("engine: %s: is a video (captions are for images): %w", in.Path, ErrInput)
	}
	caps, errs, err := t.c.Caption(ctx, []string{in.Path})
	if err != nil {
		return Result{}, nil, err
	}
	if errs[0] != nil {
		return Result{}, nil, errs[0]
	}
	return Result{Kind: t.Kind(), Caption: &caps[0]}, nil, nil
}

// SubtitleTask labels a video in its domain and renders its track.
type SubtitleTask struct {
	pool    *Pool[*VideoLabeller]
	formats []string
	notes   bool
	fp      string
}

// SubtitleTask loads n video labellers (see VideoLabellers) as a task
// that runs n videos at once and renders each track in formats (vtt, srt,
// ttml, ssa, stl), with the cues' confidences as notes when notes is set.
func (e *Engine) SubtitleTask(n int, o SubtitleOptions, formats []string, notes bool) (*SubtitleTask, error) {
	pool, err := e.VideoLabellers(n, o)
	if err != nil {
		return nil, err
	}
	b, _ := e.Bundle()
	fp, err := SubtitleFingerprint(b, o, formats, notes)
	if err != nil {
		return nil, err
	}
	return &SubtitleTask{pool: pool, formats: formats, notes: notes, fp: fp}, nil
}

// SubtitleFingerprint is the fingerprint of the subtitle task that
// Engine.SubtitleTask would make over b with these settings, read from
// the bundle's manifest without loading a model: a front end that queues
// videos for workers names results with it.
func SubtitleFingerprint(b *Bundle, o SubtitleOptions, formats []string, notes bool) (string, error) {
	if o.Domain == "" {
		o.Domain = DomainAuto
	}
	pen := "model"
	if o.Penalty != nil {
		pen = fmt.Sprint(*o.Penalty)
	}
	return fingerprint(b, "subtitle", fmt.Sprintf("fps=%g smoothing=%s cue=%+v domain=%s formats=%v notes=%t", o.FPS, pen, o.Cue, o.Domain, formats, notes))
}

func (t *SubtitleTask) Kind() string        { return "subtitle" }
func (t *SubtitleTask) Fingerprint() string { return t.fp }

// Run labels the video at in.Path and renders its track as
// "subtitles.<format>" outputs; an image is refused.
func (t *SubtitleTask) Run(ctx context.Context, in Input) (Result, []Output, error) {
	info, err := media.Probe(ctx, in.Path)
	if err != nil {
		return Result{}, nil, err
	}
	if info.Kind != media.Video {
		return Result{}, nil, fmt.Errorf("engine: %s: is an image (subtitles are for videos): %w", in.Path, ErrInput)
	}
	var v Video
	err = t.pool.Do(ctx, func(l *VideoLabeller) error {
		v, err = l.Label(ctx, in.Path, in.Progress)
		return err
	})
	if err != nil {
		return Result{}, nil, err
	}
	tr := v.Track
	if tr.Steps == 0 {
		return Result{}, nil, fmt.Errorf("engine: %s: no frame could be sampled: %w", in.Path, ErrInput)
	}
	sum := &VideoSummary{Duration: tr.Info.Duration.Seconds(), Steps: tr.Steps, FPS: v.FPS, Confidence: tr.Confidence,
		Novelty: tr.Novelty, LowConfidence: tr.Unsure, Domain: v.Domain, Cues: make([]Cue, 0, len(tr.Cues))}
	for _, c := range tr.Cues {
		sum.Cues = append(sum.Cues, Cue{Start: c.Start.Seconds(), End: c.End.Seconds(), Text: c.Text(), Confidence: c.Confidence})
	}
	var outs []Output
	for _, f := range t.formats {
		data, err := subtitle.Encode(tr.Cues, f, t.notes)
		if err != nil {
			return Result{}, nil, err
		}
		outs = append(outs, Output{Name: "subtitles." + f, Data: data})
	}
	return Result{Kind: t.Kind(), Video: sum}, outs, nil
}
