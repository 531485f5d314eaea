//go:build !amd64

package dot

// HasAVX2 is false off amd64.
const HasAVX2 = false

// Dot4AVX2 is never chosen off amd64; it is Dot4Go.
func Dot4AVX2(row, a0, a1, a2, a3 *float32, k int, out *[4]float32) {
	Dot4Go(row, a0, a1, a2, a3, k, out)
}
