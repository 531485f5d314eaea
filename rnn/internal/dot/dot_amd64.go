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
