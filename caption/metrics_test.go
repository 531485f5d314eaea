package caption

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// The reference values come from NLTK's corpus_bleu and a transcription of
// the COCO evaluation's CIDEr-D, computed once by testdata/metrics_reference.py.
func TestMetricsAgainstReference(t *testing.T) {
	data, err := os.ReadFile("testdata/metrics_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Candidates [][]string
			References [][][]string
			BLEU       []float64 `json:"bleu"`
			CIDEr      float64   `json:"cider"`
			CIDErEach  []float64 `json:"cider_each"`
		}
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 10 {
		t.Fatalf("%d reference cases", len(ref.Cases))
	}
	// NLTK gives the smallest float for an order without matches where we
	// give 0; anything under tiny is zero.
	const tol, tiny = 1e-9, 1e-100
	worst := 0.0
	for i, c := range ref.Cases {
		b, err := CorpusBLEU(c.Candidates, c.References)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < 4; n++ {
			want := c.BLEU[n]
			if want < tiny {
				want = 0
			}
			d := math.Abs(b[n] - want)
			worst = max(worst, d)
			if d > tol {
				t.Errorf("case %d (%d candidates): BLEU-%d %.12f, NLTK %.12f", i, len(c.Candidates), n+1, b[n], want)
			}
		}
		cider, each, err := CIDErD(c.Candidates, c.References)
		if err != nil {
			t.Fatal(err)
		}
		worst = max(worst, math.Abs(cider-c.CIDEr))
		if math.Abs(cider-c.CIDEr) > tol {
			t.Errorf("case %d: CIDEr-D %.12f, reference %.12f", i, cider, c.CIDEr)
		}
		for j := range each {
			if math.Abs(each[j]-c.CIDErEach[j]) > tol {
				t.Errorf("case %d candidate %d: CIDEr-D %.12f, reference %.12f", i, j, each[j], c.CIDErEach[j])
				break
			}
		}
	}
	t.Logf("%d corpora, largest difference %.2g", len(ref.Cases), worst)
}

func TestMetricsByHand(t *testing.T) {
	cand := [][]string{Tokenize("a large red circle in the top left")}
	refs := [][][]string{{Tokenize("a large red circle in the top left")}}
	b, err := CorpusBLEU(cand, refs)
	if err != nil {
		t.Fatal(err)
	}
	for n, v := range b {
		if math.Abs(v-1) > 1e-12 {
			t.Errorf("identical caption: BLEU-%d = %g, want 1", n+1, v)
		}
	}
	// Half the words right, no bigram: BLEU-1 0.5, BLEU-2 0.
	b, _ = CorpusBLEU([][]string{{"a", "x", "red", "y"}}, [][][]string{{{"a", "big", "red", "dog"}}})
	if math.Abs(b[0]-0.5) > 1e-12 || b[1] != 0 {
		t.Errorf("half right: %v, want [0.5 0 0 0]", b)
	}
	// Too short: brevity penalty exp(1 - 4/2).
	b, _ = CorpusBLEU([][]string{{"red", "dog"}}, [][][]string{{{"a", "big", "red", "dog"}}})
	if want := math.Exp(-1); math.Abs(b[0]-want) > 1e-12 {
		t.Errorf("short: BLEU-1 %g, want %g", b[0], want)
	}
	if _, err := CorpusBLEU(cand, nil); err == nil {
		t.Error("BLEU with mismatched lengths: no error")
	}
	if _, _, err := CIDErD(cand, [][][]string{{}}); err == nil {
		t.Error("CIDEr-D with no reference: no error")
	}
}
