package tag

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"

	"captioner/rnn"
)

// T = steps, B = batch, D = input dim, H = hidden units, C = tags.

// Dense is the no-memory baseline: each step's input alone gives that
// step's tag logits through one hidden ReLU layer, and a video's tag
// probabilities are the mean of its steps' (sigmoid) probabilities.
//
//	h_t = relu(In(x_t))      (H)
//	z_t = Out(h_t)           (C)
//	p   = Σ_t sigmoid(z_t) / T
//
// It is trained on every step with the video's tags as that step's
// targets.
type Dense struct {
	In  *rnn.Linear // D -> H
	Out *rnn.Linear // H -> C

	lengths []int
	t, b    int
	h       []float32 // (T*B, H) after the ReLU
	grad    []float32 // (T*B, C)
	targets []float32 // (T*B, C)
}

// NewDense makes an untrained dense classifier.
func NewDense(impl blas.Float32, in, hidden, tags int, rng *rand.Rand) *Dense {
	d := &Dense{In: rnn.NewLinear(impl, in, hidden, rng), Out: rnn.NewLinear(impl, hidden, tags, rng)}
	d.In.W.Name, d.In.B.Name = "dense.in.weight", "dense.in.bias"
	d.Out.W.Name, d.Out.B.Name = "dense.out.weight", "dense.out.bias"
	return d
}

// Params returns the two layers' weights and biases.
func (d *Dense) Params() []*rnn.Param { return append(d.In.Params(), d.Out.Params()...) }

// forward returns every step's logits (T*B, C) for x (T,B,D).
func (d *Dense) forward(x []float32, T, B int, lengths []int) []float32 {
	d.t, d.b, d.lengths = T, B, lengths
	h := d.In.Forward(x, T*B)
	d.h = append(d.h[:0], h...)
	for i, v := range d.h {
		d.h[i] = max(v, 0) // h = relu(In(x))
	}
	return d.Out.Forward(d.h, T*B)
}

func (d *Dense) length(b int) int {
	if d.lengths == nil {
		return d.t
	}
	return d.lengths[b]
}

// Probabilities returns each video's tag probabilities (B,C): the mean
// over its real steps of the steps' sigmoids.
func (d *Dense) Probabilities(x []float32, T, B int, lengths []int) []float32 {
	z := d.forward(x, T, B, lengths)
	C := d.Out.Out
	p := make([]float32, B*C)
	var s []float32
	for b := range B {
		n := d.length(b)
		for t := range n {
			s = rnn.Sigmoid(z[(t*B+b)*C:(t*B+b+1)*C], s)
			for k, v := range s {
				p[b*C+k] += v
			}
		}
		for k := range C {
			p[b*C+k] /= float32(n)
		}
	}
	return p
}

// Loss runs the network on x (T,B,D) and the backward pass for each
// video's targets (B,C), given to every one of its real steps, and
// returns the mean over videos of the mean over their steps of the
// summed binary cross-entropy.
func (d *Dense) Loss(x []float32, T, B int, lengths []int, targets []float32) float64 {
	z := d.forward(x, T, B, lengths)
	C := d.Out.Out
	d.targets = grow(d.targets, T*B*C)
	d.grad = grow(d.grad, T*B*C)
	var loss float64
	for b := range B {
		n := d.length(b)
		for t := range T {
			rows := (t*B + b) * C
			if t >= n {
				clear(d.grad[rows : rows+C])
				continue
			}
			copy(d.targets[rows:rows+C], targets[b*C:(b+1)*C])
			// loss_b = Σ_t BCE(z_t, y_b) / n  =>  the step's gradient is scaled by 1/(n·B)
			l := rnn.SigmoidBinaryCrossEntropy(z[rows:rows+C], 1, C, d.targets[rows:rows+C], d.grad[rows:rows+C])
			loss += l / float64(n)
			k := 1 / float32(n*B)
			for i := rows; i < rows+C; i++ {
				d.grad[i] *= k
			}
		}
	}
	// z = Out(h)  =>  dh = dz·W_out
	dh := d.Out.Backward(d.grad)
	// h = relu(a)  =>  da = dh where h > 0
	for i, v := range d.h {
		if v <= 0 {
			dh[i] = 0
		}
	}
	d.In.Backward(dh)
	return loss / float64(B)
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
