package describe

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"captioner/caption"
	"captioner/internal/featcache"
	"captioner/rnn"
	"captioner/subtitle"
	"captioner/world"
)

// TrainOptions configure Train. Zero values take the defaults noted.
type TrainOptions struct {
	Examples []subtitle.Example // labelled videos (never the test part)
	Sampler  *subtitle.Sampler  // the bundle's CNN, sampling at the labeller's rate
	Labeller *subtitle.Model    // the bundle's Shapes labeller, for chapters and the labels part
	Penalty  float64            // its smoothing penalty
	Out      string             // the model bundle folder to write
	// Data and Source say what the examples are, for the manifest (the
	// folder, and the generator's synth.json when there is one).
	Data     string
	Source   any
	Base     fs.FS // the bundle of the CNN and labeller (copied into Out)
	BaseName string

	Seed   uint64
	Epochs int     // passes; default 12
	Batch  int     // windows a step; default 32
	LR     float64 // Adam's learning rate, cosine-decayed; default 3e-3
	// Config: Inputs (default InputLabels), Embed (32), Hidden (128),
	// MaxLen (24), MaxEvents (world.MaxEvents), Dropout (0.1); the rest
	// comes from the sampler and labeller.
	Config Config
	// Windows is how many windows of each video an epoch trains on,
	// drawn afresh each epoch; default 8.
	Windows int
	// ValVideos is how many videos (the last ones) validate; default a
	// tenth, at least 1 and at most 100.
	ValVideos int
	Patience  int // epochs without a better validation score before stopping; default 4
	// Chunk is how many videos' features are held at once while the
	// inputs are built; default 250.
	Chunk int

	Log      func(format string, a ...any)
	Progress func(done, total int)
}

func (o *TrainOptions) defaults() {
	if o.Epochs == 0 {
		o.Epochs = 12
	}
	if o.Batch == 0 {
		o.Batch = 32
	}
	if o.LR == 0 {
		o.LR = 3e-3
	}
	c := &o.Config
	if len(c.Inputs) == 0 {
		c.Inputs = []string{InputLabels}
	}
	if c.Embed == 0 {
		c.Embed = 32
	}
	if c.Hidden == 0 {
		c.Hidden = 128
	}
	if c.MaxLen == 0 {
		c.MaxLen = 24
	}
	if c.MaxEvents == 0 {
		c.MaxEvents = 3
	}
	if c.Still == "" {
		c.Still = "nothing moves"
	}
	if o.Windows == 0 {
		o.Windows = 8
	}
	if o.ValVideos == 0 {
		o.ValVideos = min(max(len(o.Examples)/10, 1), 100)
	}
	if o.Patience == 0 {
		o.Patience = 4
	}
	if o.Chunk == 0 {
		o.Chunk = 250
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
}

// TrainResult is what training produced.
type TrainResult struct {
	Epochs    int     `json:"epochs"`
	BestEpoch int     `json:"best_epoch"`
	Report    *Report `json:"validation"`
	Minutes   float64 `json:"minutes"`
}

// video is one training video: its steps' input rows, the true label
// runs over them, and the run of the labeller's smoothed track each step
// is in (for a model that pools; nil otherwise).
type video struct {
	rows [][]float32
	runs []Run
	ids  []int
}

// span returns the rows the encoder reads for steps [from, to).
func (v *video) span(m *Model, from, to int) [][]float32 {
	if v.ids == nil {
		return v.rows[from:to]
	}
	return m.pool(v.rows[from:to], v.ids[from:to])
}

// Train fits a describer to o.Examples and writes it, with the best
// validation exact match, as a model bundle in o.Out beside o.Base's
// files.
func Train(ctx context.Context, o TrainOptions) (*TrainResult, error) {
	o.defaults()
	began := time.Now()
	if len(o.Examples) < 2 {
		return nil, fmt.Errorf("describe: %d labelled videos: need at least 2 (training and validation)", len(o.Examples))
	}
	nVal := min(o.ValVideos, len(o.Examples)-1)
	train, val := o.Examples[:len(o.Examples)-nVal], o.Examples[len(o.Examples)-nVal:]
	o.Log("%d training videos, %d validation videos", len(train), len(val))

	cfg := o.Config
	lab := o.Labeller
	cfg.FeatureDim, cfg.FPS = lab.Config.FeatureDim, lab.Config.FPS
	if cfg.Grids == nil && len(cfg.parts().Inputs) > 0 {
		cfg.Grids = lab.Config.Grids // the grids the labeller reads
	}
	if slices.Contains(cfg.Inputs, InputLabels) {
		cfg.Labels = slices.Clone(lab.Labels)
		cfg.Words, _ = labelWords(cfg.Labels)
	}
	if !slices.Contains(lab.Labels, cfg.Still) {
		return nil, fmt.Errorf("describe: the labeller has no label %q for stretches without events", cfg.Still)
	}

	// The true per-step labels, and the vocabulary of every description
	// a window of them can have.
	var words [][]string
	for _, l := range lab.Labels {
		words = append(words, caption.Tokenize(l))
	}
	words = append(words, caption.Tokenize(world.Then))
	vocab := caption.BuildVocab(words, 1)
	m, err := NewModel(cfg, vocab, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		return nil, err
	}

	// Features, a chunk of videos at a time (they are large; the rows are
	// not): first to fit the standardisation on a sample of steps, then,
	// if the model reads CNN-derived parts, to build them.
	paths := make([]string, len(train))
	for i, e := range train {
		paths[i] = e.Video
	}
	vids := make([]video, len(train))
	probs := make([][][]float32, len(train))
	var sample [][]float32
	parts := len(cfg.parts().Inputs) > 0
	done := 0
	pass := func(first bool) error {
		for lo := 0; lo < len(paths); lo += o.Chunk {
			hi := min(lo+o.Chunk, len(paths))
			seqs, errs := o.Sampler.Sequences(ctx, paths[lo:hi], func(int, int) {
				done++
				if o.Progress != nil {
					o.Progress(done, len(paths)*(1+btoi(parts)))
				}
			})
			if err := ctx.Err(); err != nil {
				return err
			}
			for j, seq := range seqs {
				i := lo + j
				if errs[j] != nil || len(seq.Vectors) == 0 {
					if first && errs[j] != nil {
						o.Log("skipping %s: %v", paths[i], errs[j])
					}
					continue
				}
				if first {
					for t := 0; t < len(seq.Vectors); t += 8 {
						sample = append(sample, seq.Vectors[t])
					}
					if cfg.readsLabels() || cfg.Pool {
						probs[i] = lab.Probabilities(seq.Vectors)
					}
					if cfg.Pool {
						texts := make([]string, len(probs[i]))
						for t, l := range subtitle.Smooth(probs[i], o.Penalty) {
							texts[t] = lab.Labels[l]
						}
						vids[i].ids = runIDs(runsOf(texts, cfg.Still), len(texts))
					}
					cues, err := subtitle.ReadTrack(train[i].Track)
					if err != nil {
						return fmt.Errorf("describe: %w", err)
					}
					vids[i].runs = runsOf(subtitle.LabelsAt(cues, seq.Times), cfg.Still)
				}
				if first == !parts {
					vids[i].rows = m.Rows(seq.Vectors, probs[i])
					probs[i] = nil
				}
			}
		}
		return nil
	}
	if err := pass(true); err != nil {
		return nil, err
	}
	m.Norm.Fit(sample)
	sample = nil
	if parts {
		if err := pass(false); err != nil {
			return nil, err
		}
	}
	vids = slices.DeleteFunc(vids, func(v video) bool { return v.rows == nil })
	valSeqs, errs := o.Sampler.Sequences(ctx, pathsOf(val), nil)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			o.Log("skipping %s: %v", val[i].Video, err)
			valSeqs[i] = featcache.Sequence{}
		}
	}
	o.Log("model %+v; vocabulary of %d words; input %d values a step", describeConfig(cfg), vocab.Len(), cfg.InputDim())

	bestExact := -1.0
	var bestRep *Report
	f, err := m.fit(ctx, &o, vids, func() (float64, string, error) {
		d, err := NewDescriber(m, nil, lab, o.Penalty, 3)
		if err != nil {
			return 0, "", err
		}
		rep, _, err := Evaluate(ctx, d, val, valSeqs)
		if err != nil {
			return 0, "", err
		}
		if rep.All.ExactMatch > bestExact {
			bestExact, bestRep = rep.All.ExactMatch, rep
		}
		return rep.All.ExactMatch, fmt.Sprintf("validation exact %.4f BLEU-4 %.4f (labeller's own %.4f)", rep.All.ExactMatch, rep.All.BLEU4, rep.All.Labeller), nil
	})
	if err != nil {
		return nil, err
	}
	best, bestEpoch, epochs := f.best, f.bestEpoch, f.epochs

	// The flags of unsure descriptions, from the best weights on the
	// validation videos: a confidence well under the lowest (80 % of it),
	// a novelty well above the highest (half as much again).
	bm, err := LoadModel(best, "best weights")
	if err != nil {
		return nil, err
	}
	d, err := NewDescriber(bm, nil, lab, o.Penalty, 3)
	if err != nil {
		return nil, err
	}
	_, evs, err := Evaluate(ctx, d, val, valSeqs)
	if err != nil {
		return nil, err
	}
	lowConf, highNov := math.Inf(1), 0.0
	for _, e := range evs {
		lowConf, highNov = min(lowConf, e.Confidence), max(highNov, e.Novelty)
	}
	minutes := math.Round(time.Since(began).Minutes()*10) / 10
	entry := Entry{
		LowConfidence: 0.8 * lowConf,
		NoveltyLimit:  1.5 * highNov,
		Training: map[string]any{
			"training_videos": len(vids), "validation_videos": len(val), "seed": o.Seed,
			"epochs": epochs, "best_epoch": bestEpoch, "batch": o.Batch, "lr": o.LR,
			"windows_per_video": o.Windows, "minutes": minutes, "data": o.Data, "source": o.Source,
		},
		Scores: map[string]any{"validation": bestRep},
	}
	if err := WriteBundle(o.Out, o.Base, o.BaseName, best, entry); err != nil {
		return nil, err
	}
	return &TrainResult{Epochs: epochs, BestEpoch: bestEpoch, Report: bestRep, Minutes: minutes}, nil
}

// fitted is what fit produced: the best weights, their epoch, and the
// epochs run.
type fitted struct {
	best              []byte
	bestEpoch, epochs int
}

// fit is the training loop: epochs of windows drawn afresh from vids, in
// batches of similar lengths (Adam, the cosine schedule, gradients
// clipped at 5, dropout on the inputs), each followed by validate's score
// (higher is better) and log line; the best weights are kept, and
// training stops after o.Patience epochs without a better score.
func (m *Model) fit(ctx context.Context, o *TrainOptions, vids []video, validate func() (float64, string, error)) (fitted, error) {
	cfg := m.Config
	probe := windows(m, vids, o.Windows, rand.New(rand.NewPCG(0, 0)))
	stepsPerEpoch := (len(probe) + o.Batch - 1) / o.Batch
	tr := &rnn.Trainer{
		Params:   m.Params(),
		Opt:      rnn.NewAdam(o.LR),
		Schedule: rnn.Cosine{Base: o.LR, Min: o.LR / 20, Warmup: min(100, stepsPerEpoch), Total: o.Epochs * stepsPerEpoch},
		ClipNorm: 5,
	}
	var f fitted
	bestScore := math.Inf(-1)
	var x []float32
	for epoch := 1; epoch <= o.Epochs; epoch++ {
		start := time.Now()
		rng := rand.New(rand.NewPCG(o.Seed, uint64(100+epoch)))
		ws := windows(m, vids, o.Windows, rng)
		lossSum, steps := 0.0, 0
		for _, b := range batches(ws, o.Batch, rng) {
			if err := ctx.Err(); err != nil {
				return f, err
			}
			var T int
			var lengths []int
			x, T, lengths = layout(x, b, cfg.InputDim())
			rnn.DropInPlace(x, cfg.Dropout, rng)
			targets := make([][]int, len(b))
			for i, w := range b {
				targets[i] = m.Target(w.text)
			}
			st, err := tr.Step(func() (float64, error) { return m.Loss(x, T, len(b), lengths, targets), nil })
			if err != nil {
				return f, fmt.Errorf("describe: epoch %d: %w", epoch, err)
			}
			lossSum += st.Loss
			steps++
		}
		score, line, err := validate()
		if err != nil {
			return f, err
		}
		f.epochs = epoch
		mark := ""
		if score > bestScore {
			bestScore, f.bestEpoch, mark = score, epoch, " (best)"
			if f.best, err = m.Save(); err != nil {
				return f, err
			}
		}
		o.Log("epoch %d: %d windows, loss %.4f, %s%s, %s", epoch, len(ws), lossSum/float64(max(steps, 1)), line, mark, time.Since(start).Round(time.Second))
		if epoch-f.bestEpoch >= o.Patience {
			o.Log("stopping: no better validation score in %d epochs", epoch-f.bestEpoch)
			break
		}
	}
	return f, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pathsOf(ex []subtitle.Example) []string {
	out := make([]string, len(ex))
	for i, e := range ex {
		out[i] = e.Video
	}
	return out
}

// describeConfig is cfg without its label list, for the log.
func describeConfig(cfg Config) Config {
	cfg.Labels, cfg.Grids = nil, nil
	return cfg
}
