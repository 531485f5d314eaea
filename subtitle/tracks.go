package subtitle

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/asticode/go-astisub"

	"captioner/world"
)

// ReadTrack reads a label track (WebVTT, SRT, TTML, SSA/ASS or STL, by
// extension) into cues in time order, each cue's lines joined with a space.
func ReadTrack(path string) ([]world.Cue, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("subtitle: %w", err)
	}
	s, err := astisub.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("subtitle: %s: %w", path, err)
	}
	var cues []world.Cue
	for i, it := range s.Items {
		if it.EndAt < it.StartAt || it.StartAt < 0 {
			return nil, fmt.Errorf("subtitle: %s: cue %d runs from %v to %v", path, i+1, it.StartAt, it.EndAt)
		}
		var lines []string
		for _, l := range it.Lines {
			if t := strings.TrimSpace(l.String()); t != "" {
				lines = append(lines, t)
			}
		}
		cues = append(cues, world.Cue{Start: it.StartAt, End: it.EndAt, Text: strings.Join(lines, " ")})
	}
	slices.SortStableFunc(cues, func(a, b world.Cue) int { return int(a.Start - b.Start) })
	return cues, nil
}

// trackExts are the sidecar extensions FindTrack looks for, in order.
var trackExts = [...]string{".vtt", ".srt", ".ttml", ".ass", ".ssa", ".stl"}

// FindTrack returns the label track beside video: clip.vtt, clip.srt, ...
// or, with lang, clip.<lang>.vtt first. ok is false when there is none.
func FindTrack(video, lang string) (path string, ok bool) {
	stem := strings.TrimSuffix(video, filepath.Ext(video))
	var stems []string
	if lang != "" {
		stems = append(stems, stem+"."+lang)
	}
	stems = append(stems, stem)
	for _, s := range stems {
		for _, ext := range trackExts {
			if st, err := os.Stat(s + ext); err == nil && st.Mode().IsRegular() {
				return s + ext, true
			}
		}
	}
	return "", false
}

// LabelsAt returns the normalised text of the cue shown at each time ("" where
// none is), the last-starting cue winning where cues overlap. It is how a
// label track becomes per-step training targets.
func LabelsAt(cues []world.Cue, times []time.Duration) []string {
	out := make([]string, len(times))
	for i, t := range times {
		for _, c := range cues {
			if c.Start > t {
				break
			}
			if t < c.End {
				out[i] = world.NormalizeText(c.Text)
			}
		}
	}
	return out
}
