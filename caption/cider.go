package caption

import (
	"fmt"
	"math"
)

// CIDErD scores tokenised candidates against their references with CIDEr-D
// (Vedantam et al. 2015, as the COCO caption evaluation computes it): for
// n = 1..4, candidate and references become TF-IDF vectors of n-grams, with
// document frequencies taken over the corpus's reference sets; the similarity
// is the cosine with the candidate's weights clipped to the reference's,
// damped by a Gaussian penalty (sigma 6) on the difference in length; scores
// are averaged over references and orders and multiplied by 10. The length
// used for the penalty follows the reference implementation, which counts
// bigrams. It returns the corpus score (the mean) and each candidate's.
func CIDErD(candidates [][]string, references [][][]string) (float64, []float64, error) {
	if len(candidates) != len(references) {
		return 0, nil, fmt.Errorf("caption: CIDEr-D: %d candidates, %d reference sets", len(candidates), len(references))
	}
	if len(candidates) == 0 {
		return 0, nil, nil
	}
	const sigma = 6.0
	df := map[string]float64{}
	refCounts := make([][]map[string]int, len(references))
	for i, refs := range references {
		if len(refs) == 0 {
			return 0, nil, fmt.Errorf("caption: CIDEr-D: candidate %d has no reference", i)
		}
		seen := map[string]bool{}
		for _, r := range refs {
			c := ngrams(r, 4)
			refCounts[i] = append(refCounts[i], c)
			for g := range c {
				seen[g] = true
			}
		}
		for g := range seen {
			df[g]++
		}
	}
	logN := math.Log(float64(len(references)))
	scores := make([]float64, len(candidates))
	sum := 0.0
	for i, cand := range candidates {
		hv := cider(ngrams(cand, 4), df, logN)
		var s [4]float64
		for _, rc := range refCounts[i] {
			rv := cider(rc, df, logN)
			delta := float64(hv.length - rv.length)
			penalty := math.Exp(-delta * delta / (2 * sigma * sigma))
			for k := 0; k < 4; k++ {
				v := 0.0
				for g, w := range hv.vec[k] {
					v += math.Min(w, rv.vec[k][g]) * rv.vec[k][g]
				}
				if hv.norm[k] != 0 && rv.norm[k] != 0 {
					v /= hv.norm[k] * rv.norm[k]
				}
				s[k] += v * penalty
			}
		}
		mean := (s[0] + s[1] + s[2] + s[3]) / 4
		scores[i] = mean / float64(len(refCounts[i])) * 10
		sum += scores[i]
	}
	return sum / float64(len(candidates)), scores, nil
}

type ciderVec struct {
	vec    [4]map[string]float64
	norm   [4]float64
	length int
}

func cider(counts map[string]int, df map[string]float64, logN float64) ciderVec {
	var v ciderVec
	for k := range v.vec {
		v.vec[k] = map[string]float64{}
	}
	for g, tf := range counts {
		k := order(g) - 1
		w := float64(tf) * (logN - math.Log(math.Max(1, df[g])))
		v.vec[k][g] = w
		v.norm[k] += w * w
		if k == 1 {
			v.length += tf
		}
	}
	for k := range v.norm {
		v.norm[k] = math.Sqrt(v.norm[k])
	}
	return v
}
