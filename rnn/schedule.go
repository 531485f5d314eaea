package rnn

import "math"

// Schedule gives the learning rate for a 0-based optimiser step.
type Schedule interface {
	LR(step int) float64
}

// StepDecay multiplies Base by Gamma every Every steps:
//
//	lr = Base · Gamma^⌊step/Every⌋
type StepDecay struct {
	Base  float64
	Every int
	Gamma float64
}

// LR returns the learning rate at step.
func (s StepDecay) LR(step int) float64 {
	if s.Every <= 0 {
		return s.Base
	}
	return s.Base * math.Pow(s.Gamma, float64(step/s.Every))
}

// Cosine warms up linearly over Warmup steps, then anneals from Base to Min
// along half a cosine over the remaining Total-Warmup steps, and stays at Min:
//
//	lr = Min + (Base-Min)·(1 + cos(π·p))/2,  p = (step-Warmup)/(Total-Warmup)
type Cosine struct {
	Base, Min     float64
	Warmup, Total int
}

// LR returns the learning rate at step.
func (c Cosine) LR(step int) float64 {
	if step < c.Warmup {
		return c.Base * float64(step+1) / float64(c.Warmup)
	}
	if step >= c.Total || c.Total <= c.Warmup {
		return c.Min
	}
	p := float64(step-c.Warmup) / float64(c.Total-c.Warmup)
	return c.Min + (c.Base-c.Min)*(1+math.Cos(math.Pi*p))/2
}

// Resumed is Schedule started Done steps in: a training run resumed from a
// checkpoint continues its schedule where the interrupted one left off.
type Resumed struct {
	Schedule Schedule
	Done     int
}

// LR returns the learning rate at step of the resumed run.
func (r Resumed) LR(step int) float64 { return r.Schedule.LR(step + r.Done) }
