package rnn

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// T = timesteps, B = batch, D = input dim, H = hidden. Gate blocks are stacked
// in PyTorch's order r, z, n, and like PyTorch the reset gate multiplies the
// recurrent product including its bias (r ⊙ (W_hn·h + b_hn)), which is why the
// input and recurrent biases are kept apart.

// GRU is a gated recurrent unit layer (PyTorch's formulation).
type GRU struct {
	BLAS   blas.Float32
	In     int
	Hidden int
	Wx     *Param // (3H, D)
	Wh     *Param // (3H, H)
	Bx     *Param // (3H)
	Bh     *Param // (3H)

	x       []float32
	t, b    int
	lengths []int
	gates   []float32 // (T,B,3H) activated r, z, n
	hn      []float32 // (T,B,H) W_hn·h + b_hn
	gh      []float32 // (B,3H) scratch
	hs      []float32 // (T+1,B,H)
	y       []float32 // (T,B,H)

	dGx, dGh, dx, dh, dhp []float32
}

// NewGRU returns a GRU with weights and biases drawn from U(-1/√H, 1/√H).
// A nil impl means OpenBLAS.
func NewGRU(impl blas.Float32, in, hidden int, rng *rand.Rand) *GRU {
	l := &GRU{BLAS: orDefault(impl), In: in, Hidden: hidden,
		Wx: newParam("wx", 3*hidden, in), Wh: newParam("wh", 3*hidden, hidden),
		Bx: newParam("bx", 3*hidden), Bh: newParam("bh", 3*hidden)}
	a := 1 / math.Sqrt(float64(hidden))
	for _, p := range l.Params() {
		p.uniform(rng, a)
	}
	return l
}

// Params returns Wx, Wh, Bx and Bh.
func (l *GRU) Params() []*Param { return []*Param{l.Wx, l.Wh, l.Bx, l.Bh} }

// InDim returns D.
func (l *GRU) InDim() int { return l.In }

// OutDim returns H.
func (l *GRU) OutDim() int { return l.Hidden }

// StateDims returns [H].
func (l *GRU) StateDims() []int { return []int{l.Hidden} }

// gruCell applies one step to one row. gx holds x·Wxᵀ + bx (3H) and becomes
// the activations r, z, n; gh holds h·Whᵀ + bh (3H).
//
//	r = σ(gx_r + gh_r)
//	z = σ(gx_z + gh_z)
//	n = tanh(gx_n + r ⊙ gh_n)
//	h = (1 - z) ⊙ n + z ⊙ hPrev
func gruCell(gx, gh, hPrev, h []float32, H int) {
	for j := range H {
		r := sigmoid(gx[j] + gh[j])
		z := sigmoid(gx[H+j] + gh[H+j])
		n := tanhf(gx[2*H+j] + r*gh[2*H+j])
		gx[j], gx[H+j], gx[2*H+j] = r, z, n
		h[j] = (1-z)*n + z*hPrev[j]
	}
}

// Forward runs the layer over x (T,B,D); see Recurrent.
func (l *GRU) Forward(x []float32, T, B int, lengths []int, s0 [][]float32) []float32 {
	D, H := l.In, l.Hidden
	seqCheck("GRU", x, T, B, D, lengths)
	l.x, l.t, l.b, l.lengths = x, T, B, lengths
	l.gates = grow(l.gates, T*B*3*H)
	l.hn = grow(l.hn, T*B*H)
	l.gh = grow(l.gh, B*3*H)
	l.hs = grow(l.hs, (T+1)*B*H)
	l.y = grow(l.y, T*B*H)
	loadState("GRU", l.hs[:B*H], s0, 0)
	broadcastRows(l.gates, l.Bx.W, T*B, 3*H)
	matmulNT(l.BLAS, T*B, 3*H, D, x, l.Wx.W, 1, l.gates)
	for t := range T {
		hPrev, h := l.hs[t*B*H:(t+1)*B*H], l.hs[(t+1)*B*H:(t+2)*B*H]
		// gh (B,3H) = hPrev·Whᵀ + bh
		broadcastRows(l.gh, l.Bh.W, B, 3*H)
		matmulNT(l.BLAS, B, 3*H, H, hPrev, l.Wh.W, 1, l.gh)
		for b := range B {
			r, row := b*H, t*B+b
			y := l.y[row*H : (row+1)*H]
			if !stepLive(lengths, t, b) {
				copy(h[r:r+H], hPrev[r:r+H])
				clear(y)
				continue
			}
			gh := l.gh[b*3*H : (b+1)*3*H]
			copy(l.hn[row*H:(row+1)*H], gh[2*H:])
			gruCell(l.gates[row*3*H:(row+1)*3*H], gh, hPrev[r:r+H], h[r:r+H], H)
			copy(y, h[r:r+H])
		}
	}
	return l.y
}

// FinalState returns [h_T].
func (l *GRU) FinalState() [][]float32 {
	T, B, H := l.t, l.b, l.Hidden
	return [][]float32{l.hs[T*B*H : (T+1)*B*H]}
}

// Backward runs backpropagation through time; see Recurrent.
func (l *GRU) Backward(dy []float32, dsT [][]float32) ([]float32, [][]float32) {
	T, B, D, H := l.t, l.b, l.In, l.Hidden
	if len(dy) != T*B*H {
		panic("rnn: GRU.Backward: dy does not match the last Forward")
	}
	l.dGx = grow(l.dGx, T*B*3*H)
	l.dGh = grow(l.dGh, T*B*3*H)
	l.dh = grow(l.dh, B*H)
	l.dhp = grow(l.dhp, B*H)
	loadState("GRU", l.dh, dsT, 0)
	for t := T - 1; t >= 0; t-- {
		hPrev := l.hs[t*B*H : (t+1)*B*H]
		dGh := l.dGh[t*B*3*H : (t+1)*B*3*H]
		for b := range B {
			row := t*B + b
			dgx, dgh := l.dGx[row*3*H:(row+1)*3*H], dGh[b*3*H:(b+1)*3*H]
			if !stepLive(l.lengths, t, b) {
				clear(dgx)
				clear(dgh)
				continue
			}
			g := l.gates[row*3*H : (row+1)*3*H]
			hn := l.hn[row*H : (row+1)*H]
			dyb, dh, hp := dy[row*H:(row+1)*H], l.dh[b*H:(b+1)*H], hPrev[b*H:(b+1)*H]
			for j := range H {
				r, z, n := g[j], g[H+j], g[2*H+j]
				dhj := dyb[j] + dh[j]
				// h = (1 - z) ⊙ n + z ⊙ hPrev
				dz := dhj * (hp[j] - n)
				dn := dhj * (1 - z)
				dh[j] = dhj * z // direct path, the matrix path is added below
				// n = tanh(gx_n + r ⊙ gh_n)
				dnp := dn * (1 - n*n)
				dr := dnp * hn[j]
				// r, z = σ(·)
				drp, dzp := dr*r*(1-r), dz*z*(1-z)
				dgx[j], dgx[H+j], dgx[2*H+j] = drp, dzp, dnp
				dgh[j], dgh[H+j], dgh[2*H+j] = drp, dzp, dnp*r
			}
		}
		// gh = hPrev·Whᵀ + bh  =>  dhPrev = dh(direct, or carried) + dGh·Wh
		copy(l.dhp, l.dh)
		matmulNN(l.BLAS, B, H, 3*H, dGh, l.Wh.W, 1, l.dhp)
		l.dh, l.dhp = l.dhp, l.dh
	}
	matmulTN(l.BLAS, 3*H, H, T*B, l.dGh, l.hs[:T*B*H], 1, l.Wh.G)
	addColSums(l.Bh.G, l.dGh, T*B, 3*H)
	matmulTN(l.BLAS, 3*H, D, T*B, l.dGx, l.x, 1, l.Wx.G)
	addColSums(l.Bx.G, l.dGx, T*B, 3*H)
	l.dx = grow(l.dx, T*B*D)
	matmulNN(l.BLAS, T*B, D, 3*H, l.dGx, l.Wx.W, 0, l.dx)
	return l.dx, [][]float32{l.dh}
}
