package rnn

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// T = timesteps, B = batch, D = input dim, H = encoder output width,
// C = classes.

// ManyToOne is the many-to-one assembly (a clip in, one tag out): a recurrent
// encoder reads each sequence and a linear head classifies its output at the
// last real step.
//
//	logits_b = Head(y_{len_b - 1, b})   (B,C)
type ManyToOne struct {
	Enc  Recurrent
	Head *Linear // H -> C

	t, b    int
	lengths []int
	last    []float32 // (B,H)
	grad    []float32 // (B,C)
	dy      []float32 // (T,B,H)
}

// NewManyToOne puts a C-class head on enc.
func NewManyToOne(impl blas.Float32, enc Recurrent, classes int, rng *rand.Rand) *ManyToOne {
	m := &ManyToOne{Enc: enc, Head: NewLinear(impl, enc.OutDim(), classes, rng)}
	prefixed("enc", enc.Params())
	prefixed("head", m.Head.Params())
	return m
}

// Params returns all parameters.
func (m *ManyToOne) Params() []*Param { return append(m.Enc.Params(), m.Head.Params()...) }

// Forward returns logits (B,C) for x (T,B,D); every length must be >= 1.
func (m *ManyToOne) Forward(x []float32, T, B int, lengths []int) []float32 {
	H := m.Enc.OutDim()
	y := m.Enc.Forward(x, T, B, lengths, nil)
	m.t, m.b, m.lengths = T, B, lengths
	m.last = grow(m.last, B*H)
	for b := range B {
		t := T - 1
		if lengths != nil {
			t = lengths[b] - 1
		}
		if t < 0 {
			panic(fmt.Sprintf("rnn: ManyToOne: sequence %d is empty", b))
		}
		copy(m.last[b*H:(b+1)*H], y[(t*B+b)*H:(t*B+b+1)*H])
	}
	return m.Head.Forward(m.last, B)
}

// Loss runs Forward and the backward pass for labels (B), accumulating
// gradients, and returns the mean cross-entropy.
func (m *ManyToOne) Loss(x []float32, T, B int, lengths []int, labels []int) float64 {
	logits := m.Forward(x, T, B, lengths)
	C, H := m.Head.Out, m.Enc.OutDim()
	m.grad = grow(m.grad, B*C)
	loss, _ := SoftmaxCrossEntropy(logits, B, C, labels, m.grad)
	dlast := m.Head.Backward(m.grad)
	// last_b = y_{len_b-1, b}  =>  scatter dlast into dy
	m.dy = grow(m.dy, T*B*H)
	clear(m.dy)
	for b := range B {
		t := T - 1
		if lengths != nil {
			t = lengths[b] - 1
		}
		copy(m.dy[(t*B+b)*H:(t*B+b+1)*H], dlast[b*H:(b+1)*H])
	}
	m.Enc.Backward(m.dy, nil)
	return loss
}
