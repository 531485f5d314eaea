package tag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"captioner/media"
	"captioner/subtitle"
	"captioner/world"
)

// Example is one video and its tags.
type Example struct {
	Video string   `json:"video"`
	Tags  []string `json:"tags"`
	// From is where the tags were read: the VIDEO.tags sidecar or the
	// Shapes world's VIDEO.json record.
	From string `json:"from"`
	// Split is the part of the data the video is in: the name of its
	// folder right under the data's, when that is train, val or test.
	Split string `json:"split,omitempty"`
}

// Data is a folder of videos with their tags: any videos ffmpeg reads
// (found by content, in subfolders too), each with VIDEO.tags beside it
// (clip.mp4 with clip.tags: one tag a line) or, for a video that `captioner
// synth videos` made, its record (clip.json), from which the tags are
// derived (world.VideoScript.Tags).
type Data struct {
	Dir      string
	Examples []Example // in path order
	Untagged []string  // videos with neither, left out
	// Source is the generator's synth.json when the folder was made by
	// `captioner synth videos`; nil otherwise.
	Source *world.SynthInfo
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

// EvalSplit is the split a tagger is scored on by default: "test" when
// the data has a test part, else AllSplits. Training leaves the test part
// out.
func (d *Data) EvalSplit() string {
	if len(d.Split("test")) > 0 {
		return "test"
	}
	return AllSplits
}

// Trainable returns the examples training may use: all but the test part.
func (d *Data) Trainable() []Example {
	var out []Example
	for _, e := range d.Examples {
		if e.Split != "test" {
			out = append(out, e)
		}
	}
	return out
}

// ReadTags returns the tags of the video at path: its .tags sidecar (one
// tag a line, normalised; Shapes-world tags in canonical order), else the
// tags of its Shapes-world record (.json). ok is false when it has
// neither.
func ReadTags(path string) (tags []string, from string, ok bool, err error) {
	base := strings.TrimSuffix(path, filepath.Ext(path))
	if data, err := os.ReadFile(base + ".tags"); err == nil {
		tags, err := parseTags(string(data))
		if err != nil {
			return nil, "", true, fmt.Errorf("tag: %s.tags: %w", base, err)
		}
		return tags, base + ".tags", true, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", true, fmt.Errorf("tag: %w", err)
	}
	if _, err := os.Stat(base + ".json"); err == nil {
		rec, err := world.ReadVideoRecord(base + ".json")
		if err != nil {
			return nil, "", true, fmt.Errorf("tag: %w", err)
		}
		return rec.Tags(), base + ".json", true, nil
	}
	return nil, "", false, nil
}

// parseTags reads a tags sidecar: one tag a line, white space collapsed,
// lower case, blank lines ignored, each tag once.
func parseTags(text string) ([]string, error) {
	var out []string
	for i, line := range strings.Split(text, "\n") {
		t := world.NormalizeTag(line)
		if t == "" {
			continue
		}
		if slices.Contains(out, t) {
			return nil, fmt.Errorf("line %d: %q given twice", i+1, t)
		}
		out = append(out, t)
	}
	return world.SortTags(out), nil
}

// OpenData finds the tagged videos under dir (recursively), recognising
// videos by content.
func OpenData(ctx context.Context, dir string) (*Data, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("tag: data: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("tag: data %s: not a folder", dir)
	}
	d := &Data{Dir: dir}
	var candidates []string
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.Type().IsRegular() && !subtitle.Sidecar(path) && !strings.HasPrefix(e.Name(), ".") {
			candidates = append(candidates, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tag: data %s: %w", dir, err)
	}
	// A video that `captioner synth videos` made is named by its record;
	// any other file is told by content: one ffprobe a file, four at a
	// time (thousands of probes take minutes on a busy machine).
	isVideo := make([]bool, len(candidates))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if recordNames(candidates[i]) {
					isVideo[i] = true
					continue
				}
				info, err := media.Probe(ctx, candidates[i])
				isVideo[i] = err == nil && info.Kind == media.Video
			}
		}()
	}
	for i := range candidates {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("tag: data %s: %w", dir, err)
	}
	for i, path := range candidates {
		if !isVideo[i] {
			continue
		}
		tags, from, ok, err := ReadTags(path)
		if err != nil {
			return nil, err
		}
		if !ok {
			d.Untagged = append(d.Untagged, path)
			continue
		}
		d.Examples = append(d.Examples, Example{Video: path, Tags: tags, From: from, Split: subtitle.SplitOf(dir, path)})
	}
	slices.SortFunc(d.Examples, func(a, b Example) int { return strings.Compare(a.Video, b.Video) })
	if raw, err := os.ReadFile(filepath.Join(dir, "synth.json")); err == nil {
		var info world.SynthInfo
		if json.Unmarshal(raw, &info) == nil && info.Kind == "videos" {
			d.Source = &info
		}
	}
	if len(d.Examples) == 0 {
		return nil, fmt.Errorf("tag: data %s: no video with its tags beside it (clip.mp4 with clip.tags, or a synth video's clip.json)", dir)
	}
	return d, nil
}

// recordNames says whether path is the video of a generator's record
// beside it: clip.json whose "file" is clip.mp4 and whose generator's
// synth.json is in the same folder.
func recordNames(path string) bool {
	dir, base := filepath.Split(path)
	if _, err := os.Stat(filepath.Join(dir, "synth.json")); err != nil {
		return false
	}
	data, err := os.ReadFile(strings.TrimSuffix(path, filepath.Ext(path)) + ".json")
	if err != nil {
		return false
	}
	var rec struct {
		File string `json:"file"`
	}
	return json.Unmarshal(data, &rec) == nil && rec.File == base
}
