package rnn

import (
	"fmt"
	"strconv"
)

// Stack runs recurrent layers one above the other, with optional dropout
// between them. Its state is the concatenation of its layers' states.
type Stack struct {
	Layers []Recurrent
	Drop   []*Dropout // len(Layers)-1 entries, or nil for none
}

// NewStack stacks layers (renaming their parameters "layerN.…"). If drop is
// non-nil it is called once per gap between consecutive layers, and the
// Dropout it returns is applied to the lower layer's output in training.
func NewStack(drop func() *Dropout, layers ...Recurrent) *Stack {
	if len(layers) == 0 {
		panic("rnn: empty Stack")
	}
	s := &Stack{Layers: layers}
	for i, l := range layers {
		prefixed("layer"+strconv.Itoa(i), l.Params())
	}
	for i := 1; i < len(layers); i++ {
		if layers[i].InDim() != layers[i-1].OutDim() {
			panic(fmt.Sprintf("rnn: Stack: layer %d takes %d inputs, layer %d gives %d", i, layers[i].InDim(), i-1, layers[i-1].OutDim()))
		}
		if drop != nil {
			s.Drop = append(s.Drop, drop())
		}
	}
	return s
}

// SetTrain switches the dropout between layers on or off.
func (s *Stack) SetTrain(train bool) {
	for _, d := range s.Drop {
		d.Train = train
	}
}

// Params returns every layer's parameters (named "layerN.…").
func (s *Stack) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// InDim returns the first layer's D.
func (s *Stack) InDim() int { return s.Layers[0].InDim() }

// OutDim returns the last layer's output width.
func (s *Stack) OutDim() int { return s.Layers[len(s.Layers)-1].OutDim() }

// StateDims concatenates the layers' state widths.
func (s *Stack) StateDims() []int {
	var d []int
	for _, l := range s.Layers {
		d = append(d, l.StateDims()...)
	}
	return d
}

// split cuts a stack state into per-layer states (nil stays nil).
func (s *Stack) split(st [][]float32) [][][]float32 {
	out := make([][][]float32, len(s.Layers))
	if st == nil {
		return out
	}
	if len(st) != len(s.StateDims()) {
		panic(fmt.Sprintf("rnn: Stack: %d state vectors, want %d", len(st), len(s.StateDims())))
	}
	k := 0
	for i, l := range s.Layers {
		n := len(l.StateDims())
		out[i] = st[k : k+n]
		k += n
	}
	return out
}

// Forward runs every layer in turn; see Recurrent.
func (s *Stack) Forward(x []float32, T, B int, lengths []int, s0 [][]float32) []float32 {
	parts := s.split(s0)
	for i, l := range s.Layers {
		if i > 0 && s.Drop != nil {
			x = s.Drop[i-1].Forward(x)
		}
		x = l.Forward(x, T, B, lengths, parts[i])
	}
	return x
}

// FinalState concatenates the layers' final states.
func (s *Stack) FinalState() [][]float32 {
	var st [][]float32
	for _, l := range s.Layers {
		st = append(st, l.FinalState()...)
	}
	return st
}

// Backward runs the layers' backward passes top down; see Recurrent.
func (s *Stack) Backward(dy []float32, dsT [][]float32) ([]float32, [][]float32) {
	parts := s.split(dsT)
	ds0 := make([][][]float32, len(s.Layers))
	for i := len(s.Layers) - 1; i >= 0; i-- {
		dy, ds0[i] = s.Layers[i].Backward(dy, parts[i])
		if i > 0 && s.Drop != nil {
			dy = s.Drop[i-1].Backward(dy)
		}
	}
	var out [][]float32
	for _, d := range ds0 {
		out = append(out, d...)
	}
	return dy, out
}
