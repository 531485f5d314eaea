package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

var _ Recurrent = (*Dense)(nil)

// T = timesteps, B = batch, D = input dim, K = context steps on each side,
// W = 2K+1 steps seen, H = hidden (output width).

// Dense is a stateless per-step layer: a Linear map and a tanh applied to
// each step on its own, seeing the inputs of that step and of its K
// neighbours on each side, and nothing carried from step to step:
//
//	u_t = [x_{t-K}; …; x_t; …; x_{t+K}]    (W·D), x_s = 0 for s outside [0, length)
//	y_t = tanh(u_t·Wxᵀ + b)                 (H)
//
// With K = 0 it is a one-frame network. It fits wherever a Recurrent layer
// goes (a Stack, a Synced assembly), for comparing recurrent labellers with
// ones that have no memory; its state is empty, so an initial state and
// a final-state gradient are ignored and FinalState is empty.
type Dense struct {
	BLAS    blas.Float32
	In      int
	Hidden  int
	Context int    // K
	Wx      *Param // (H, W·D)
	B       *Param // (H)

	// cache of the last Forward
	t, b    int
	lengths []int
	u       []float32 // (T,B,W·D) the inputs each step sees, zeros at padded steps
	y       []float32 // (T,B,H) tanh outputs, zeros at padded steps
	// backward buffers
	dG, dU, dx []float32
}

// NewDense returns a Dense layer of hidden units over 2·context+1 steps of
// in inputs each, with weights and bias drawn from U(-1/√(W·D), 1/√(W·D))
// (PyTorch's Linear default). A nil impl means OpenBLAS.
func NewDense(impl blas.Float32, in, hidden, context int, rng *rand.Rand) *Dense {
	if in <= 0 || hidden <= 0 || context < 0 {
		panic(fmt.Sprintf("rnn: Dense of %d inputs, %d units, context %d", in, hidden, context))
	}
	w := (2*context + 1) * in
	l := &Dense{BLAS: orDefault(impl), In: in, Hidden: hidden, Context: context,
		Wx: newParam("wx", hidden, w), B: newParam("b", hidden)}
	a := 1 / math.Sqrt(float64(w))
	l.Wx.uniform(rng, a)
	l.B.uniform(rng, a)
	return l
}

// Params returns Wx and B.
func (l *Dense) Params() []*Param { return []*Param{l.Wx, l.B} }

// InDim returns D.
func (l *Dense) InDim() int { return l.In }

// OutDim returns H.
func (l *Dense) OutDim() int { return l.Hidden }

// StateDims is empty: the layer keeps no state.
func (l *Dense) StateDims() []int { return nil }

// Forward applies the layer to every step of x (T,B,D); see Recurrent. s0
// is ignored (there is no state).
func (l *Dense) Forward(x []float32, T, B int, lengths []int, _ [][]float32) []float32 {
	D, H, K := l.In, l.Hidden, l.Context
	WD := (2*K + 1) * D
	seqCheck("Dense", x, T, B, D, lengths)
	l.t, l.b, l.lengths = T, B, lengths
	// u_t = [x_{t-K}; …; x_{t+K}], zeros outside the sequence    (T,B,W·D)
	l.u = grow(l.u, T*B*WD)
	for t := range T {
		for b := range B {
			u := l.u[(t*B+b)*WD : (t*B+b+1)*WD]
			if !stepLive(lengths, t, b) {
				clear(u)
				continue
			}
			for k := -K; k <= K; k++ {
				part := u[(k+K)*D : (k+K+1)*D]
				if s := t + k; s >= 0 && s < T && stepLive(lengths, s, b) {
					copy(part, x[(s*B+b)*D:(s*B+b+1)*D])
				} else {
					clear(part)
				}
			}
		}
	}
	// y = tanh(u·Wxᵀ + b), all steps at once    (T,B,H)
	l.y = grow(l.y, T*B*H)
	broadcastRows(l.y, l.B.W, T*B, H)
	matmulNT(l.BLAS, T*B, H, WD, l.u, l.Wx.W, 1, l.y)
	for n := range T * B {
		y := l.y[n*H : (n+1)*H]
		if !stepLive(lengths, n/B, n%B) {
			clear(y)
			continue
		}
		tanhRow(y, y)
	}
	return l.y
}

// FinalState is empty: the layer keeps no state.
func (l *Dense) FinalState() [][]float32 { return nil }

// Backward takes dy (T,B,H), accumulates dWx and db, and returns dx (T,B,D)
// and no state gradient; see Recurrent.
func (l *Dense) Backward(dy []float32, _ [][]float32) ([]float32, [][]float32) {
	T, B, D, H, K := l.t, l.b, l.In, l.Hidden, l.Context
	WD := (2*K + 1) * D
	if len(dy) != T*B*H {
		panic("rnn: Dense.Backward: dy does not match the last Forward")
	}
	// y = tanh(pre)  =>  dpre = dy ⊙ (1 - y²), zero at padded steps
	l.dG = grow(l.dG, T*B*H)
	for n := range T * B {
		dg := l.dG[n*H : (n+1)*H]
		if !stepLive(l.lengths, n/B, n%B) {
			clear(dg)
			continue
		}
		y, d := l.y[n*H:(n+1)*H], dy[n*H:(n+1)*H]
		for j := range H {
			dg[j] = d[j] * (1 - y[j]*y[j])
		}
	}
	// pre = u·Wxᵀ + b  =>  dWx += dGᵀ·u, db += Σ dG, du = dG·Wx
	matmulTN(l.BLAS, H, WD, T*B, l.dG, l.u, 1, l.Wx.G)
	addColSums(l.B.G, l.dG, T*B, H)
	l.dU = grow(l.dU, T*B*WD)
	matmulNN(l.BLAS, T*B, WD, H, l.dG, l.Wx.W, 0, l.dU)
	// u_t holds x_{t+k} at block k+K  =>  dx_s += du_{s-k}[k+K] for each k
	l.dx = grow(l.dx, T*B*D)
	clear(l.dx)
	for t := range T {
		for b := range B {
			if !stepLive(l.lengths, t, b) {
				continue
			}
			du := l.dU[(t*B+b)*WD : (t*B+b+1)*WD]
			for k := -K; k <= K; k++ {
				s := t + k
				if s < 0 || s >= T || !stepLive(l.lengths, s, b) {
					continue
				}
				dx, part := l.dx[(s*B+b)*D:(s*B+b+1)*D], du[(k+K)*D:(k+K+1)*D]
				for i, v := range part {
					dx[i] += v
				}
			}
		}
	}
	return l.dx, nil
}
