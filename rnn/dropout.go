package rnn

import (
	"fmt"
	"math/rand/v2"
)

// Dropout is inverted dropout: in training each value is kept with probability
// 1-P and scaled by 1/(1-P), so inference is the identity.
type Dropout struct {
	P     float32
	Train bool
	Rng   *rand.Rand

	mask []float32 // kept values' scale (0 or 1/(1-P))
	y    []float32
	dx   []float32
}

// NewDropout returns a Dropout in training mode drawing from rng.
func NewDropout(p float32, rng *rand.Rand) *Dropout {
	if p < 0 || p >= 1 {
		panic(fmt.Sprintf("rnn: dropout probability %v outside [0, 1)", p))
	}
	return &Dropout{P: p, Train: true, Rng: rng}
}

// Forward returns y = x ⊙ mask / (1-P) in training, x itself otherwise.
func (d *Dropout) Forward(x []float32) []float32 {
	if !d.Train || d.P == 0 {
		d.mask = d.mask[:0]
		return x
	}
	d.mask = grow(d.mask, len(x))
	d.y = grow(d.y, len(x))
	scale := 1 / (1 - d.P)
	for i, v := range x {
		if d.Rng.Float32() < d.P {
			d.mask[i] = 0
		} else {
			d.mask[i] = scale
		}
		d.y[i] = v * d.mask[i]
	}
	return d.y
}

// Backward returns dx = dy ⊙ mask / (1-P) (or dy when Forward was the identity).
func (d *Dropout) Backward(dy []float32) []float32 {
	if len(d.mask) == 0 {
		return dy
	}
	d.dx = grow(d.dx, len(dy))
	for i, v := range dy {
		d.dx[i] = v * d.mask[i]
	}
	return d.dx
}

// DropInPlace zeroes each value of x with probability p and scales the
// rest by 1/(1-p) (inverted dropout with no backward pass: for inputs,
// which need no gradient).
func DropInPlace(x []float32, p float64, rng *rand.Rand) {
	if p <= 0 {
		return
	}
	scale := float32(1 / (1 - p))
	for i := range x {
		if rng.Float64() < p {
			x[i] = 0
		} else {
			x[i] *= scale
		}
	}
}
