package rnn

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// T = timesteps, B = batch, D = input dim, H = encoder output width
// (2H' when bidirectional), C = labels.

// Synced is the synced many-to-many assembly (LRCN-style labelling): one label
// per input step from a linear head on the recurrent output at that step.
//
//	logits_{t,b} = Head(y_{t,b})   (T,B,C)
type Synced struct {
	Enc  Recurrent // an LSTM, a Stack or a Bidirectional
	Head *Linear   // H -> C

	n    int
	grad []float32
}

// NewSynced puts a C-label head on enc.
func NewSynced(impl blas.Float32, enc Recurrent, labels int, rng *rand.Rand) *Synced {
	m := &Synced{Enc: enc, Head: NewLinear(impl, enc.OutDim(), labels, rng)}
	prefixed("enc", enc.Params())
	prefixed("head", m.Head.Params())
	return m
}

// Params returns all parameters.
func (m *Synced) Params() []*Param { return append(m.Enc.Params(), m.Head.Params()...) }

// Forward returns logits (T,B,C) for x (T,B,D), owned by the assembly.
func (m *Synced) Forward(x []float32, T, B int, lengths []int) []float32 {
	y := m.Enc.Forward(x, T, B, lengths, nil)
	m.n = T * B
	return m.Head.Forward(y, T*B)
}

// Loss runs Forward and the backward pass for labels (T,B), time-major, -1 at
// padded steps, and returns the mean cross-entropy over real steps.
func (m *Synced) Loss(x []float32, T, B int, lengths []int, labels []int) float64 {
	logits := m.Forward(x, T, B, lengths)
	C := m.Head.Out
	m.grad = grow(m.grad, T*B*C)
	loss, _ := SoftmaxCrossEntropy(logits, T*B, C, labels, m.grad)
	m.Enc.Backward(m.Head.Backward(m.grad), nil)
	return loss
}

// Predict writes the most likely label of every step (T,B) into dst (ties to
// the lower label; -1 at padded steps) and returns it.
func (m *Synced) Predict(x []float32, T, B int, lengths []int, dst []int) []int {
	logits := m.Forward(x, T, B, lengths)
	C := m.Head.Out
	dst = dst[:0]
	for n := range T * B {
		if !stepLive(lengths, n/B, n%B) {
			dst = append(dst, -1)
			continue
		}
		row := logits[n*C : (n+1)*C]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		dst = append(dst, best)
	}
	return dst
}
