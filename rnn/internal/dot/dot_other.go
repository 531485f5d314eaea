//go:build !amd64

package dot

// HasAVX2 is false off amd64.
const HasAVX2 = false

// Dot4AVX2 is never chosen off amd64; it is Dot4Go.
func Dot4AVX2(row, a0, a1, a2, a3 *float32, k int, out *[4]float32) {
	Dot4Go(row, a0, a1, a2, a3, k, out)
}

// Dot4x2AVX2 is never chosen off amd64; it is Dot4Go on each row.
func Dot4x2AVX2(row0, row1, a0, a1, a2, a3 *float32, k int, out *[8]float32) {
	var o [4]float32
	Dot4Go(row0, a0, a1, a2, a3, k, &o)
	copy(out[:4], o[:])
	Dot4Go(row1, a0, a1, a2, a3, k, &o)
	copy(out[4:], o[:])
}
