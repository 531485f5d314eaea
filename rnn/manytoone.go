package rnn

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// T = timesteps, B = batch, D = input dim, H = encoder output width,
// C = classes.

// Readout is how a many-to-one network sums a sequence's encoder outputs
// up into the one vector its head reads.
type Readout string

// The readouts.
const (
	// ReadLast reads the output at the last real step (the zero value too).
	ReadLast Readout = "last"
	// ReadMean reads the mean of the outputs over the real steps.
	ReadMean Readout = "mean"
	// ReadMax reads each value's largest output over the real steps.
	ReadMax Readout = "max"
)

// ParseReadout checks a readout's name ("" is ReadLast).
func ParseReadout(s string) (Readout, error) {
	switch Readout(s) {
	case "", ReadLast:
		return ReadLast, nil
	case ReadMean, ReadMax:
		return Readout(s), nil
	}
	return "", fmt.Errorf("rnn: unknown readout %q (want last, mean or max)", s)
}

// ManyToOne is the many-to-one assembly (a clip in, one answer out): a
// recurrent encoder reads each sequence, the readout sums its outputs up
// and a linear head maps them to C logits: one class (softmax, Loss) or C
// independent yes/no tags (sigmoid, LossMulti).
//
//	r_b = y_{len_b - 1, b}                  ReadLast
//	r_b = Σ_{t<len_b} y_{t,b} / len_b        ReadMean
//	r_b = max_{t<len_b} y_{t,b}, per value   ReadMax
//	logits_b = Head(r_b)                     (B,C)
type ManyToOne struct {
	Enc     Recurrent
	Head    *Linear // H -> C
	Readout Readout

	t, b    int
	lengths []int
	last    []float32 // r (B,H)
	argmax  []int     // ReadMax: the step each value of r came from (B,H)
	grad    []float32 // (B,C)
	dy      []float32 // (T,B,H)
}

// NewManyToOne puts a C-class head on enc, read at the last step.
func NewManyToOne(impl blas.Float32, enc Recurrent, classes int, rng *rand.Rand) *ManyToOne {
	m := &ManyToOne{Enc: enc, Head: NewLinear(impl, enc.OutDim(), classes, rng), Readout: ReadLast}
	prefixed("enc", enc.Params())
	prefixed("head", m.Head.Params())
	return m
}

// Params returns all parameters.
func (m *ManyToOne) Params() []*Param { return append(m.Enc.Params(), m.Head.Params()...) }

// length is the number of real steps of sequence b.
func (m *ManyToOne) length(b int) int {
	n := m.t
	if m.lengths != nil {
		n = m.lengths[b]
	}
	if n < 1 {
		panic(fmt.Sprintf("rnn: ManyToOne: sequence %d is empty", b))
	}
	return n
}

// Forward returns logits (B,C) for x (T,B,D); every length must be >= 1.
func (m *ManyToOne) Forward(x []float32, T, B int, lengths []int) []float32 {
	H := m.Enc.OutDim()
	y := m.Enc.Forward(x, T, B, lengths, nil)
	m.t, m.b, m.lengths = T, B, lengths
	m.last = grow(m.last, B*H)
	if m.Readout == ReadMax {
		if cap(m.argmax) < B*H {
			m.argmax = make([]int, B*H)
		}
		m.argmax = m.argmax[:B*H]
	}
	for b := range B {
		n := m.length(b)
		r := m.last[b*H : (b+1)*H]
		switch m.Readout {
		case ReadMean:
			clear(r)
			for t := range n {
				for i, v := range y[(t*B+b)*H : (t*B+b+1)*H] {
					r[i] += v
				}
			}
			k := 1 / float32(n)
			for i := range r {
				r[i] *= k
			}
		case ReadMax:
			arg := m.argmax[b*H : (b+1)*H]
			copy(r, y[b*H:(b+1)*H])
			clear(arg)
			for t := 1; t < n; t++ {
				for i, v := range y[(t*B+b)*H : (t*B+b+1)*H] {
					if v > r[i] {
						r[i], arg[i] = v, t
					}
				}
			}
		default:
			copy(r, y[((n-1)*B+b)*H:((n-1)*B+b+1)*H])
		}
	}
	return m.Head.Forward(m.last, B)
}

// Probabilities returns, for x (T,B,D), each sequence's C tag
// probabilities, sigmoid of the logits (B,C), in a new slice.
func (m *ManyToOne) Probabilities(x []float32, T, B int, lengths []int) []float32 {
	return Sigmoid(m.Forward(x, T, B, lengths), nil)
}

// Loss runs Forward and the backward pass for labels (B), accumulating
// gradients, and returns the mean cross-entropy.
func (m *ManyToOne) Loss(x []float32, T, B int, lengths []int, labels []int) float64 {
	logits := m.Forward(x, T, B, lengths)
	m.grad = grow(m.grad, B*m.Head.Out)
	loss, _ := SoftmaxCrossEntropy(logits, B, m.Head.Out, labels, m.grad)
	m.backward()
	return loss
}

// LossMulti runs Forward and the backward pass for multi-label targets
// (B,C), each 0 or 1 (a tag absent or present), accumulating gradients,
// and returns the mean over sequences of the summed binary cross-entropy
// (SigmoidBinaryCrossEntropy).
func (m *ManyToOne) LossMulti(x []float32, T, B int, lengths []int, targets []float32) float64 {
	logits := m.Forward(x, T, B, lengths)
	m.grad = grow(m.grad, B*m.Head.Out)
	loss := SigmoidBinaryCrossEntropy(logits, B, m.Head.Out, targets, m.grad)
	m.backward()
	return loss
}

// backward takes dloss/dlogits in m.grad back through the head, the
// readout and the encoder.
func (m *ManyToOne) backward() {
	T, B, H := m.t, m.b, m.Enc.OutDim()
	dr := m.Head.Backward(m.grad)
	m.dy = grow(m.dy, T*B*H)
	clear(m.dy)
	for b := range B {
		n := m.length(b)
		d := dr[b*H : (b+1)*H]
		switch m.Readout {
		case ReadMean:
			// r = Σ_t y_t / n  =>  dy_t = dr / n for every real step
			k := 1 / float32(n)
			for t := range n {
				dst := m.dy[(t*B+b)*H : (t*B+b+1)*H]
				for i, v := range d {
					dst[i] = v * k
				}
			}
		case ReadMax:
			// r_i = y_{argmax_i, i}  =>  dy_{argmax_i, i} = dr_i
			for i, t := range m.argmax[b*H : (b+1)*H] {
				m.dy[(t*B+b)*H+i] += d[i]
			}
		default:
			// r = y_{n-1}  =>  dy_{n-1} = dr
			copy(m.dy[((n-1)*B+b)*H:((n-1)*B+b+1)*H], d)
		}
	}
	m.Enc.Backward(m.dy, nil)
}
