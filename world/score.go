package world

import "fmt"

// CaptionReport scores predicted captions against true scenes (WORLD.md,
// "Scoring"). Accuracies are fractions in [0, 1]; a caption that does not
// parse scores zero on everything.
type CaptionReport struct {
	Captions      int `json:"captions"`       // captions scored
	ParseFailures int `json:"parse_failures"` // predicted captions that did not parse
	Objects       int `json:"objects"`        // true objects, the denominator of the attribute accuracies

	ExactMatch float64 `json:"exact_match"` // predicted scene equals the true scene: the main score
	Shape      float64 `json:"shape"`       // true objects whose paired prediction has the right shape
	Colour     float64 `json:"colour"`
	Size       float64 `json:"size"`
	// Where is the fraction of captions with the right grid position (one
	// object) or relation between correctly paired objects (two objects).
	Where float64 `json:"where"`
	// Attributes is the mean of Shape, Colour, Size and Where.
	Attributes float64 `json:"attributes"`
}

// CaptionScorer accumulates caption scores over a corpus. The zero value is
// ready to use.
type CaptionScorer struct {
	captions, failures, objects       int
	exact, shape, colour, size, where int
}

// Add scores one predicted caption against the true scene.
func (c *CaptionScorer) Add(predicted string, truth Scene) {
	c.captions++
	c.objects += len(truth.Objects)
	pred, err := ParseCaption(predicted)
	if err != nil {
		c.failures++
		return
	}
	if pred.Equal(truth) {
		c.exact++
	}
	pairs, whereOK := pairObjects(pred, truth)
	for ti, pi := range pairs {
		if pi < 0 {
			continue
		}
		p, t := pred.Objects[pi], truth.Objects[ti]
		c.shape += b2i(p.Shape == t.Shape)
		c.colour += b2i(p.Colour == t.Colour)
		c.size += b2i(p.Size == t.Size)
	}
	c.where += b2i(whereOK)
}

// Report returns the scores so far.
func (c *CaptionScorer) Report() CaptionReport {
	r := CaptionReport{Captions: c.captions, ParseFailures: c.failures, Objects: c.objects}
	r.ExactMatch = frac(c.exact, c.captions)
	r.Shape = frac(c.shape, c.objects)
	r.Colour = frac(c.colour, c.objects)
	r.Size = frac(c.size, c.objects)
	r.Where = frac(c.where, c.captions)
	r.Attributes = (r.Shape + r.Colour + r.Size + r.Where) / 4
	return r
}

// ScoreCaptions scores predicted[i] against truth[i] for every i.
func ScoreCaptions(predicted []string, truth []Scene) (CaptionReport, error) {
	if len(predicted) != len(truth) {
		return CaptionReport{}, fmt.Errorf("world: %d predicted captions for %d scenes", len(predicted), len(truth))
	}
	var c CaptionScorer
	for i := range predicted {
		c.Add(predicted[i], truth[i])
	}
	return c.Report(), nil
}

// pairObjects pairs predicted objects with true ones in the way that agrees
// on more attributes (shape, colour, size, and position or relation), the
// objects in order winning ties. pairs[t] is the predicted object paired with
// true object t, or -1. whereOK reports whether the position or relation is
// right under that pairing: a relation is right only if its subject is paired
// with the true subject and the relation is the same.
func pairObjects(pred, truth Scene) (pairs []int, whereOK bool) {
	best := -1
	for _, cand := range pairings(len(pred.Objects), len(truth.Objects)) {
		score := 0
		for ti, pi := range cand {
			if pi >= 0 {
				score += agree(pred.Objects[pi], truth.Objects[ti])
			}
		}
		ok := whereRight(pred, truth, cand)
		score += b2i(ok)
		if score > best {
			best, pairs, whereOK = score, cand, ok
		}
	}
	return pairs, whereOK
}

// pairings lists the one-to-one pairings of np predicted with nt true objects
// (1 or 2 each), identity first.
func pairings(np, nt int) [][]int {
	switch {
	case np == 1 && nt == 1:
		return [][]int{{0}}
	case np == 2 && nt == 1:
		return [][]int{{0}, {1}}
	case np == 1 && nt == 2:
		return [][]int{{0, -1}, {-1, 0}}
	case np == 2 && nt == 2:
		return [][]int{{0, 1}, {1, 0}}
	}
	panic(fmt.Sprintf("world: pairing %d with %d objects", np, nt))
}

func whereRight(pred, truth Scene, pairs []int) bool {
	if len(truth.Objects) == 1 {
		return len(pred.Objects) == 1 && pred.Position == truth.Position
	}
	return len(pred.Objects) == 2 && pairs[0] == 0 && pairs[1] == 1 && pred.Relation == truth.Relation
}

func agree(p, t Object) int {
	return b2i(p.Shape == t.Shape) + b2i(p.Colour == t.Colour) + b2i(p.Size == t.Size)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
