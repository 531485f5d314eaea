package describe

import (
	"context"
	"encoding/json"
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

// FirstVideos returns the first n labelled videos under dir, in path
// order, leaving out a test/ part: what subtitle.OpenData finds, but
// probing (by content, one ffprobe a file, 8 at a time) only as many
// files as it takes to find n, so that training on the start of a large
// generated set does not probe all of it. n <= 0 finds them all.
func FirstVideos(ctx context.Context, dir string, n int) ([]subtitle.Example, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		rel, _ := filepath.Rel(dir, path)
		if e.IsDir() && filepath.ToSlash(rel) == "test" {
			return fs.SkipDir
		}
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && !subtitle.Sidecar(path) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("describe: data %s: %w", dir, err)
	}
	slices.Sort(files)
	// Candidates with a track beside them, probed 8 at a time, in order,
	// until n are found.
	var cands []subtitle.Example
	for _, path := range files {
		if track, ok := subtitle.FindTrack(path, ""); ok {
			cands = append(cands, subtitle.Example{Video: path, Track: track})
		}
	}
	var out []subtitle.Example
	for lo := 0; lo < len(cands) && (n <= 0 || len(out) < n); lo += 8 {
		batch := cands[lo:min(lo+8, len(cands))]
		video := make([]bool, len(batch))
		var wg sync.WaitGroup
		for i, e := range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				info, err := media.Probe(ctx, e.Video)
				video[i] = err == nil && info.Kind == media.Video
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i, e := range batch {
			if video[i] && (n <= 0 || len(out) < n) {
				out = append(out, e)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("describe: data %s: no video with a label track beside it (clip.mp4 with clip.vtt or clip.srt)", dir)
	}
	return out, nil
}

// Source reads the generator's synth.json of a generated folder, for the
// manifest; nil when there is none.
func Source(dir string) *world.SynthInfo {
	data, err := os.ReadFile(filepath.Join(dir, "synth.json"))
	if err != nil {
		return nil
	}
	var info world.SynthInfo
	if json.Unmarshal(data, &info) != nil {
		return nil
	}
	return &info
}
