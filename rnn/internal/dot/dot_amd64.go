package dot

import "golang.org/x/sys/cpu"

// HasAVX2 says whether this CPU runs Dot4AVX2: AVX2 and FMA, with the
// operating system saving the YMM registers (which cpu checks).
var HasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Dot4AVX2 is Dot4Go in AVX2 with FMA (dot_amd64.s). Call it only where
// HasAVX2.
//
//go:noescape
func Dot4AVX2(row, a0, a1, a2, a3 *float32, k int, out *[4]float32)

// Dot4x2AVX2 is Dot4AVX2 for two rows at once (out[0:4] for row0, out[4:8]
// for row1), reading each block of a0..a3 once for both. Call it only
// where HasAVX2.
//
//go:noescape
func Dot4x2AVX2(row0, row1, a0, a1, a2, a3 *float32, k int, out *[8]float32)
