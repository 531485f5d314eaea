package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Param is one trainable tensor: its values W and the gradient G accumulated
// by backward passes, both row-major with the given Shape.
type Param struct {
	Name  string
	Shape []int
	W     []float32 // values
	G     []float32 // gradient, same shape
}

// newParam allocates a zeroed parameter of the given shape.
func newParam(name string, shape ...int) *Param {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return &Param{Name: name, Shape: shape, W: make([]float32, n), G: make([]float32, n)}
}

// uniform fills p.W from U(-a, a); a nil rng leaves the zeros (weights
// about to be loaded from a file need no random start).
func (p *Param) uniform(rng *rand.Rand, a float64) {
	if rng == nil {
		return
	}
	for i := range p.W {
		p.W[i] = float32((2*rng.Float64() - 1) * a)
	}
}

// Module is anything holding trainable parameters.
type Module interface {
	Params() []*Param
}

// ZeroGrads sets every gradient of params to zero.
func ZeroGrads(params []*Param) {
	for _, p := range params {
		clear(p.G)
	}
}

// prefixed renames params as prefix+"."+name, for nesting.
func prefixed(prefix string, params []*Param) []*Param {
	for _, p := range params {
		p.Name = prefix + "." + p.Name
	}
	return params
}

// CheckFinite returns an error naming the first parameter whose values or
// gradients hold a NaN or an infinity.
func CheckFinite(params []*Param) error {
	for _, p := range params {
		for i, v := range p.W {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("rnn: %s[%d] = %v: %w", p.Name, i, v, ErrNotFinite)
			}
		}
		for i, v := range p.G {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("rnn: gradient of %s[%d] = %v: %w", p.Name, i, v, ErrNotFinite)
			}
		}
	}
	return nil
}

// grow returns buf resliced to n elements, reallocating only if too small.
// The contents are not cleared.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// stepLive reports whether step t of sequence b is real (not padding).
func stepLive(lengths []int, t, b int) bool {
	return lengths == nil || t < lengths[b]
}

// checkLengths panics if lengths does not describe B sequences of at most T steps.
func checkLengths(lengths []int, T, B int) {
	if lengths == nil {
		return
	}
	if len(lengths) != B {
		panic(fmt.Sprintf("rnn: %d lengths for batch %d", len(lengths), B))
	}
	for b, l := range lengths {
		if l < 0 || l > T {
			panic(fmt.Sprintf("rnn: length[%d] = %d outside [0, %d]", b, l, T))
		}
	}
}
