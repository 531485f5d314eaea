package rnn

import "fmt"

// T = timesteps, B = batch, D = input dim, F/R = forward/reverse output widths.

// Bidirectional runs one layer forwards and another over each sequence
// reversed (within its own length), and concatenates their outputs:
//
//	y_t = [ fwd(x_0..x_t) ; rev(x_{len-1}..x_t) ]     (T,B,F+R)
//
// Its state is the forward layer's followed by the reverse layer's.
type Bidirectional struct {
	Fwd, Rev Recurrent

	t, b    int
	lengths []int
	xr, y   []float32
	dyf     []float32
	dyr     []float32
	dx      []float32
}

// NewBidirectional pairs two layers that take the same input width.
func NewBidirectional(fwd, rev Recurrent) *Bidirectional {
	if fwd.InDim() != rev.InDim() {
		panic(fmt.Sprintf("rnn: Bidirectional: input widths %d and %d differ", fwd.InDim(), rev.InDim()))
	}
	prefixed("fwd", fwd.Params())
	prefixed("rev", rev.Params())
	return &Bidirectional{Fwd: fwd, Rev: rev}
}

// Params returns the forward then the reverse layer's parameters.
func (l *Bidirectional) Params() []*Param {
	return append(append([]*Param{}, l.Fwd.Params()...), l.Rev.Params()...)
}

// InDim returns D.
func (l *Bidirectional) InDim() int { return l.Fwd.InDim() }

// OutDim returns F+R.
func (l *Bidirectional) OutDim() int { return l.Fwd.OutDim() + l.Rev.OutDim() }

// StateDims concatenates both layers' state widths.
func (l *Bidirectional) StateDims() []int {
	return append(append([]int{}, l.Fwd.StateDims()...), l.Rev.StateDims()...)
}

// reverseSeq writes src (T,B,D) into dst with every sequence reversed within
// its length; padded steps become zeros.
func reverseSeq(dst, src []float32, T, B, D int, lengths []int) {
	for b := range B {
		n := T
		if lengths != nil {
			n = lengths[b]
		}
		for t := range T {
			d := dst[(t*B+b)*D : (t*B+b+1)*D]
			if t >= n {
				clear(d)
				continue
			}
			copy(d, src[((n-1-t)*B+b)*D:((n-1-t)*B+b+1)*D])
		}
	}
}

func (l *Bidirectional) splitState(s [][]float32) (f, r [][]float32) {
	if s == nil {
		return nil, nil
	}
	nf := len(l.Fwd.StateDims())
	if len(s) != nf+len(l.Rev.StateDims()) {
		panic(fmt.Sprintf("rnn: Bidirectional: %d state vectors, want %d", len(s), len(l.StateDims())))
	}
	return s[:nf], s[nf:]
}

// Forward runs both directions; see Recurrent.
func (l *Bidirectional) Forward(x []float32, T, B int, lengths []int, s0 [][]float32) []float32 {
	D, F, R := l.InDim(), l.Fwd.OutDim(), l.Rev.OutDim()
	seqCheck("Bidirectional", x, T, B, D, lengths)
	l.t, l.b, l.lengths = T, B, lengths
	sf, sr := l.splitState(s0)
	yf := l.Fwd.Forward(x, T, B, lengths, sf)
	l.xr = grow(l.xr, T*B*D)
	reverseSeq(l.xr, x, T, B, D, lengths)
	yr := l.Rev.Forward(l.xr, T, B, lengths, sr)
	l.dyr = grow(l.dyr, T*B*R)
	reverseSeq(l.dyr, yr, T, B, R, lengths) // reuse as scratch: yr in natural order
	l.y = grow(l.y, T*B*(F+R))
	for n := 0; n < T*B; n++ {
		copy(l.y[n*(F+R):n*(F+R)+F], yf[n*F:(n+1)*F])
		copy(l.y[n*(F+R)+F:(n+1)*(F+R)], l.dyr[n*R:(n+1)*R])
	}
	return l.y
}

// FinalState returns the forward layer's final state then the reverse
// layer's (which has read each sequence back to its first step).
func (l *Bidirectional) FinalState() [][]float32 {
	return append(append([][]float32{}, l.Fwd.FinalState()...), l.Rev.FinalState()...)
}

// Backward splits dy between the directions; see Recurrent.
func (l *Bidirectional) Backward(dy []float32, dsT [][]float32) ([]float32, [][]float32) {
	T, B, D, F, R := l.t, l.b, l.InDim(), l.Fwd.OutDim(), l.Rev.OutDim()
	if len(dy) != T*B*(F+R) {
		panic("rnn: Bidirectional.Backward: dy does not match the last Forward")
	}
	df, dr := l.splitState(dsT)
	l.dyf = grow(l.dyf, T*B*F)
	l.dx = grow(l.dx, T*B*R) // scratch: reverse half in natural order
	for n := 0; n < T*B; n++ {
		copy(l.dyf[n*F:(n+1)*F], dy[n*(F+R):n*(F+R)+F])
		copy(l.dx[n*R:(n+1)*R], dy[n*(F+R)+F:(n+1)*(F+R)])
	}
	// y_rev = reverse(rev(reverse(x)))  =>  d(rev out) = reverse(dy_rev)
	l.dyr = grow(l.dyr, T*B*R)
	reverseSeq(l.dyr, l.dx, T, B, R, l.lengths)
	dxr, ds0r := l.Rev.Backward(l.dyr, dr)
	dxf, ds0f := l.Fwd.Backward(l.dyf, df)
	l.dx = grow(l.dx, T*B*D)
	reverseSeq(l.dx, dxr, T, B, D, l.lengths)
	for i, v := range dxf {
		l.dx[i] += v
	}
	return l.dx, append(append([][]float32{}, ds0f...), ds0r...)
}
