package world

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// The ground truth written beside generated images and videos, and readers
// for it.

// SynthInfo is synth.json: what a generator run made and how.
type SynthInfo struct {
	Kind        string  `json:"kind"`      // "images" or "videos"
	Generator   string  `json:"generator"` // Version
	Seed        uint64  `json:"seed"`
	N           int     `json:"n"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	Format      string  `json:"format,omitempty"`       // images
	FPS         float64 `json:"fps,omitempty"`          // videos
	MinDuration float64 `json:"min_duration,omitempty"` // videos, seconds
	MaxDuration float64 `json:"max_duration,omitempty"` // videos, seconds
	Noise       string  `json:"noise,omitempty"`        // videos: the kind of noisy backgrounds' noise, when not shared
	Spread      *Spread `json:"spread,omitempty"`       // images of a Spread (then Width, Height, Format are each image's own)
}

// ImageRecord is one line of captions.jsonl.
type ImageRecord struct {
	File        string     `json:"file"` // relative to the output folder
	Caption     string     `json:"caption"`
	Scene       Scene      `json:"scene"`
	Background  Background `json:"background"`
	AntiAliased bool       `json:"antialiased"`
	// Width, Height and Quality (JPEG) are each image's own under a
	// Spread; without one, synth.json's size holds for every image.
	Width   int `json:"width,omitempty"`
	Height  int `json:"height,omitempty"`
	Quality int `json:"quality,omitempty"`
}

// VideoRecord is NNNN.json, the ground truth of one video.
type VideoRecord struct {
	File string `json:"file"` // the video, relative to the output folder
	*VideoScript
}

// ReadImageRecords reads captions.jsonl. Every caption must parse back to its
// scene.
func ReadImageRecords(r io.Reader) ([]ImageRecord, error) {
	var recs []ImageRecord
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var rec ImageRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("world: captions line %d: %w", line, err)
		}
		scene, err := ParseCaption(rec.Caption)
		if err != nil {
			return nil, fmt.Errorf("world: captions line %d: %w", line, err)
		}
		if !scene.Equal(rec.Scene) {
			return nil, fmt.Errorf("world: captions line %d: caption %q does not say what its scene does", line, rec.Caption)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("world: reading captions: %w", err)
	}
	return recs, nil
}

// ReadVideoRecord reads a video's ground truth (NNNN.json).
func ReadVideoRecord(path string) (*VideoRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	var rec VideoRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("world: %s: %w", path, err)
	}
	if rec.VideoScript == nil || len(rec.Segments) == 0 || rec.FPS <= 0 {
		return nil, fmt.Errorf("world: %s: no segments", path)
	}
	return &rec, nil
}
