package rnn

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
)

// The fused product matches a float64 reference for every kernel this CPU
// has, every m it takes, with and without a tail past the kernel's
// multiple of 8, split with the helper goroutine (the 1000x512 matrix) or
// not; beta 0 ignores what c held (NaN here).
func TestFusedNT(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	kernels := []int{kernelGo}
	if bestKernel() == kernelAVX2 {
		kernels = append(kernels, kernelAVX2)
	}
	var owner struct{}
	for _, kern := range kernels {
		split := newFusedBLAS(NewOpenBLAS(), &owner)
		for _, sz := range []struct{ n, k int }{{5, 3}, {7, 8}, {33, 515}, {1000, 512}} {
			for m := 1; m <= fusedMaxM; m++ {
				for _, workers := range []int{1, 2} {
					for _, beta := range []float32{0, 0.5} {
						a, b := randVec(rng, m*sz.k), randVec(rng, sz.n*sz.k)
						c := randVec(rng, m*sz.n)
						old := append([]float32(nil), c...)
						if beta == 0 {
							for i := range c {
								c[i] = float32(math.NaN())
							}
						}
						if workers == 1 {
							fusedRows(kern, m, sz.n, sz.k, 0, sz.n, a, b, beta, c)
						} else {
							split.kern = kern
							split.fusedNT(m, sz.n, sz.k, a, b, beta, c)
						}
						for i := range m {
							for j := range sz.n {
								want, scale := float64(beta)*float64(old[i*sz.n+j]), 0.0
								if beta == 0 {
									want = 0
								}
								for t := range sz.k {
									p := float64(a[i*sz.k+t]) * float64(b[j*sz.k+t])
									want += p
									scale += math.Abs(p)
								}
								if d := math.Abs(float64(c[i*sz.n+j]) - want); !(d <= 1e-6*scale+1e-6) {
									t.Fatalf("kernel %d m=%d n=%d k=%d workers=%d beta=%g: c[%d,%d] = %g, want %g", kern, m, sz.n, sz.k, workers, beta, i, j, c[i*sz.n+j], want)
								}
							}
						}
					}
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

// The kernel is chosen from the flags of the CPU the test runs on: AVX2
// where /proc/cpuinfo lists avx2 and fma, the portable one always last.
func TestKernelChoice(t *testing.T) {
	ks := Kernels()
	if len(ks) == 0 || ks[len(ks)-1] != "go" {
		t.Fatalf("kernels %v: want the portable one last", ks)
	}
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo: %v", err)
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(string(info), "\n") {
		if name, list, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			for _, f := range strings.Fields(list) {
				flags[f] = true
			}
			break
		}
	}
	want := runtime.GOARCH == "amd64" && flags["avx2"] && flags["fma"]
	if got := ks[0] == "avx2"; got != want {
		t.Errorf("kernels %v on a CPU with avx2=%v fma=%v (%s)", ks, flags["avx2"], flags["fma"], runtime.GOARCH)
	}
	t.Logf("fused kernel: %s", ks[0])
}
