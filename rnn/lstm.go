package rnn

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// T = timesteps, B = batch, D = input dim, H = hidden. Gate blocks are stacked
// in PyTorch's order i, f, g, o, so Wx and Wh map one to one onto
// weight_ih_l0 and weight_hh_l0 (and B onto bias_ih_l0 + bias_hh_l0).

// LSTM is a long short-term memory layer whose four gate products are fused
// into one (4H × D) input product for the whole sequence and one (4H × H)
// recurrent product per step.
type LSTM struct {
	BLAS   blas.Float32
	In     int
	Hidden int
	Wx     *Param // (4H, D)
	Wh     *Param // (4H, H)
	B      *Param // (4H)

	// cache of the last Forward
	x       []float32 // (T,B,D), borrowed
	t, b    int
	lengths []int
	gates   []float32 // (T,B,4H) activated i, f, g, o
	hs, cs  []float32 // (T+1,B,H) states, [0] is the initial state
	tc      []float32 // (T,B,H) tanh(c_t)
	y       []float32 // (T,B,H)
	// backward buffers
	dG, dx, dh, dc, dhp []float32
}

// NewLSTM returns an LSTM with every weight drawn from U(-1/√H, 1/√H) and the
// forget-gate bias set to 1. A nil impl means OpenBLAS.
func NewLSTM(impl blas.Float32, in, hidden int, rng *rand.Rand) *LSTM {
	l := &LSTM{BLAS: orDefault(impl), In: in, Hidden: hidden,
		Wx: newParam("wx", 4*hidden, in), Wh: newParam("wh", 4*hidden, hidden), B: newParam("b", 4*hidden)}
	a := 1 / math.Sqrt(float64(hidden))
	l.Wx.uniform(rng, a)
	l.Wh.uniform(rng, a)
	l.B.uniform(rng, a)
	for j := hidden; j < 2*hidden; j++ {
		l.B.W[j] = 1
	}
	return l
}

// Params returns Wx, Wh and B.
func (l *LSTM) Params() []*Param { return []*Param{l.Wx, l.Wh, l.B} }

// InDim returns D.
func (l *LSTM) InDim() int { return l.In }

// OutDim returns H.
func (l *LSTM) OutDim() int { return l.Hidden }

// StateDims returns [H, H] for (h, c).
func (l *LSTM) StateDims() []int { return []int{l.Hidden, l.Hidden} }

// lstmCell applies the pointwise part of one step to one row. On entry g holds
// the pre-activations (4H); on return the activations.
//
//	i = σ(g_i)  f = σ(g_f)  g = tanh(g_g)  o = σ(g_o)
//	c = f ⊙ cPrev + i ⊙ g
//	h = o ⊙ tanh(c)
func lstmCell(g, cPrev, c, h, tc []float32, H int) {
	sigmoidRow(g[:2*H])             // i, f
	tanhRow(g[2*H:3*H], g[2*H:3*H]) // g
	sigmoidRow(g[3*H : 4*H])        // o
	gi, gf, gg, go_ := g[:H], g[H:2*H], g[2*H:3*H], g[3*H:4*H]
	cPrev, c, h, tc = cPrev[:H], c[:H], h[:H], tc[:H]
	for j := range H {
		c[j] = gf[j]*cPrev[j] + gi[j]*gg[j]
	}
	tanhRow(tc, c)
	for j := range H {
		h[j] = go_[j] * tc[j]
	}
}

// Forward runs the layer over x (T,B,D); see Recurrent.
func (l *LSTM) Forward(x []float32, T, B int, lengths []int, s0 [][]float32) []float32 {
	D, H := l.In, l.Hidden
	seqCheck("LSTM", x, T, B, D, lengths)
	l.x, l.t, l.b, l.lengths = x, T, B, lengths
	l.gates = grow(l.gates, T*B*4*H)
	l.hs = grow(l.hs, (T+1)*B*H)
	l.cs = grow(l.cs, (T+1)*B*H)
	l.tc = grow(l.tc, T*B*H)
	l.y = grow(l.y, T*B*H)
	loadState("LSTM", l.hs[:B*H], s0, 0)
	loadState("LSTM", l.cs[:B*H], s0, 1)
	// gates (TB,4H) = x·Wxᵀ + b, all steps at once
	broadcastRows(l.gates, l.B.W, T*B, 4*H)
	matmulNT(l.BLAS, T*B, 4*H, D, x, l.Wx.W, 1, l.gates)
	for t := range T {
		g := l.gates[t*B*4*H : (t+1)*B*4*H]
		hPrev, cPrev := l.hs[t*B*H:(t+1)*B*H], l.cs[t*B*H:(t+1)*B*H]
		h, c := l.hs[(t+1)*B*H:(t+2)*B*H], l.cs[(t+1)*B*H:(t+2)*B*H]
		// g += hPrev·Whᵀ  (B,4H)
		matmulNT(l.BLAS, B, 4*H, H, hPrev, l.Wh.W, 1, g)
		for b := range B {
			r := b * H
			y := l.y[(t*B+b)*H : (t*B+b+1)*H]
			if !stepLive(lengths, t, b) {
				copy(h[r:r+H], hPrev[r:r+H])
				copy(c[r:r+H], cPrev[r:r+H])
				clear(y)
				continue
			}
			lstmCell(g[b*4*H:(b+1)*4*H], cPrev[r:], c[r:], h[r:], l.tc[(t*B+b)*H:], H)
			copy(y, h[r:r+H])
		}
	}
	return l.y
}

// FinalState returns [h_T, c_T] (views into the cache).
func (l *LSTM) FinalState() [][]float32 {
	T, B, H := l.t, l.b, l.Hidden
	return [][]float32{l.hs[T*B*H : (T+1)*B*H], l.cs[T*B*H : (T+1)*B*H]}
}

// Backward runs backpropagation through time; see Recurrent.
func (l *LSTM) Backward(dy []float32, dsT [][]float32) ([]float32, [][]float32) {
	T, B, D, H := l.t, l.b, l.In, l.Hidden
	if len(dy) != T*B*H {
		panic("rnn: LSTM.Backward: dy does not match the last Forward")
	}
	l.dG = grow(l.dG, T*B*4*H)
	l.dh = grow(l.dh, B*H)
	l.dc = grow(l.dc, B*H)
	l.dhp = grow(l.dhp, B*H)
	loadState("LSTM", l.dh, dsT, 0)
	loadState("LSTM", l.dc, dsT, 1)
	for t := T - 1; t >= 0; t-- {
		g := l.gates[t*B*4*H : (t+1)*B*4*H]
		dG := l.dG[t*B*4*H : (t+1)*B*4*H]
		cPrev := l.cs[t*B*H : (t+1)*B*H]
		for b := range B {
			dg := dG[b*4*H : (b+1)*4*H]
			if !stepLive(l.lengths, t, b) {
				clear(dg) // padding: state carried, dh and dc pass through
				continue
			}
			gb := g[b*4*H : (b+1)*4*H]
			tc := l.tc[(t*B+b)*H : (t*B+b+1)*H]
			dyb := dy[(t*B+b)*H : (t*B+b+1)*H]
			dh, dc, cp := l.dh[b*H:(b+1)*H], l.dc[b*H:(b+1)*H], cPrev[b*H:(b+1)*H]
			for j := range H {
				i, f, gc, o := gb[j], gb[H+j], gb[2*H+j], gb[3*H+j]
				dhj := dyb[j] + dh[j]
				// h = o ⊙ tanh(c)
				dcj := dc[j] + dhj*o*(1-tc[j]*tc[j])
				do := dhj * tc[j]
				// c = f ⊙ cPrev + i ⊙ g
				di, df, dgc := dcj*gc, dcj*cp[j], dcj*i
				dc[j] = dcj * f
				// i, f, o = σ(·), g = tanh(·)
				dg[j] = di * i * (1 - i)
				dg[H+j] = df * f * (1 - f)
				dg[2*H+j] = dgc * (1 - gc*gc)
				dg[3*H+j] = do * o * (1 - o)
			}
		}
		// g += hPrev·Whᵀ  =>  dhPrev = dG·Wh (+ the carried dh at padded steps)
		matmulNN(l.BLAS, B, H, 4*H, dG, l.Wh.W, 0, l.dhp)
		for b := range B {
			if !stepLive(l.lengths, t, b) {
				for j := b * H; j < (b+1)*H; j++ {
					l.dhp[j] += l.dh[j]
				}
			}
		}
		l.dh, l.dhp = l.dhp, l.dh
	}
	// dWh += dGᵀ·hPrev over all steps, dWx += dGᵀ·x, db += Σ dG, dx = dG·Wx
	matmulTN(l.BLAS, 4*H, H, T*B, l.dG, l.hs[:T*B*H], 1, l.Wh.G)
	matmulTN(l.BLAS, 4*H, D, T*B, l.dG, l.x, 1, l.Wx.G)
	addColSums(l.B.G, l.dG, T*B, 4*H)
	l.dx = grow(l.dx, T*B*D)
	matmulNN(l.BLAS, T*B, D, 4*H, l.dG, l.Wx.W, 0, l.dx)
	return l.dx, [][]float32{l.dh, l.dc}
}

// LSTMStep is the allocation-free single step used by decoders.
//
//	gates = b + x·Wxᵀ + h·Whᵀ     (B,4H), in scratch
//	c, h  = lstmCell(gates, c)    updated in place
//
// x is (B,D), h and c are (B,H), scratch is at least (B,5H) values. impl
// does the products (nil means the layer's own BLAS).
func (l *LSTM) Step(impl blas.Float32, x, h, c []float32, B int, scratch []float32) {
	H := l.Hidden
	if impl == nil {
		impl = l.BLAS
	}
	g := scratch[:B*4*H]
	tc := scratch[B*4*H : B*5*H]
	broadcastRows(g, l.B.W, B, 4*H)
	matmulNT(impl, B, 4*H, l.In, x, l.Wx.W, 1, g)
	matmulNT(impl, B, 4*H, H, h, l.Wh.W, 1, g)
	for b := range B {
		lstmCell(g[b*4*H:], c[b*H:], c[b*H:], h[b*H:], tc[b*H:], H)
	}
}
