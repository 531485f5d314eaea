package subtitle

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"captioner/internal/featcache"
	"captioner/rnn"
)

// TrainOptions configure Train. Zero values take the defaults noted.
type TrainOptions struct {
	Data     *Data
	Sampler  *Sampler // the bundle's CNN, sampling at Config.FPS
	Out      string   // the model bundle folder to write
	Base     fs.FS    // the bundle whose CNN computes the features (copied into Out)
	BaseName string

	Seed     uint64
	Epochs   int     // at most this many passes over the data; default 40
	Batch    int     // windows per step; default 16
	LR       float64 // Adam's learning rate, cosine-decayed; default 2e-3
	Config   Config  // defaults: Hidden 128, Layers 1, Window 64, Dropout 0, Inputs DefaultInputs (FeatureDim, FPS and Grids come from the sampler)
	Patience int     // stop after this many epochs without a better validation score; default 6
	// ValVideos is how many videos (the last ones) validate; default a
	// tenth of the data, at least 1 and at most 50.
	ValVideos int
	// Videos, when above 0, keeps only the first Videos of the data's
	// trainable videos (in path order; ValVideos of them validate), for
	// measuring with less data than a folder holds.
	Videos int
	Resume bool // continue from Out's checkpoint
	// Plain keeps one output per label even when every label is a
	// Shapes-world label (which are otherwise predicted by parts; see
	// Config.Factored).
	Plain bool
	// Cue are the cue rules the validation tracks are built with.
	Cue Options

	// Log receives one line per stage and per epoch; Progress the feature
	// extraction's progress (videos done). Either may be nil.
	Log      func(format string, a ...any)
	Progress func(done, total int)
}

func (o *TrainOptions) defaults() {
	if o.Epochs == 0 {
		o.Epochs = 40
	}
	if o.Batch == 0 {
		o.Batch = 16
	}
	if o.LR == 0 {
		o.LR = 2e-3
	}
	if o.Config.Hidden == 0 {
		o.Config.Hidden = 128
	}
	if o.Config.Layers == 0 {
		o.Config.Layers = 1
	}
	if o.Config.Window == 0 {
		o.Config.Window = 64
	}
	if o.Patience == 0 {
		o.Patience = 6
	}
	if o.ValVideos == 0 {
		o.ValVideos = min(max(len(o.trainable())/10, 1), 50)
	}
	if o.Cue == (Options{}) {
		o.Cue = DefaultOptions()
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
}

// trainable returns the videos training uses: the data's trainable ones,
// the first o.Videos of them when that is set.
func (o *TrainOptions) trainable() []Example {
	ex := o.Data.trainable()
	if o.Videos > 0 && o.Videos < len(ex) {
		ex = ex[:o.Videos]
	}
	return ex
}

// TrainResult is what training produced.
type TrainResult struct {
	Epochs    int     `json:"epochs"`
	BestEpoch int     `json:"best_epoch"`
	Best      float64 `json:"best"`    // the validation score: mean of step accuracy, boundary F1, time accuracy
	Penalty   float64 `json:"penalty"` // the smoothing penalty chosen on the validation videos
	Report    *Report `json:"validation"`
}

type checkpoint struct {
	Epoch     int      `json:"epoch"`
	BestEpoch int      `json:"best_epoch"`
	Best      float64  `json:"best"`
	Seed      uint64   `json:"seed"`
	Labels    []string `json:"labels"`
	Factored  bool     `json:"factored"`
}

// trainingPenalty smooths the validation tracks during training; the final
// penalty is chosen among penalties after it.
const trainingPenalty = 2

var penalties = []float64{0, 0.5, 1, 2, 3, 4, 6, 8}

// sequence is one video's features and per-step label ids (-1 where no
// known label is shown).
type sequence struct {
	feats  [][]float32
	labels []int
}

// score is the single validation number training maximises.
func score(r *Report) float64 { return (r.StepAccuracy + r.F1 + r.TimeAccuracy) / 3 }

// Train fits a labeller to o.Data and writes the best weights (by the
// validation score) as a model bundle in o.Out, with checkpoints beside it
// so that an interrupted run can resume.
func Train(ctx context.Context, o TrainOptions) (*TrainResult, error) {
	o.defaults()
	began := time.Now()
	ex := o.trainable() // never the test part
	if len(ex) < 2 {
		return nil, fmt.Errorf("subtitle: %d labelled videos: need at least 2 (training and validation)", len(ex))
	}
	nVal := min(o.ValVideos, len(ex)-1)
	train, val := ex[:len(ex)-nVal], ex[len(ex)-nVal:]
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("subtitle: %w", err)
	}
	o.Log("%d training videos, %d validation videos", len(train), len(val))

	// Features, once, through the cache. Two videos at a time: one is
	// starting (ffprobe, ffmpeg) while the other's frames are in the CNN.
	paths := make([]string, len(ex))
	for i, e := range ex {
		paths[i] = e.Video
	}
	seqs, errs := o.Sampler.Sequences(ctx, paths, o.Progress)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	failed := 0
	for i, err := range errs {
		if err != nil {
			if failed < 5 {
				o.Log("skipping %s: %v", ex[i].Video, err)
			}
			failed++
			seqs[i] = featcache.Sequence{}
		}
	}
	if failed > 0 {
		o.Log("%d videos could not be read and are left out", failed)
	}
	trainSeqs, valSeqs := seqs[:len(train)], seqs[len(train):]

	// Per-step targets and the label set.
	texts := make([][]string, len(train))
	known := map[string]bool{}
	for i, e := range train {
		if trainSeqs[i].Vectors == nil {
			continue
		}
		cues, err := ReadTrack(e.Track)
		if err != nil {
			return nil, err
		}
		texts[i] = LabelsAt(cues, trainSeqs[i].Times)
		for _, t := range texts[i] {
			if t != "" {
				known[t] = true
			}
		}
	}
	ck := checkpoint{Seed: o.Seed, Best: math.Inf(-1)}
	if o.Resume {
		if err := rnn.LoadCheckpointState(o.Out, &ck); err != nil {
			return nil, fmt.Errorf("subtitle: --resume: %w", err)
		}
		o.Seed = ck.Seed
		o.Log("resuming after epoch %d (best %.4f at epoch %d)", ck.Epoch, ck.Best, ck.BestEpoch)
	} else {
		for t := range known {
			ck.Labels = append(ck.Labels, t)
		}
		slices.Sort(ck.Labels)
		ck.Factored = !o.Plain && isWorldLabelSet(ck.Labels)
	}
	if len(ck.Labels) < 2 {
		return nil, fmt.Errorf("subtitle: the training tracks hold %d distinct labels: need at least 2", len(ck.Labels))
	}
	cfg := o.Config
	cfg.FeatureDim = o.Sampler.Extractor.Dim()
	cfg.FPS = o.Sampler.fps()
	cfg.Factored = ck.Factored
	if cfg.Grids == nil {
		cfg.Grids = o.Sampler.Grids
	}
	if len(cfg.Inputs) == 0 {
		cfg.Inputs = DefaultInputs
	}
	m, err := NewModel(cfg, ck.Labels, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		return nil, err
	}
	id := make(map[string]int, len(m.Labels))
	for i, t := range m.Labels {
		id[t] = i
	}
	var data []sequence
	var trainFeats [][]float32
	for i, s := range trainSeqs {
		if s.Vectors == nil || len(s.Vectors) == 0 {
			continue
		}
		labels := make([]int, len(s.Vectors))
		for t, txt := range texts[i] {
			if l, ok := id[txt]; ok {
				labels[t] = l
			} else {
				labels[t] = -1
			}
		}
		data = append(data, sequence{feats: s.Vectors, labels: labels})
		trainFeats = append(trainFeats, s.Vectors...)
	}
	if o.Resume {
		if _, err := rnn.LoadParamsFile(filepath.Join(o.Out, rnn.CheckpointWeights), m.allParams()); err != nil {
			return nil, fmt.Errorf("subtitle: --resume: %w", err)
		}
	} else {
		m.Norm.Fit(trainFeats)
	}
	o.Log("%d labels in training (%d in the model); %d training steps; model %+v", len(ck.Labels), len(m.Labels), len(trainFeats), cfg)

	err = m.fitEpochs(ctx, &o, data, &ck, func() (*Report, error) {
		rep, _, err := Evaluate(ctx, m, trainingPenalty, o.Cue, val, valSeqs)
		return rep, err
	})
	if err != nil {
		return nil, err
	}

	// The best weights, the smoothing penalty and confidence limits that
	// suit them on the validation videos.
	weights, err := os.ReadFile(filepath.Join(o.Out, rnn.BestWeights))
	if err != nil {
		return nil, fmt.Errorf("subtitle: %w", err)
	}
	best, err := LoadModel(weights, "best.safetensors")
	if err != nil {
		return nil, err
	}
	penalty, rep, evs, err := choosePenalty(func(p float64) (*Report, []Evaluated, error) {
		return Evaluate(ctx, best, p, o.Cue, val, valSeqs)
	})
	if err != nil {
		return nil, err
	}
	o.Log("smoothing penalty %g: validation step %.4f F1 %.4f time %.4f", penalty, rep.StepAccuracy, rep.F1, rep.TimeAccuracy)
	lowConf, novLimit := limits(evs)
	entry := Entry{
		Penalty:       penalty,
		LowConfidence: lowConf,
		NoveltyLimit:  novLimit,
		Training: map[string]any{
			"data": o.Data.Dir, "training_videos": len(train), "validation_videos": len(val),
			"steps": len(trainFeats), "labels": len(ck.Labels), "seed": o.Seed,
			"epochs": ck.Epoch, "best_epoch": ck.BestEpoch, "batch": o.Batch, "lr": o.LR,
			"minutes": math.Round(time.Since(began).Minutes()*10) / 10,
			"source":  o.Data.Source,
		},
		Scores: map[string]any{"validation": rep},
	}
	if err := WriteBundle(o.Out, o.Base, o.BaseName, weights, entry); err != nil {
		return nil, err
	}
	return &TrainResult{Epochs: ck.Epoch, BestEpoch: ck.BestEpoch, Best: ck.Best, Penalty: penalty, Report: rep}, nil
}

// window is a stretch of a training sequence: steps [from, to).
type window struct {
	s        *sequence
	from, to int
}

// cut splits every sequence into windows of at most n steps, the first of
// each a random length so that window edges fall anywhere.
func cut(data []sequence, n int, rng *rand.Rand) []window {
	var out []window
	for i := range data {
		s := &data[i]
		T := len(s.feats)
		from := 0
		if T > n {
			first := 1 + rng.IntN(n)
			out = append(out, window{s, 0, first})
			from = first
		}
		for ; from < T; from += n {
			out = append(out, window{s, from, min(from+n, T)})
		}
	}
	return out
}

// batch lays windows out as a time-major batch: x (T,B,D), their lengths,
// and labels (T,B) with -1 at padding.
func (m *Model) batch(x []float32, ws []window) ([]float32, int, []int, []int) {
	T := 0
	for _, w := range ws {
		T = max(T, w.to-w.from)
	}
	B, D := len(ws), m.Config.inDim()
	x = grow(x, T*B*D)
	clear(x)
	lengths := make([]int, B)
	labels := make([]int, T*B)
	for i := range labels {
		labels[i] = -1
	}
	for b, w := range ws {
		var prev []float32
		if w.from > 0 {
			prev = w.s.feats[w.from-1]
		}
		m.inputs(x, T, B, b, w.s.feats[w.from:w.to], prev)
		lengths[b] = w.to - w.from
		for t := w.from; t < w.to; t++ {
			labels[(t-w.from)*B+b] = w.s.labels[t]
		}
	}
	return x, T, lengths, labels
}

// limits sets the flags of unsure tracks from the validation videos: a
// confidence well under the lowest (80 % of it), and a novelty well above
// the highest (half as much again).
func limits(evs []Evaluated) (lowConf, highNovelty float64) {
	lowConf, highNovelty = math.Inf(1), 0
	n := 0
	for _, e := range evs {
		if e.Cues == nil {
			continue
		}
		lowConf = min(lowConf, e.Confidence)
		highNovelty = max(highNovelty, e.Novelty)
		n++
	}
	if n == 0 {
		return 0, 0
	}
	return 0.8 * lowConf, 1.5 * highNovelty
}
