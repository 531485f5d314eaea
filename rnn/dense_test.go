package rnn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A Dense layer is a Linear map and a tanh applied to each step alone
// (context 0), or to each step's window of 2K+1 steps read with zeros
// beyond the sequence (context K): its output at a step is what Linear
// and tanh give on that step's window, built by hand here, and changing a
// step's input changes no output further than K steps away. Padded steps
// give zeros.
func TestDenseIsPerStep(t *testing.T) {
	const T, B, D, H = 7, 2, 3, 4
	lengths := []int{7, 5}
	for _, K := range []int{0, 1, 3} {
		rng := rand.New(rand.NewPCG(uint64(K), 9))
		l := NewDense(NativeBLAS(), D, H, K, rng)
		if l.Wx.Name != "wx" || l.B.Name != "b" || l.Wx.Shape[1] != (2*K+1)*D || len(l.StateDims()) != 0 {
			t.Fatalf("K=%d: params %s %v, %s; state %v", K, l.Wx.Name, l.Wx.Shape, l.B.Name, l.StateDims())
		}
		lin := &Linear{BLAS: NativeBLAS(), In: (2*K + 1) * D, Out: H, W: l.Wx, B: l.B}
		x := randSlice(rng, T*B*D)
		y := append([]float32(nil), l.Forward(x, T, B, lengths, nil)...)
		worst := 0.0
		for b := range B {
			for s := range T {
				row := y[(s*B+b)*H : (s*B+b+1)*H]
				if s >= lengths[b] {
					for _, v := range row {
						if v != 0 {
							t.Fatalf("K=%d: padded step %d of sequence %d gives %v", K, s, b, row)
						}
					}
					continue
				}
				var u []float32
				for k := -K; k <= K; k++ {
					if i := s + k; i >= 0 && i < lengths[b] {
						u = append(u, x[(i*B+b)*D:(i*B+b+1)*D]...)
					} else {
						u = append(u, make([]float32, D)...)
					}
				}
				want := lin.Apply(u, nil)
				for j := range want {
					worst = max(worst, math.Abs(float64(tanhf(want[j])-row[j])))
				}
			}
		}
		if worst > 1e-6 {
			t.Errorf("K=%d: differs from Linear and tanh on each window by %g", K, worst)
		}
		// Step 3 of sequence 0 changed: only steps 3-K .. 3+K move.
		x[(3*B+0)*D] += 1
		y2 := l.Forward(x, T, B, lengths, nil)
		for s := range T {
			moved := false
			for j := range H {
				moved = moved || y2[(s*B)*H+j] != y[(s*B)*H+j]
			}
			if near := s >= 3-K && s <= 3+K; moved != near {
				t.Errorf("K=%d: step %d moved %v after a change at step 3", K, s, moved)
			}
		}
		if st := l.FinalState(); len(st) != 0 {
			t.Errorf("K=%d: final state %v", K, st)
		}
	}
}
