package vision

// Shapes: N=samples, D=feature dim, K=classes of all attributes together.

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// probeAccuracies runs a linear probe: one-vs-rest ridge regression on
// standardised features, for several attributes at once (labels[a][i] in
// [0, classes[a])), the class with the largest score winning. It fits on the
// first nFit samples, picks each attribute's ridge strength on the next nVal
// and returns the accuracy on the rest.
func probeAccuracies(x [][]float32, labels [][]int, classes []int, nFit, nVal int) []float64 {
	n, d := len(x), len(x[0])
	mean, std := make([]float64, d), make([]float64, d)
	for _, row := range x[:nFit] {
		for j, v := range row {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(nFit)
	}
	for _, row := range x[:nFit] {
		for j, v := range row {
			dv := float64(v) - mean[j]
			std[j] += dv * dv
		}
	}
	xs := mat.NewDense(n, d, nil) // (N, D)
	for j := range std {
		std[j] = math.Sqrt(std[j]/float64(nFit)) + 1e-6
	}
	for i, row := range x {
		for j, v := range row {
			xs.Set(i, j, (float64(v)-mean[j])/std[j])
		}
	}
	k := 0
	for _, c := range classes {
		k += c
	}
	y := mat.NewDense(nFit, k, nil) // (nFit, K): +1 for the class, -1 for the others, centred
	bias := make([]float64, k)
	off := 0
	for a, c := range classes {
		for i := range nFit {
			for j := range c {
				v := -1.0
				if labels[a][i] == j {
					v = 1
				}
				y.Set(i, off+j, v)
				bias[off+j] += v / float64(nFit)
			}
		}
		off += c
	}
	for i := range nFit {
		for j := range k {
			y.Set(i, j, y.At(i, j)-bias[j])
		}
	}
	fit := xs.Slice(0, nFit, 0, d)
	var gram mat.SymDense // (nFit, nFit)
	gram.SymOuterK(1, fit)
	var rest mat.Dense // (N-nFit, nFit): kernel between the held-out samples and the fit set
	rest.Mul(xs.Slice(nFit, n, 0, d), fit.T())
	acc := func(scores *mat.Dense, from, to int) []float64 {
		res := make([]float64, len(classes))
		off := 0
		for a, c := range classes {
			right := 0
			for i := from; i < to; i++ {
				best := 0
				for j := range c {
					if scores.At(i-nFit, off+j)+bias[off+j] > scores.At(i-nFit, off+best)+bias[off+best] {
						best = j
					}
				}
				if best == labels[a][i] {
					right++
				}
			}
			res[a] = float64(right) / float64(to-from)
			off += c
		}
		return res
	}
	bestVal := make([]float64, len(classes))
	test := make([]float64, len(classes))
	for _, lambda := range []float64{1, 10, 100, 1000, 10000} {
		g := mat.NewSymDense(nFit, nil)
		g.CopySym(&gram)
		for i := range nFit {
			g.SetSym(i, i, g.At(i, i)+lambda)
		}
		var chol mat.Cholesky
		if !chol.Factorize(g) {
			continue
		}
		var alpha mat.Dense // (nFit, K)
		if err := chol.SolveTo(&alpha, y); err != nil {
			continue
		}
		var scores mat.Dense // (N-nFit, K)
		scores.Mul(&rest, &alpha)
		val := acc(&scores, nFit, nFit+nVal)
		tst := acc(&scores, nFit+nVal, n)
		for a := range classes {
			if val[a] > bestVal[a] {
				bestVal[a], test[a] = val[a], tst[a]
			}
		}
	}
	return test
}
