// Package dot holds rnn's fused dot-product kernels: four dot products of
// one row with four vectors, reading the row once. It is apart from rnn
// because rnn uses cgo (OpenBLAS), and a cgo package cannot hold Go
// assembly.
package dot

import "unsafe"

// Dot4Go is the portable kernel: out[i] = a_i · row over k values (k a
// multiple of 8), each summed in eight lanes, the lanes added as Dot4AVX2
// adds them. The two differ in rounding only (Dot4AVX2 fuses each multiply
// and add, and keeps two sets of lanes).
func Dot4Go(row, a0, a1, a2, a3 *float32, k int, out *[4]float32) {
	r := unsafe.Slice(row, k)
	for i, p := range [4]*float32{a0, a1, a2, a3} {
		a := unsafe.Slice(p, k)
		var l [8]float32
		for t := 0; t < k; t += 8 {
			for j := range 8 {
				l[j] += a[t+j] * r[t+j]
			}
		}
		// halves, then pairs, then the last two
		h0, h1, h2, h3 := l[0]+l[4], l[1]+l[5], l[2]+l[6], l[3]+l[7]
		out[i] = (h0 + h1) + (h2 + h3)
	}
}
