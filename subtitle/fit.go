package subtitle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"time"

	"captioner/rnn"
)

// fitEpochs is the training loop every labeller shares, however its
// sequences were made (Train: a CNN over labelled videos; TrainSequences:
// computed elsewhere): the epochs after ck.Epoch up to o.Epochs, each a
// shuffled pass over windows of Config.Window steps in batches of o.Batch
// (Adam, the cosine schedule over all the epochs, gradients clipped at 5,
// dropout on the inputs), then validate's report on the labeller, a
// checkpoint in o.Out (the best weights by score beside it, ck updated),
// and an early stop after o.Patience epochs without a better score or at a
// perfect one.
func (m *Model) fitEpochs(ctx context.Context, o *TrainOptions, data []sequence, ck *checkpoint, validate func() (*Report, error)) error {
	cfg := m.Config
	windows := func(rng *rand.Rand) []window { return cut(data, cfg.Window, rng) }
	stepsPerEpoch := (len(windows(rand.New(rand.NewPCG(0, 0)))) + o.Batch - 1) / o.Batch
	adam := rnn.NewAdam(o.LR)
	if ck.Epoch > 0 { // resumed: Adam's moments and step count as the interrupted run left them
		err := rnn.LoadOptimizerCheckpoint(o.Out, adam, m.Net.Params())
		switch {
		case errors.Is(err, fs.ErrNotExist):
			o.Log("the checkpoint keeps no optimiser state (written by an older captioner): Adam starts afresh")
		case err != nil:
			return fmt.Errorf("subtitle: --resume: %w", err)
		}
	}
	tr := &rnn.Trainer{
		Params:   m.Net.Params(),
		Opt:      adam,
		Schedule: rnn.Resumed{Schedule: rnn.Cosine{Base: o.LR, Min: o.LR / 20, Warmup: min(100, stepsPerEpoch), Total: o.Epochs * stepsPerEpoch}, Done: ck.Epoch * stepsPerEpoch},
		ClipNorm: 5,
	}
	var x []float32
	for epoch := ck.Epoch + 1; epoch <= o.Epochs; epoch++ {
		rng := rand.New(rand.NewPCG(o.Seed, uint64(100+epoch)))
		ws := windows(rng)
		rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
		lossSum, steps := 0.0, 0
		start := time.Now()
		m.SetTrain(true)
		for b := 0; b < len(ws); b += o.Batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			batch := ws[b:min(b+o.Batch, len(ws))]
			var xb []float32
			var T int
			var lengths, labels []int
			xb, T, lengths, labels = m.batch(x, batch)
			x = xb
			rnn.DropInPlace(xb, cfg.Dropout, rng)
			st, err := tr.Step(func() (float64, error) { return m.Loss(xb, T, len(batch), lengths, labels), nil })
			if err != nil {
				return fmt.Errorf("subtitle: epoch %d: %w", epoch, err)
			}
			lossSum += st.Loss
			steps++
		}
		m.SetTrain(false)
		rep, err := validate()
		if err != nil {
			return err
		}
		sc := score(rep)
		weights, err := m.Save()
		if err != nil {
			return err
		}
		improved := sc > ck.Best
		if improved {
			ck.Best, ck.BestEpoch = sc, epoch
		}
		ck.Epoch = epoch
		if err := rnn.SaveOptimizerCheckpoint(o.Out, adam, m.Net.Params()); err != nil {
			return fmt.Errorf("subtitle: %w", err)
		}
		if err := rnn.SaveCheckpoint(o.Out, weights, improved, *ck); err != nil {
			return fmt.Errorf("subtitle: %w", err)
		}
		mark := ""
		if improved {
			mark = " (best)"
		}
		o.Log("epoch %d: loss %.4f, validation step %.4f F1 %.4f time %.4f%s, %s", epoch, lossSum/float64(steps),
			rep.StepAccuracy, rep.F1, rep.TimeAccuracy, mark, time.Since(start).Round(time.Second))
		if sc >= 1 {
			o.Log("stopping: every validation video is labelled right")
			break
		}
		if epoch-ck.BestEpoch >= o.Patience {
			o.Log("stopping: no better validation score in %d epochs", epoch-ck.BestEpoch)
			break
		}
	}
	return nil
}

// choosePenalty evaluates a labeller at each smoothing penalty (penalties)
// and returns the one with the best validation score, its report and its
// tracks.
func choosePenalty(eval func(penalty float64) (*Report, []Evaluated, error)) (float64, *Report, []Evaluated, error) {
	var rep *Report
	var evs []Evaluated
	penalty := 0.0
	for _, p := range penalties {
		r, e, err := eval(p)
		if err != nil {
			return 0, nil, nil, err
		}
		if rep == nil || score(r) > score(rep) {
			rep, evs, penalty = r, e, p
		}
	}
	return penalty, rep, evs, nil
}
