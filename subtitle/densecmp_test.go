//go:build densecmp

package subtitle_test

// TestDenseVsSynced trains the labellers DENSE.md compares, with the
// options `captioner train subtitle` gives them, and scores each as
// `captioner eval subtitle --split all --json` does (subtitle.Evaluate
// with the default cue rules and the bundle's smoothing), writing
// OUT/NAME/ (the bundle) and OUT/NAME.{test,clips}.json. It finds the
// videos by name (NNNN.mp4 with NNNN.vtt beside it) instead of probing
// every file with ffprobe, which on a busy two-core machine took longer
// than the training; the features come from the cache as they would for
// the command:
//
//	go test -tags densecmp -run TestDenseVsSynced -v -timeout 120m ./subtitle -args \
//	    -cmp.data /work/cache/tax -cmp.cache /work/cache/tax/cache -cmp.out WORKDIR \
//	    -cmp.videos 700 -cmp.models dense0,dense2,synced
//
// scripts/dense-vs-synced.sh does the same through the command.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"captioner/engine"
	"captioner/internal/featcache"
	"captioner/subtitle"
	"captioner/vision"
)

var (
	cmpData   = flag.String("cmp.data", "", "folder with train/, test/ and clips/ of labelled Shapes-world videos")
	cmpCache  = flag.String("cmp.cache", "", "feature cache folder")
	cmpOut    = flag.String("cmp.out", "", "folder for the bundles and reports")
	cmpVideos = flag.Int("cmp.videos", 0, "train on the first N videos of train/ (0: all)")
	cmpEpochs = flag.Int("cmp.epochs", 30, "epochs")
	cmpModels = flag.String("cmp.models", "dense0,dense2", "labellers to train: dense0, dense2, synced")
)

// labelled lists dir's NNNN.mp4 videos that have a track beside them, in
// path order, as OpenData would find them.
func labelled(t *testing.T, dir string) []subtitle.Example {
	t.Helper()
	videos, err := filepath.Glob(filepath.Join(dir, "*.mp4"))
	if err != nil || len(videos) == 0 {
		t.Fatalf("%s: no videos (%v)", dir, err)
	}
	slices.Sort(videos)
	var out []subtitle.Example
	for _, v := range videos {
		if track, ok := subtitle.FindTrack(v, ""); ok {
			out = append(out, subtitle.Example{Video: v, Track: track})
		}
	}
	return out
}

func TestDenseVsSynced(t *testing.T) {
	if *cmpData == "" || *cmpOut == "" {
		t.Skip("needs -cmp.data and -cmp.out")
	}
	ctx := context.Background()
	b, err := engine.OpenBundle("")
	if err != nil {
		t.Fatal(err)
	}
	s, ex, err := b.Sampler(*cmpCache, subtitle.DefaultFPS, vision.Options{BatchSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	var grids []subtitle.Grid // --grids 7
	for _, g := range s.Grids {
		if g.Side == 7 {
			grids = append(grids, g)
		}
	}
	data := &subtitle.Data{Dir: filepath.Join(*cmpData, "train"), Examples: labelled(t, filepath.Join(*cmpData, "train"))}
	configs := map[string]subtitle.Config{
		"synced": {Hidden: 128, Layers: 1, Bidirectional: true},
		"dense0": {Hidden: 640, Layers: 2, Dense: true, Context: 0},
		"dense2": {Hidden: 224, Layers: 2, Dense: true, Context: 2},
	}
	var wg sync.WaitGroup
	for _, name := range strings.Split(*cmpModels, ",") {
		cfg, ok := configs[name]
		if !ok {
			t.Fatalf("no labeller %q", name)
		}
		cfg.Window, cfg.Dropout, cfg.Inputs, cfg.Grids = 64, 0.2, []string{subtitle.InputMotion, subtitle.InputMoving}, grids
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := filepath.Join(*cmpOut, name)
			log, err := os.Create(out + ".log")
			if err != nil {
				t.Error(err)
				return
			}
			defer log.Close()
			if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
				start := time.Now()
				res, err := subtitle.Train(ctx, subtitle.TrainOptions{
					Data: data, Sampler: s, Out: out, Base: b.FS, BaseName: b.Name,
					Seed: 1, Epochs: *cmpEpochs, Batch: 16, LR: 2e-3, Patience: 30, Videos: *cmpVideos, Config: cfg,
					Log: func(format string, a ...any) { fmt.Fprintf(log, "train: "+format+"\n", a...) },
				})
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				fmt.Fprintf(log, "trained %s in %s: best at epoch %d of %d\n", out, time.Since(start).Round(time.Second), res.BestEpoch, res.Epochs)
			}
			m, entry, err := subtitle.LoadBundle(os.DirFS(out), out)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			for _, set := range []string{"test", "clips"} {
				examples := labelled(t, filepath.Join(*cmpData, set))
				seqs := make([]featcache.Sequence, len(examples))
				for i, e := range examples {
					if seqs[i], err = s.Sequence(ctx, e.Video); err != nil {
						t.Errorf("%s: %v", name, err)
						return
					}
				}
				rep, _, err := subtitle.Evaluate(ctx, m, entry.Penalty, subtitle.DefaultOptions(), examples, seqs)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				rep.Split, rep.Total = "all", len(examples)
				raw, _ := json.Marshal(rep)
				if err := os.WriteFile(filepath.Join(*cmpOut, name+"."+set+".json"), append(raw, '\n'), 0o644); err != nil {
					t.Error(err)
				}
				t.Logf("%s on %s: step %.4f F1 %.4f time %.4f", name, set, rep.StepAccuracy, rep.F1, rep.TimeAccuracy)
			}
		}()
	}
	wg.Wait()
}
