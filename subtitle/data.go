package subtitle

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"captioner/media"
	"captioner/world"
)

// Example is one labelled video: the video and its label track beside it.
type Example struct {
	Video string `json:"video"`
	Track string `json:"track"`
	// Split is the part of the data the video is in: the name of its
	// folder right under the data's, when that is train, val or test (a
	// generated set: `captioner synth videos --out DIR/train`, then
	// `--out DIR/test` with another seed), else "".
	Split string `json:"split,omitempty"`
}

// AllSplits names the whole of the data, whatever its splits.
const AllSplits = "all"

// Split returns the examples of one split ("" and AllSplits return all).
func (d *Data) Split(name string) []Example {
	if name == "" || name == AllSplits {
		return d.Examples
	}
	var out []Example
	for _, e := range d.Examples {
		if e.Split == name {
			out = append(out, e)
		}
	}
	return out
}

// EvalSplit is the split a labeller is scored on by default: "test" when
// the data has a test part, else AllSplits. Training leaves the test part
// out.
func (d *Data) EvalSplit() string {
	if len(d.Split("test")) > 0 {
		return "test"
	}
	return AllSplits
}

// trainable returns the examples training may use: all but the test part.
func (d *Data) trainable() []Example {
	var out []Example
	for _, e := range d.Examples {
		if e.Split != "test" {
			out = append(out, e)
		}
	}
	return out
}

// SplitOf is the split of the video at path under dir: the name of its
// folder right under dir when that is train, val or test, else "". Every
// folder of videos (labelled, tagged) is split this way.
func SplitOf(dir, path string) string {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return ""
	}
	first, _, nested := strings.Cut(filepath.ToSlash(rel), "/")
	if nested && (first == "train" || first == "val" || first == "test") {
		return first
	}
	return ""
}

// Data is a folder of labelled videos: any videos ffmpeg reads, each with a
// sidecar label track (clip.mp4 with clip.vtt or clip.srt, ...), such as
// `captioner synth videos` writes.
type Data struct {
	Dir        string
	Examples   []Example // in path order
	Unlabelled []string  // videos without a track, left out
	// Source is the generator's synth.json when the folder was made by
	// `captioner synth videos`; nil otherwise.
	Source *world.SynthInfo
}

// Sidecar says whether name is a label track or another sidecar (a
// generator's record, a tags file), which is never probed as a video.
func Sidecar(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".vtt", ".srt", ".ttml", ".ass", ".ssa", ".stl", ".json", ".jsonl", ".txt", ".csv", ".tags":
		return true
	}
	return false
}

// OpenData finds the labelled videos under dir (recursively), recognising
// videos by content.
func OpenData(ctx context.Context, dir string) (*Data, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("subtitle: data: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("subtitle: data %s: not a folder", dir)
	}
	d := &Data{Dir: dir}
	var candidates []string
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if e.Type().IsRegular() && !Sidecar(path) && !strings.HasPrefix(e.Name(), ".") {
			candidates = append(candidates, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("subtitle: data %s: %w", dir, err)
	}
	// Probing is one ffprobe a file: four at a time.
	isVideo := make([]bool, len(candidates))
	forEach(ctx, len(candidates), 4, func(i int) {
		info, err := media.Probe(ctx, candidates[i])
		isVideo[i] = err == nil && info.Kind == media.Video
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("subtitle: data %s: %w", dir, err)
	}
	for i, path := range candidates {
		if !isVideo[i] {
			continue // not a video: not part of the data
		}
		if track, ok := FindTrack(path, ""); ok {
			d.Examples = append(d.Examples, Example{Video: path, Track: track, Split: SplitOf(dir, path)})
		} else {
			d.Unlabelled = append(d.Unlabelled, path)
		}
	}
	sort.Slice(d.Examples, func(i, j int) bool { return d.Examples[i].Video < d.Examples[j].Video })
	if raw, err := os.ReadFile(filepath.Join(dir, "synth.json")); err == nil {
		var info world.SynthInfo
		if json.Unmarshal(raw, &info) == nil && info.Kind == "videos" {
			d.Source = &info
		}
	}
	if len(d.Examples) == 0 {
		return nil, fmt.Errorf("subtitle: data %s: no video with a label track beside it (clip.mp4 with clip.vtt or clip.srt)", dir)
	}
	return d, nil
}
