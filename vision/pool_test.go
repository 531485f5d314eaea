package vision

import (
	"slices"
	"testing"
)

func TestPool(t *testing.T) {
	// Two channels of a 3x4 map: channel 0 is 0..11 row by row, channel 1 its negation.
	x := make([]float32, 24)
	for i := range 12 {
		x[i], x[12+i] = float32(i), -float32(i)
	}
	cases := []struct {
		name string
		o    OutputSpec
		want []float32
	}{
		{"global mean", OutputSpec{Pool: PoolGlobal}, []float32{5.5, -5.5}},
		{"global max", OutputSpec{Pool: PoolGlobal, Stat: StatMax}, []float32{11, 0}},
		// 2x2 grid over 3 rows (cells 0-1, 1-2) and 4 columns (0-1, 2-3).
		{"grid mean", OutputSpec{Pool: PoolGrid, Grid: 2}, []float32{
			(0 + 1 + 4 + 5) / 4.0, (2 + 3 + 6 + 7) / 4.0, (4 + 5 + 8 + 9) / 4.0, (6 + 7 + 10 + 11) / 4.0,
			-2.5, -4.5, -6.5, -8.5}},
		{"grid max", OutputSpec{Pool: PoolGrid, Grid: 2, Stat: StatMax}, []float32{5, 7, 9, 11, 0, -2, -4, -6}},
		{"grid 1 is global", OutputSpec{Pool: PoolGrid, Grid: 1}, []float32{5.5, -5.5}},
		{"none", OutputSpec{Pool: PoolNone}, x},
	}
	for _, c := range cases {
		dst := make([]float32, poolDim(c.o, 2, 3, 4))
		in := slices.Clone(x)
		pool(dst, in, c.o, 2, 3, 4)
		if !slices.Equal(dst, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, dst, c.want)
		}
		if !slices.Equal(in, x) {
			t.Errorf("%s: input modified", c.name)
		}
	}
}

func TestCellBounds(t *testing.T) {
	// Cells must cover every row, in order, and never be empty.
	for n := 1; n <= 30; n++ {
		for g := 1; g <= n; g++ {
			prevHi := 0
			for i := range g {
				lo, hi := cellBounds(i, g, n)
				if lo >= hi || lo > prevHi || hi > n || (i == 0 && lo != 0) {
					t.Fatalf("n=%d g=%d cell %d: [%d, %d) after %d", n, g, i, lo, hi, prevHi)
				}
				prevHi = hi
			}
			if prevHi != n {
				t.Fatalf("n=%d g=%d: cells end at %d", n, g, prevHi)
			}
		}
	}
}
