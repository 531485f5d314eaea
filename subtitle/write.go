package subtitle

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/asticode/go-astisub"

	"captioner/internal/atomicfile"
)

// encode writes s in the track format named by its file extension; ok is
// false for a format it does not know.
func encode(ext string, s *astisub.Subtitles, b *bytes.Buffer) (ok bool, err error) {
	if len(s.Items) == 0 {
		// go-astisub refuses to write no cues; a track with nothing to say
		// is still a track, where the format allows one.
		switch ext {
		case "vtt":
			b.WriteString("WEBVTT\n")
			return true, nil
		case "srt":
			return true, nil
		case "ttml", "ssa", "stl":
			return true, errors.New("no cues to write, and the format has no empty form")
		}
		return false, nil
	}
	switch ext {
	case "vtt":
		return true, s.WriteToWebVTT(b)
	case "srt":
		return true, s.WriteToSRT(b)
	case "ttml":
		return true, s.WriteToTTML(b)
	case "ssa":
		return true, s.WriteToSSA(b)
	case "stl":
		return true, s.WriteToSTL(b)
	}
	return false, nil
}

// ParseFormats reads a comma-separated list such as "vtt,srt".
func ParseFormats(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(list, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "webvtt" {
			f = "vtt"
		}
		if ok, _ := encode(f, astisub.NewSubtitles(), &bytes.Buffer{}); !ok {
			return nil, fmt.Errorf("subtitle: unknown track format %q (want vtt, srt, ttml, ssa or stl)", f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// TrackOptions says where WriteTracks puts a video's tracks and how.
type TrackOptions struct {
	Formats []string // extensions from ParseFormats; nil means vtt and srt
	OutDir  string   // "" means beside the video
	Lang    string   // "en" gives clip.en.vtt; "" gives clip.vtt
	Force   bool     // overwrite existing tracks
	// Notes adds each cue's confidence as a NOTE block in WebVTT output
	// (the only format here that has comments).
	Notes bool
}

// TrackPaths are the files WriteTracks would write for video.
func TrackPaths(video string, o TrackOptions) []string {
	fs := o.Formats
	if fs == nil {
		fs = []string{"vtt", "srt"}
	}
	dir, base := filepath.Split(video)
	if o.OutDir != "" {
		dir = o.OutDir
	}
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	if o.Lang != "" {
		stem += "." + o.Lang
	}
	var paths []string
	for _, f := range fs {
		paths = append(paths, filepath.Join(dir, stem+"."+f))
	}
	return paths
}

// ErrExists is wrapped by WriteTracks' error when a track is already there
// and TrackOptions.Force is not set.
var ErrExists = errors.New("track exists")

// WriteTracks writes cues as subtitle tracks for video and returns their
// paths. Every file is written to a temporary name and renamed; if any
// format fails, none of the tracks is touched. Existing tracks are kept
// unless o.Force is set.
func WriteTracks(video string, cues []Cue, o TrackOptions) ([]string, error) {
	paths := TrackPaths(video, o)
	if !o.Force {
		for _, p := range paths {
			if _, err := os.Lstat(p); err == nil {
				return nil, fmt.Errorf("subtitle: %s: %w (use --force to overwrite)", p, ErrExists)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("subtitle: %w", err)
			}
		}
	}
	subs := Subtitles(cues, o.Notes)
	var files []*atomicfile.File
	defer func() {
		for _, f := range files {
			f.Abort()
		}
	}()
	for _, p := range paths {
		ext := strings.TrimPrefix(filepath.Ext(p), ".")
		var buf bytes.Buffer
		if _, err := encode(ext, subs, &buf); err != nil {
			return nil, fmt.Errorf("subtitle: %s: %w", p, err)
		}
		f, err := atomicfile.Create(p, 0o644)
		if err != nil {
			return nil, fmt.Errorf("subtitle: %w", err)
		}
		files = append(files, f)
		if _, err := f.Write(buf.Bytes()); err != nil {
			return nil, fmt.Errorf("subtitle: %s: %w", p, err)
		}
	}
	for i, f := range files {
		if err := f.Commit(); err != nil {
			return paths[:i], fmt.Errorf("subtitle: %w", err)
		}
	}
	return paths, nil
}

// Encode writes cues as one track in format (vtt, srt, ttml, ssa or stl),
// each cue's confidence in a comment with notes: the bytes WriteTracks
// writes to a file of that format.
func Encode(cues []Cue, format string, notes bool) ([]byte, error) {
	var buf bytes.Buffer
	ok, err := encode(format, Subtitles(cues, notes), &buf)
	switch {
	case !ok:
		return nil, fmt.Errorf("subtitle: unknown track format %q", format)
	case err != nil:
		return nil, fmt.Errorf("subtitle: %s track: %w", format, err)
	}
	return buf.Bytes(), nil
}

// Subtitles converts cues to go-astisub's model; with notes, each cue carries
// its confidence as a comment (a NOTE block in WebVTT).
func Subtitles(cues []Cue, notes bool) *astisub.Subtitles {
	s := astisub.NewSubtitles()
	s.Metadata = &astisub.Metadata{Title: "captioner", Framerate: 25, SSAScriptType: "v4.00+"}
	for _, c := range cues {
		it := &astisub.Item{StartAt: c.Start, EndAt: c.End}
		for _, l := range c.Lines {
			it.Lines = append(it.Lines, astisub.Line{Items: []astisub.LineItem{{Text: l}}})
		}
		if notes {
			it.Comments = []string{fmt.Sprintf("confidence %.2f", c.Confidence)}
		}
		s.Items = append(s.Items, it)
	}
	return s
}
