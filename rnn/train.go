package rnn

import (
	"context"
	"fmt"
	"math"
)

// Trainer runs optimiser steps: zero the gradients, run forward and backward,
// check the loss is finite, clip by global norm, set the scheduled learning
// rate and update.
type Trainer struct {
	Params   []*Param
	Opt      Optimizer
	Schedule Schedule // nil keeps the optimiser's learning rate
	ClipNorm float64  // 0 disables clipping

	step int
}

// StepStats reports one optimiser step.
type StepStats struct {
	Step     int
	Loss     float64
	GradNorm float64 // before clipping
	LR       float64
}

// Step runs one optimiser step; lossFn must run the forward and backward
// passes (accumulating into the zeroed gradients) and return the loss.
func (tr *Trainer) Step(lossFn func() (float64, error)) (StepStats, error) {
	ZeroGrads(tr.Params)
	loss, err := lossFn()
	if err != nil {
		return StepStats{}, fmt.Errorf("rnn: step %d: %w", tr.step, err)
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return StepStats{}, fmt.Errorf("rnn: step %d: loss %v: %w", tr.step, loss, ErrNotFinite)
	}
	st := StepStats{Step: tr.step, Loss: loss}
	if tr.ClipNorm > 0 {
		st.GradNorm = ClipGlobalNorm(tr.Params, tr.ClipNorm)
	} else {
		st.GradNorm = GlobalNorm(tr.Params)
	}
	if math.IsNaN(st.GradNorm) || math.IsInf(st.GradNorm, 0) {
		return st, fmt.Errorf("rnn: step %d: gradient norm %v: %w", tr.step, st.GradNorm, ErrNotFinite)
	}
	if tr.Schedule != nil {
		st.LR = tr.Schedule.LR(tr.step)
		tr.Opt.SetLR(st.LR)
	}
	tr.Opt.Step(tr.Params)
	tr.step++
	return st, nil
}

// Run performs steps optimiser steps, calling lossFn(step) for each and
// report (if non-nil) after each. It stops with ctx's error when ctx is done.
func (tr *Trainer) Run(ctx context.Context, steps int, lossFn func(step int) (float64, error), report func(StepStats)) error {
	for range steps {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rnn: training stopped at step %d: %w", tr.step, err)
		}
		i := tr.step
		st, err := tr.Step(func() (float64, error) { return lossFn(i) })
		if err != nil {
			return err
		}
		if report != nil {
			report(st)
		}
	}
	return nil
}
