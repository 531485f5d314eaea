package rnn

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// T = timesteps, B = batch, D = input dim, H = hidden.

// RNN is the vanilla (Elman) recurrent layer with a tanh non-linearity.
type RNN struct {
	BLAS   blas.Float32
	In     int
	Hidden int
	Wx     *Param // (H, D)
	Wh     *Param // (H, H)
	B      *Param // (H)

	x       []float32
	t, b    int
	lengths []int
	hs      []float32 // (T+1,B,H)
	pre     []float32 // (T,B,H) pre-activations, then tanh outputs
	y       []float32 // (T,B,H)

	dG, dx, dh, dhp []float32
}

// NewRNN returns a vanilla RNN with weights drawn from U(-1/√H, 1/√H).
// A nil impl means OpenBLAS.
func NewRNN(impl blas.Float32, in, hidden int, rng *rand.Rand) *RNN {
	l := &RNN{BLAS: orDefault(impl), In: in, Hidden: hidden,
		Wx: newParam("wx", hidden, in), Wh: newParam("wh", hidden, hidden), B: newParam("b", hidden)}
	a := 1 / math.Sqrt(float64(hidden))
	for _, p := range l.Params() {
		p.uniform(rng, a)
	}
	return l
}

// Params returns Wx, Wh and B.
func (l *RNN) Params() []*Param { return []*Param{l.Wx, l.Wh, l.B} }

// InDim returns D.
func (l *RNN) InDim() int { return l.In }

// OutDim returns H.
func (l *RNN) OutDim() int { return l.Hidden }

// StateDims returns [H].
func (l *RNN) StateDims() []int { return []int{l.Hidden} }

// Forward runs the layer over x (T,B,D):
//
//	h_t = tanh(x_t·Wxᵀ + h_{t-1}·Whᵀ + b)
func (l *RNN) Forward(x []float32, T, B int, lengths []int, s0 [][]float32) []float32 {
	D, H := l.In, l.Hidden
	seqCheck("RNN", x, T, B, D, lengths)
	l.x, l.t, l.b, l.lengths = x, T, B, lengths
	l.hs = grow(l.hs, (T+1)*B*H)
	l.pre = grow(l.pre, T*B*H)
	l.y = grow(l.y, T*B*H)
	loadState("RNN", l.hs[:B*H], s0, 0)
	broadcastRows(l.pre, l.B.W, T*B, H)
	matmulNT(l.BLAS, T*B, H, D, x, l.Wx.W, 1, l.pre)
	for t := range T {
		hPrev, h := l.hs[t*B*H:(t+1)*B*H], l.hs[(t+1)*B*H:(t+2)*B*H]
		p := l.pre[t*B*H : (t+1)*B*H]
		matmulNT(l.BLAS, B, H, H, hPrev, l.Wh.W, 1, p)
		for b := range B {
			r := b * H
			y := l.y[(t*B+b)*H : (t*B+b+1)*H]
			if !stepLive(lengths, t, b) {
				copy(h[r:r+H], hPrev[r:r+H])
				clear(y)
				continue
			}
			for j := r; j < r+H; j++ {
				p[j] = tanhf(p[j])
				h[j] = p[j]
			}
			copy(y, h[r:r+H])
		}
	}
	return l.y
}

// FinalState returns [h_T].
func (l *RNN) FinalState() [][]float32 {
	T, B, H := l.t, l.b, l.Hidden
	return [][]float32{l.hs[T*B*H : (T+1)*B*H]}
}

// Backward runs backpropagation through time; see Recurrent.
func (l *RNN) Backward(dy []float32, dsT [][]float32) ([]float32, [][]float32) {
	T, B, D, H := l.t, l.b, l.In, l.Hidden
	if len(dy) != T*B*H {
		panic("rnn: RNN.Backward: dy does not match the last Forward")
	}
	l.dG = grow(l.dG, T*B*H)
	l.dh = grow(l.dh, B*H)
	l.dhp = grow(l.dhp, B*H)
	loadState("RNN", l.dh, dsT, 0)
	for t := T - 1; t >= 0; t-- {
		dG := l.dG[t*B*H : (t+1)*B*H]
		for b := range B {
			r := b * H
			if !stepLive(l.lengths, t, b) {
				clear(dG[r : r+H])
				continue
			}
			// h = tanh(pre)  =>  dpre = (dy + dh) ⊙ (1 - h²)
			for j := r; j < r+H; j++ {
				h := l.pre[t*B*H+j]
				dG[j] = (dy[t*B*H+j] + l.dh[j]) * (1 - h*h)
				l.dh[j] = 0
			}
		}
		// pre += hPrev·Whᵀ  =>  dhPrev = dG·Wh (+ carried dh at padded steps)
		copy(l.dhp, l.dh)
		matmulNN(l.BLAS, B, H, H, dG, l.Wh.W, 1, l.dhp)
		l.dh, l.dhp = l.dhp, l.dh
	}
	matmulTN(l.BLAS, H, H, T*B, l.dG, l.hs[:T*B*H], 1, l.Wh.G)
	matmulTN(l.BLAS, H, D, T*B, l.dG, l.x, 1, l.Wx.G)
	addColSums(l.B.G, l.dG, T*B, H)
	l.dx = grow(l.dx, T*B*D)
	matmulNN(l.BLAS, T*B, D, H, l.dG, l.Wx.W, 0, l.dx)
	return l.dx, [][]float32{l.dh}
}
