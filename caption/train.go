package caption

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"captioner/rnn"
)

// TrainOptions configure Train. Zero values take the defaults noted.
type TrainOptions struct {
	Data *Dataset
	// Features are the examples' vectors: a FeatureSource (the base
	// bundle's CNN over the image files) or vectors computed elsewhere (a
	// MemorySource keyed by example id).
	Features VectorSource
	Out      string // the model bundle folder to write
	Base     fs.FS  // the bundle whose CNN computes the features (copied into Out)
	BaseName string

	// Part is the manifest key the model is written under; default
	// "caption". Another key ("objects_caption") keeps base's caption
	// model, and writes the weights as Part.safetensors.
	Part string
	// Domain and Featurizer are recorded in the manifest entry (Entry).
	Domain     string
	Featurizer *Featurizer
	// Scorer, when set, is the validation score (higher is better) in
	// place of BLEU-4 or the Shapes world's exact match: a domain's own
	// scores of the greedy captions of the validation examples, in order.
	// Its report goes into the manifest as scores["validation_"+Metric].
	Scorer func(captions []string, examples []Example) (score float64, report any)
	Metric string // the Scorer's name; default "domain"

	Seed      uint64
	Epochs    int     // at most this many passes over the data; default 30
	Batch     int     // captions per step; default 64
	LR        float64 // Adam's learning rate, cosine-decayed; default 2e-3
	Config    Config  // Embed, Hidden, MaxLen, Dropout, Condition, Encoder, Inject (FeatureDim comes from the CNN); defaults 256, 512, 20, 0, "input", 512 under "mlp", 0
	MinCount  int     // words rarer than this become <unk>; default 5 (1 for the Shapes world)
	Patience  int     // stop after this many epochs without a better validation score; default 4
	ValImages int     // validation images scored each epoch; default 500
	Resume    bool    // continue from Out's checkpoint

	// Log receives one line per stage and per epoch; Progress the feature
	// extraction's progress. Either may be nil.
	Log      func(format string, a ...any)
	Progress func(done, total int)
}

// TrainResult is what training produced.
type TrainResult struct {
	Epochs    int     `json:"epochs"`     // epochs run in all
	BestEpoch int     `json:"best_epoch"` // the epoch whose weights were kept
	Metric    string  `json:"metric"`     // what validation measured
	Best      float64 `json:"best"`       // its best value
	Report    *Report `json:"validation"` // the kept weights on the validation images
	// Domain is the Scorer's report of the kept weights on the validation
	// images (beam search, as Report), when there is a Scorer.
	Domain any `json:"validation_domain,omitempty"`
}

// checkpoint is Out/checkpoint.json, beside checkpoint.safetensors (the
// last epoch's weights) and best.safetensors.
type checkpoint struct {
	Epoch     int     `json:"epoch"` // epochs finished
	BestEpoch int     `json:"best_epoch"`
	Best      float64 `json:"best"`
	Seed      uint64  `json:"seed"`
	Vocab     *Vocab  `json:"vocab"`
}

func (o *TrainOptions) defaults() {
	if o.Epochs == 0 {
		o.Epochs = 30
	}
	if o.Batch == 0 {
		o.Batch = 64
	}
	if o.LR == 0 {
		o.LR = 2e-3
	}
	if o.Config.Embed == 0 {
		o.Config.Embed = 256
	}
	if o.Config.Hidden == 0 {
		o.Config.Hidden = 512
	}
	if o.Config.MaxLen == 0 {
		o.Config.MaxLen = 20
	}
	if o.Config.Encoder == 0 && o.Config.Condition == "mlp" {
		o.Config.Encoder = 512
	}
	if o.MinCount == 0 {
		o.MinCount = 5
		if o.Data.Format == "shapes" {
			o.MinCount = 1
		}
	}
	if o.Patience == 0 {
		o.Patience = 4
	}
	if o.ValImages == 0 {
		o.ValImages = 500
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if o.Part == "" {
		o.Part = Part
	}
	if o.Scorer != nil && o.Metric == "" {
		o.Metric = "domain"
	}
}

// texts returns the captions of results whose example had a vector (the
// others are skipped by Evaluate), with those examples.
func texts(results []Result, examples []Example, feats [][]float32) ([]string, []Example) {
	var caps []string
	var exs []Example
	for i, r := range results {
		if feats[i] != nil {
			caps = append(caps, r.Text)
			exs = append(exs, examples[i])
		}
	}
	return caps, exs
}

// splits returns the training and validation examples: the dataset's own
// splits where it has them (train and restval for training), or else the
// last tenth of the examples, in order, for validation.
func splits(d *Dataset) (train, val []Example) {
	for _, e := range d.Examples {
		switch e.Split {
		case "train", "restval":
			train = append(train, e)
		case "val":
			val = append(val, e)
		}
	}
	if len(train) > 0 && len(val) > 0 {
		return train, val
	}
	var plain []Example
	for _, e := range d.Examples {
		if e.Split != "test" {
			plain = append(plain, e)
		}
	}
	n := max(len(plain)/10, 1)
	return plain[:len(plain)-n], plain[len(plain)-n:]
}

// Train fits a captioner to o.Data and writes the best weights (by the
// validation score) as a model bundle in o.Out, with checkpoints beside it
// so that an interrupted run can resume.
func Train(ctx context.Context, o TrainOptions) (*TrainResult, error) {
	o.defaults()
	began := time.Now()
	train, val := splits(o.Data)
	if len(train) == 0 || len(val) == 0 {
		return nil, fmt.Errorf("caption: %d training and %d validation images: need some of both", len(train), len(val))
	}
	if len(val) > o.ValImages {
		val = val[:o.ValImages]
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("caption: %w", err)
	}
	o.Log("%d training images, %d validation images (%s)", len(train), len(val), o.Data.Format)

	// Features, once, through the cache.
	all := append(slices.Clone(train), val...)
	paths := make([]string, len(all))
	for i, e := range all {
		paths[i] = e.Image
	}
	feats, errs, err := o.Features.Images(ctx, paths, o.Progress)
	if err != nil {
		return nil, err
	}
	failed := 0
	for i, err := range errs {
		if err != nil {
			if failed < 5 {
				o.Log("skipping %s: %v", paths[i], err)
			}
			failed++
		}
	}
	if failed > 0 {
		o.Log("%d images could not be read and are left out", failed)
	}
	trainFeats, valFeats := feats[:len(train)], feats[len(train):]

	// Vocabulary and the training pairs.
	var tokenised [][]string
	type pair struct {
		feat int
		ids  []int // the words then End, without Start
	}
	for i, e := range train {
		if trainFeats[i] == nil {
			continue
		}
		for _, c := range e.Captions {
			w := Tokenize(c)
			if len(w) > o.Config.MaxLen {
				w = w[:o.Config.MaxLen]
			}
			tokenised = append(tokenised, w)
		}
	}
	if len(tokenised) == 0 {
		return nil, fmt.Errorf("caption: no training caption")
	}
	ck := checkpoint{Seed: o.Seed, Best: math.Inf(-1)}
	if o.Resume {
		if err := rnn.LoadCheckpointState(o.Out, &ck); err != nil {
			return nil, fmt.Errorf("caption: --resume: %w", err)
		}
		o.Seed = ck.Seed
		o.Log("resuming after epoch %d (best %.4f at epoch %d)", ck.Epoch, ck.Best, ck.BestEpoch)
	} else {
		ck.Vocab = BuildVocab(tokenised, o.MinCount)
	}
	vocab := ck.Vocab
	var pairs []pair
	k := 0
	for i, e := range train {
		if trainFeats[i] == nil {
			continue
		}
		for range e.Captions {
			pairs = append(pairs, pair{feat: i, ids: vocab.Encode(tokenised[k])[1:]})
			k++
		}
	}
	cfg := o.Config
	cfg.FeatureDim = o.Features.Dim()
	m, err := NewModel(cfg, vocab, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		return nil, err
	}
	if o.Resume {
		if _, err := rnn.LoadParamsFile(filepath.Join(o.Out, rnn.CheckpointWeights), m.allParams()); err != nil {
			return nil, fmt.Errorf("caption: --resume: %w", err)
		}
	} else {
		m.SetNormalisation(trainFeats)
	}
	o.Log("vocabulary of %d words; %d captions; model %+v", vocab.Len(), len(pairs), cfg)

	metric := "bleu4"
	switch {
	case o.Scorer != nil:
		metric = o.Metric
	case sceneReport([]string{""}, [][]string{val[0].Captions}) != nil:
		metric = "exact_match"
	}
	stepsPerEpoch := (len(pairs) + o.Batch - 1) / o.Batch
	adam := rnn.NewAdam(o.LR)
	if o.Resume {
		// Adam's moments and step count, as the interrupted run left them.
		err := rnn.LoadOptimizerCheckpoint(o.Out, adam, m.Params())
		switch {
		case errors.Is(err, fs.ErrNotExist):
			o.Log("the checkpoint keeps no optimiser state (written by an older captioner): Adam starts afresh")
		case err != nil:
			return nil, fmt.Errorf("caption: --resume: %w", err)
		}
	}
	tr := &rnn.Trainer{
		Params: m.Params(), // the network, and the image-to-state layers of "state" and "mlp"
		Opt:    adam,
		// A resumed run continues the schedule where it left off.
		Schedule: rnn.Resumed{Schedule: rnn.Cosine{Base: o.LR, Min: o.LR / 20, Warmup: min(200, stepsPerEpoch), Total: o.Epochs * stepsPerEpoch}, Done: ck.Epoch * stepsPerEpoch},
		ClipNorm: 5,
	}
	F := cfg.FeatureDim
	batchFeats := make([]float32, o.Batch*F)
	greedy := DecodeOptions{Beam: 1, NBest: 1, LengthAlpha: 1}
	for epoch := ck.Epoch + 1; epoch <= o.Epochs; epoch++ {
		rng := rand.New(rand.NewPCG(o.Seed, uint64(100+epoch)))
		order := rng.Perm(len(pairs))
		lossSum, steps := 0.0, 0
		start := time.Now()
		for b := 0; b < len(order); b += o.Batch {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			idx := order[b:min(b+o.Batch, len(order))]
			caps := make([][]int, len(idx))
			x := batchFeats[:len(idx)*F]
			for j, p := range idx {
				m.Normalise(trainFeats[pairs[p].feat], x[j*F:(j+1)*F])
				caps[j] = pairs[p].ids
			}
			rnn.DropInPlace(x, cfg.Dropout, rng)
			st, err := tr.Step(func() (float64, error) { return m.Loss(x, caps), nil })
			if err != nil {
				return nil, fmt.Errorf("caption: epoch %d: %w", epoch, err)
			}
			lossSum += st.Loss
			steps++
		}
		rep, results, err := Evaluate(ctx, m, nil, val, valFeats, greedy)
		if err != nil {
			return nil, err
		}
		score := rep.BLEU[3]
		if o.Scorer != nil {
			score, _ = o.Scorer(texts(results, val, valFeats))
		} else if metric == "exact_match" {
			// Exact matches first; BLEU-4 (under 1) breaks ties between
			// equal counts, which early epochs often are.
			score = rep.Scene.ExactMatch + rep.BLEU[3]/float64(2*len(val))
		}
		weights, err := m.Save()
		if err != nil {
			return nil, err
		}
		improved := score > ck.Best
		if improved {
			ck.Best, ck.BestEpoch = score, epoch
		}
		ck.Epoch = epoch
		if err := rnn.SaveOptimizerCheckpoint(o.Out, adam, m.Params()); err != nil {
			return nil, fmt.Errorf("caption: %w", err)
		}
		if err := rnn.SaveCheckpoint(o.Out, weights, improved, ck); err != nil {
			return nil, fmt.Errorf("caption: %w", err)
		}
		mark := ""
		if improved {
			mark = " (best)"
		}
		o.Log("epoch %d: loss %.4f, validation %s %.4f, BLEU-4 %.4f%s, %s", epoch, lossSum/float64(steps), metric, score, rep.BLEU[3], mark, time.Since(start).Round(time.Second))
		if epoch-ck.BestEpoch >= o.Patience || score >= 1 {
			o.Log("stopping: no better validation score in %d epochs", epoch-ck.BestEpoch)
			break
		}
	}

	// The best weights, their validation report and confidence threshold.
	data, err := os.ReadFile(filepath.Join(o.Out, rnn.BestWeights))
	if err != nil {
		return nil, fmt.Errorf("caption: %w", err)
	}
	best, err := LoadModel(data, "best.safetensors")
	if err != nil {
		return nil, err
	}
	rep, results, err := Evaluate(ctx, best, nil, val, valFeats, DefaultDecodeOptions())
	if err != nil {
		return nil, err
	}
	threshold, noveltyLimit := limits(results)
	res := &TrainResult{Epochs: ck.Epoch, BestEpoch: ck.BestEpoch, Metric: metric, Best: ck.Best, Report: rep}
	scores := map[string]any{"validation": rep}
	if o.Scorer != nil {
		_, res.Domain = o.Scorer(texts(results, val, valFeats))
		scores["validation_"+metric] = res.Domain
	}
	entry := Entry{
		Config:        best.Config,
		Domain:        o.Domain,
		Featurizer:    o.Featurizer,
		LowConfidence: threshold,
		NoveltyLimit:  noveltyLimit,
		Training: map[string]any{
			"data": o.Data.Format, "training_images": len(train), "validation_images": len(val),
			"captions": len(pairs), "vocabulary": vocab.Len(), "min_count": o.MinCount,
			"seed": o.Seed, "epochs": ck.Epoch, "best_epoch": ck.BestEpoch, "batch": o.Batch, "lr": o.LR,
			"minutes": math.Round(time.Since(began).Minutes()*10) / 10,
			"source":  o.Data.Source,
		},
		Scores: scores,
	}
	if err := WriteBundlePart(o.Out, o.Base, o.BaseName, o.Part, data, entry); err != nil {
		return nil, err
	}
	return res, nil
}

// limits sets the flags of unsure captions from the validation images'
// results: a score a little below their first percentile (less a margin of
// 0.5 nats per token), and a novelty well above their 99th percentile (half
// as much again).
func limits(results []Result) (lowScore, highNovelty float64) {
	var scores, novelty []float64
	for _, r := range results {
		if r.Novelty > 0 {
			scores = append(scores, r.Score)
			novelty = append(novelty, r.Novelty)
		}
	}
	if len(scores) == 0 {
		return math.Inf(-1), 0
	}
	slices.Sort(scores)
	slices.Sort(novelty)
	return scores[len(scores)/100] - 0.5, 1.5 * novelty[len(novelty)*99/100]
}
