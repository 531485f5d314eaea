package rnn

import "fmt"

// T = timesteps, B = batch, D = input dim, H = hidden (per state vector).

// Recurrent is a layer run over a whole time-major batch, with backpropagation
// through time. Its state is a list of (B, H) vectors: [h] for RNN and GRU,
// [h, c] for LSTM, the concatenation of its layers' states for a stack.
type Recurrent interface {
	Module
	// InDim is D, OutDim the width of each output row.
	InDim() int
	OutDim() int
	// StateDims lists the width of each state vector.
	StateDims() []int
	// Forward runs x (T,B,D) from state s0 (nil means zeros) and returns
	// y (T,B,OutDim), zero at padded steps. The result is owned by the layer.
	Forward(x []float32, T, B int, lengths []int, s0 [][]float32) []float32
	// FinalState is the state after the last real step of each sequence.
	FinalState() [][]float32
	// Backward takes dy (T,B,OutDim) and the gradient dsT of the final state
	// (nil means zeros), accumulates parameter gradients and returns dx (T,B,D)
	// and the gradient of s0.
	Backward(dy []float32, dsT [][]float32) (dx []float32, ds0 [][]float32)
}

// Compile-time checks that the layers satisfy Recurrent.
var (
	_ Recurrent = (*LSTM)(nil)
	_ Recurrent = (*GRU)(nil)
	_ Recurrent = (*RNN)(nil)
	_ Recurrent = (*Stack)(nil)
	_ Recurrent = (*Bidirectional)(nil)
)

// seqCheck panics unless x holds T×B×D values and lengths fits.
func seqCheck(name string, x []float32, T, B, D int, lengths []int) {
	if len(x) != T*B*D {
		panic(fmt.Sprintf("rnn: %s.Forward: len(x)=%d, want T=%d × B=%d × D=%d", name, len(x), T, B, D))
	}
	checkLengths(lengths, T, B)
}

// loadState copies state vector s (B*H values, or zeros when s is nil) to dst.
func loadState(name string, dst []float32, s [][]float32, i int) {
	if s == nil || s[i] == nil {
		clear(dst)
		return
	}
	if len(s[i]) != len(dst) {
		panic(fmt.Sprintf("rnn: %s: state %d has %d values, want %d", name, i, len(s[i]), len(dst)))
	}
	copy(dst, s[i])
}

// addColSums adds the column sums of a (rows, cols) to dst (cols).
func addColSums(dst, a []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		row := a[r*cols : (r+1)*cols]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// broadcastRows sets every row of a (rows, cols) to v (cols).
func broadcastRows(a, v []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		copy(a[r*cols:(r+1)*cols], v)
	}
}
