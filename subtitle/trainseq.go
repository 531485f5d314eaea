package subtitle

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"captioner/internal/featcache"
	"captioner/rnn"
	"captioner/world"
)

// SequenceSet is labelled sequences computed elsewhere than by a Sampler
// (an objects detector's per-frame vectors, generated ones): for each
// video its steps' feature vectors, their times and the video's duration,
// the label text of each step ("" where none is known), and the true label
// track the validation scores compare with.
type SequenceSet struct {
	Seqs   []featcache.Sequence
	Labels [][]string
	Truth  [][]world.Cue
}

// SequenceTrainOptions configure TrainSequences. Zero values take Train's
// defaults.
type SequenceTrainOptions struct {
	Train, Val SequenceSet
	Labels     []string // the label set
	Schema     *Schema  // its parts; nil: one output a label
	// Config: FeatureDim comes from the sequences; FPS must be set, Inputs
	// default to features and change.
	Config   Config
	Out      string // checkpoints are written here
	Seed     uint64
	Epochs   int
	Batch    int
	LR       float64
	Patience int
	Cue      Options
	Log      func(format string, a ...any)
	// MinSD is the least standard deviation a feature is scaled by (the
	// standardisation's own floor is 1e-3): for sparse features such as
	// the scores of a class seldom seen in training, which would otherwise
	// reach hundreds when it shows. 0 keeps the floor.
	MinSD float64
}

// SequenceResult is what TrainSequences produced: the best labeller, its
// weights, the smoothing penalty and flag limits chosen on the validation
// sequences, and its validation report there.
type SequenceResult struct {
	TrainResult
	Model         *Model
	Weights       []byte
	LowConfidence float64
	NoveltyLimit  float64
	Steps         int // training steps
}

// TrainSequences fits a labeller to sequences computed elsewhere with the
// loop Train uses (fitEpochs), keeping the best epoch by the validation
// score, then picks the smoothing penalty on the validation sequences.
func TrainSequences(ctx context.Context, so SequenceTrainOptions) (*SequenceResult, error) {
	o := TrainOptions{Seed: so.Seed, Epochs: so.Epochs, Batch: so.Batch, LR: so.LR, Config: so.Config, Patience: so.Patience, Cue: so.Cue, Log: so.Log, Out: so.Out, ValVideos: 1}
	o.defaults()
	if len(so.Train.Seqs) == 0 || len(so.Val.Seqs) == 0 {
		return nil, fmt.Errorf("subtitle: %d training and %d validation sequences: need some of each", len(so.Train.Seqs), len(so.Val.Seqs))
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("subtitle: %w", err)
	}
	cfg := o.Config
	cfg.FeatureDim = len(so.Train.Seqs[0].Vectors[0])
	if len(cfg.Inputs) == 0 {
		cfg.Inputs = []string{InputFeatures, InputChange}
	}
	m, err := NewSchemaModel(cfg, so.Labels, so.Schema, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		return nil, err
	}
	id := make(map[string]int, len(m.Labels))
	for i, t := range m.Labels {
		id[t] = i
	}
	var data []sequence
	var trainFeats [][]float32
	for i, s := range so.Train.Seqs {
		labels := make([]int, len(s.Vectors))
		for t, txt := range so.Train.Labels[i] {
			if l, ok := id[txt]; ok {
				labels[t] = l
			} else {
				labels[t] = -1
			}
		}
		data = append(data, sequence{feats: s.Vectors, labels: labels})
		trainFeats = append(trainFeats, s.Vectors...)
	}
	m.Norm.Fit(trainFeats)
	if so.MinSD > 0 {
		for i, sc := range m.Norm.Scale.W {
			m.Norm.Scale.W[i] = min(sc, float32(1/so.MinSD))
		}
	}
	o.Log("%d training sequences (%d steps), %d validation; %d labels; model %+v", len(data), len(trainFeats), len(so.Val.Seqs), len(m.Labels), m.Config)
	ck := checkpoint{Seed: o.Seed, Best: math.Inf(-1), Labels: m.Labels, Factored: m.Schema != nil}
	err = m.fitEpochs(ctx, &o, data, &ck, func() (*Report, error) {
		rep, _, err := EvaluateTracks(ctx, m, trainingPenalty, o.Cue, so.Val.Truth, so.Val.Seqs)
		return rep, err
	})
	if err != nil {
		return nil, err
	}
	weights, err := os.ReadFile(filepath.Join(o.Out, rnn.BestWeights))
	if err != nil {
		return nil, fmt.Errorf("subtitle: %w", err)
	}
	best, err := LoadModel(weights, "best.safetensors")
	if err != nil {
		return nil, err
	}
	penalty, rep, evs, err := choosePenalty(func(p float64) (*Report, []Evaluated, error) {
		return EvaluateTracks(ctx, best, p, o.Cue, so.Val.Truth, so.Val.Seqs)
	})
	if err != nil {
		return nil, err
	}
	o.Log("smoothing penalty %g: validation step %.4f F1 %.4f time %.4f", penalty, rep.StepAccuracy, rep.F1, rep.TimeAccuracy)
	lowConf, novLimit := limits(evs)
	return &SequenceResult{
		TrainResult:   TrainResult{Epochs: ck.Epoch, BestEpoch: ck.BestEpoch, Best: ck.Best, Penalty: penalty, Report: rep},
		Model:         best,
		Weights:       weights,
		LowConfidence: lowConf,
		NoveltyLimit:  novLimit,
		Steps:         len(trainFeats),
	}, nil
}
