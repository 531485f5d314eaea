package batch

import (
	"time"

	"captioner/engine"
)

// Status is what became of an input file.
type Status string

// The statuses of Event and Record.
const (
	// Done: captioned or subtitled (in this run, for an Event).
	Done Status = "done"
	// Unchanged: done in an earlier run, with the same content, model and
	// settings; not worked on again.
	Unchanged Status = "unchanged"
	// Skipped: neither an image nor a video (and not named like one).
	Skipped Status = "skipped"
	// Failed: the file could not be done; Err or Record.Error says why.
	Failed Status = "failed"
	// Started, in the manifest only: work on the file began, with the
	// outputs the record names, and did not finish.
	Started Status = "started"
)

// Caption is an image's caption, as the engine gives it.
type Caption = engine.Caption

// VideoResult sums up a video's subtitle track.
type VideoResult struct {
	Duration      float64 `json:"duration"` // seconds
	Steps         int     `json:"steps"`    // frames sampled
	Cues          int     `json:"cues"`
	Confidence    float64 `json:"confidence"` // duration-weighted mean confidence of the cues
	Novelty       float64 `json:"novelty"`
	LowConfidence bool    `json:"low_confidence"`
}

// Record is the manifest's line for one input file.
type Record struct {
	File   string    `json:"file"` // relative to the input folder, slash-separated
	Size   int64     `json:"size"`
	MTime  time.Time `json:"mtime"`
	SHA256 string    `json:"sha256,omitempty"`
	Kind   string    `json:"kind,omitempty"` // "image" or "video"
	Status Status    `json:"status"`
	// Model is the checksum of the part of the model bundle that answered
	// (see engine.ModelChecksum), ModelVersion the bundle's version label, and
	// Settings the options that change the answer (beam width, sampling
	// rate, track formats...).
	Model        string `json:"model,omitempty"`
	ModelVersion string `json:"model_version,omitempty"`
	Settings     string `json:"settings,omitempty"`
	// Outputs are the files written for this input (or, when Started, about
	// to be), relative to the output folder, slash-separated.
	Outputs []string     `json:"outputs,omitempty"`
	Caption *Caption     `json:"caption,omitempty"`
	Video   *VideoResult `json:"video,omitempty"`
	Reason  string       `json:"reason,omitempty"` // why Skipped
	Error   string       `json:"error,omitempty"`  // why Failed
	// BadContent says that the file itself is at fault (corrupt, cut
	// short, not the media its name promises): it fails again, without
	// being retried, until it changes.
	BadContent bool      `json:"bad_content,omitempty"`
	At         time.Time `json:"at"` // when the record was written
}
