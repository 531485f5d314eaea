package dot

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Both kernels agree with a float64 reference to float32 rounding, for
// lengths that take the 16-value loop, the 8-value tail, or both.
func TestDot4(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kernels := map[string]func(row, a0, a1, a2, a3 *float32, k int, out *[4]float32){"go": Dot4Go}
	if HasAVX2 {
		kernels["avx2"] = Dot4AVX2
	} else {
		t.Log("this CPU has no AVX2 with FMA: only the portable kernel is tested")
	}
	for _, k := range []int{8, 16, 24, 512, 1000} {
		row := randVec(rng, k)
		var as [4][]float32
		for i := range as {
			as[i] = randVec(rng, k)
		}
		for name, kern := range kernels {
			var out [4]float32
			kern(&row[0], &as[0][0], &as[1][0], &as[2][0], &as[3][0], k, &out)
			for i := range 4 {
				want, scale := 0.0, 0.0
				for j := range k {
					p := float64(as[i][j]) * float64(row[j])
					want += p
					scale += math.Abs(p)
				}
				if d := math.Abs(float64(out[i]) - want); d > 1e-6*scale+1e-7 {
					t.Errorf("%s k=%d dot %d: %g, want %g (off by %g)", name, k, i, out[i], want, d)
				}
			}
		}
	}
}

func randVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}
