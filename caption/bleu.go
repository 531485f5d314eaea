package caption

import (
	"fmt"
	"math"
)

// BLEU holds corpus BLEU-1 to BLEU-4: BLEU[n-1] is the geometric mean of the
// modified n-gram precisions of orders 1..n, times the brevity penalty.
type BLEU [4]float64

// CorpusBLEU scores tokenised candidates against their references (one or
// more per candidate) as Papineni et al. define it for a corpus, and as
// NLTK's corpus_bleu computes it without smoothing: clipped n-gram matches and
// candidate n-grams are summed over the corpus before dividing; the brevity
// penalty compares the total candidate length with the sum of the reference
// lengths closest to each candidate's (the shorter on a tie). A precision of
// zero gives a score of zero for that order and above.
func CorpusBLEU(candidates [][]string, references [][][]string) (BLEU, error) {
	if len(candidates) != len(references) {
		return BLEU{}, fmt.Errorf("caption: BLEU: %d candidates, %d reference sets", len(candidates), len(references))
	}
	var matched, total [4]float64
	candLen, refLen := 0, 0
	for i, cand := range candidates {
		if len(references[i]) == 0 {
			return BLEU{}, fmt.Errorf("caption: BLEU: candidate %d has no reference", i)
		}
		cc := ngrams(cand, 4)
		maxRef := map[string]int{}
		for _, ref := range references[i] {
			for g, n := range ngrams(ref, 4) {
				maxRef[g] = max(maxRef[g], n)
			}
		}
		for g, n := range cc {
			k := order(g) - 1
			matched[k] += float64(min(n, maxRef[g]))
		}
		for k := 0; k < 4; k++ {
			// NLTK counts at least one n-gram per candidate and order.
			total[k] += float64(max(len(cand)-k, 1))
		}
		candLen += len(cand)
		refLen += closestLength(len(cand), references[i])
	}
	var b BLEU
	if candLen == 0 {
		return b, nil
	}
	bp := 1.0
	if candLen < refLen {
		bp = math.Exp(1 - float64(refLen)/float64(candLen))
	}
	logSum := 0.0
	for k := 0; k < 4; k++ {
		if matched[k] == 0 || total[k] == 0 {
			break // this order and every higher one score zero
		}
		logSum += math.Log(matched[k] / total[k])
		b[k] = bp * math.Exp(logSum/float64(k+1))
	}
	return b, nil
}

// closestLength is the length of the reference closest in length to a
// candidate of length n, the shorter one on a tie.
func closestLength(n int, refs [][]string) int {
	best := -1
	for _, r := range refs {
		d, bd := abs(len(r)-n), abs(best-n)
		if best < 0 || d < bd || (d == bd && len(r) < best) {
			best = len(r)
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
