package describe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"captioner/internal/atomicfile"
	"captioner/subtitle"
)

// ChaptersPath is where WriteChapters puts video's chapters track:
// clip.chapters.vtt beside it, or in dir when dir is not "".
func ChaptersPath(video, dir string) string {
	d, base := filepath.Split(video)
	if dir != "" {
		d = dir
	}
	return filepath.Join(d, strings.TrimSuffix(base, filepath.Ext(base))+".chapters.vtt")
}

// ErrExists is wrapped by WriteChapters' error when the track is already
// there and force is not set.
var ErrExists = errors.New("chapters track exists")

// Chapters encodes chapters as a WebVTT chapters track (what an HTML
// <track kind="chapters"> reads): one cue a chapter, its title the text.
func Chapters(chapters []Chapter) ([]byte, error) {
	cues := make([]subtitle.Cue, len(chapters))
	for i, c := range chapters {
		cues[i] = subtitle.Cue{Start: c.Start, End: c.End, Lines: []string{c.Text}, Confidence: c.Confidence()}
	}
	data, err := subtitle.Encode(cues, "vtt", false)
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	return data, nil
}

// WriteChapters writes chapters as path's WebVTT chapters track,
// atomically; an existing file is kept unless force is set.
func WriteChapters(path string, chapters []Chapter, force bool) error {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("describe: %s: %w (use --force to overwrite)", path, ErrExists)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("describe: %w", err)
		}
	}
	data, err := Chapters(chapters)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("describe: %w", err)
	}
	return nil
}
