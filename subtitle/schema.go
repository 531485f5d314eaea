package subtitle

import (
	"fmt"
	"math"
	"slices"

	"captioner/rnn"
)

// L = labels, G = groups of a schema, W = the head's outputs (the sum of
// the groups' sizes), N = rows (steps x sequences).

// Schema is a factored label set: every label is made of parts, at most
// one value from each group, and each group has its own softmax; a label's
// probability is the product of its parts'. The Shapes world's groups are
// what happens (nothing, moves left, right, up, down, appears,
// disappears), the colour and the shape: a head of 7+6+4 outputs instead of
// 145, in which "moves left" is learnt from every object that moves left,
// and a combination never seen in training can still be labelled. The
// objects domain's are what happens, the class (80) and the count.
//
// A schema is data: it is saved in the model file beside the labels and
// read back, so a labeller of any domain loads without code that knows its
// words.
type Schema struct {
	Groups []SchemaGroup `json:"groups"`
	// Parts[label][g] is the label's value in group g, or -1 where it has
	// none ("nothing moves" has no colour). (L, G)
	Parts [][]int `json:"parts"`
}

// SchemaGroup is one part of the labels: its name and its values, for
// people and tools to read (the network only needs their number).
type SchemaGroup struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// width is the number of outputs the network's head needs: W.
func (s *Schema) width() int {
	n := 0
	for _, g := range s.Groups {
		n += len(g.Values)
	}
	return n
}

// Validate checks that the schema factors exactly the labels: one row of
// parts a label, each in range or -1, at least one part a label, no two
// labels with the same parts.
func (s *Schema) Validate(labels []string) error {
	if len(s.Groups) == 0 {
		return fmt.Errorf("subtitle: label schema without groups")
	}
	for _, g := range s.Groups {
		if len(g.Values) < 1 {
			return fmt.Errorf("subtitle: label schema: group %q has no values", g.Name)
		}
	}
	if len(s.Parts) != len(labels) {
		return fmt.Errorf("subtitle: label schema has parts for %d labels, not %d", len(s.Parts), len(labels))
	}
	seen := make(map[string]int, len(s.Parts))
	for l, p := range s.Parts {
		if len(p) != len(s.Groups) {
			return fmt.Errorf("subtitle: label schema: label %q has %d parts, not %d", labels[l], len(p), len(s.Groups))
		}
		any := false
		for g, v := range p {
			if v < -1 || v >= len(s.Groups[g].Values) {
				return fmt.Errorf("subtitle: label schema: label %q: value %d out of group %q", labels[l], v, s.Groups[g].Name)
			}
			any = any || v >= 0
		}
		if !any {
			return fmt.Errorf("subtitle: label schema: label %q has no part", labels[l])
		}
		key := fmt.Sprint(p)
		if o, ok := seen[key]; ok {
			return fmt.Errorf("subtitle: label schema: labels %q and %q have the same parts", labels[o], labels[l])
		}
		seen[key] = l
	}
	return nil
}

// clone returns a deep copy.
func (s *Schema) clone() *Schema {
	c := &Schema{Groups: make([]SchemaGroup, len(s.Groups)), Parts: make([][]int, len(s.Parts))}
	for i, g := range s.Groups {
		c.Groups[i] = SchemaGroup{Name: g.Name, Values: slices.Clone(g.Values)}
	}
	for i, p := range s.Parts {
		c.Parts[i] = slices.Clone(p)
	}
	return c
}

// probs turns one step's head outputs (W) into a distribution over the
// labels (L): each group's softmax, then each label the product of its
// parts'.
func (s *Schema) probs(out []float32) []float32 {
	soft := make([][]float64, len(s.Groups))
	off := 0
	for g, grp := range s.Groups {
		n := len(grp.Values)
		row := out[off : off+n]
		mx := row[0]
		for _, v := range row {
			mx = max(mx, v)
		}
		soft[g] = make([]float64, n)
		var sum float64
		for i, v := range row {
			soft[g][i] = math.Exp(float64(v - mx))
			sum += soft[g][i]
		}
		for i := range soft[g] {
			soft[g][i] /= sum
		}
		off += n
	}
	p := make([]float32, len(s.Parts))
	for l, parts := range s.Parts {
		v := 1.0
		for g, k := range parts {
			if k >= 0 {
				v *= soft[g][k]
			}
		}
		p[l] = float32(v)
	}
	return p
}

// loss is the sum over groups of the mean cross-entropy of the labels'
// parts (steps whose label has no part in a group, or no label at all,
// count for nothing there); logits (N, W); grad (N, W) receives its
// gradient.
func (s *Schema) loss(logits []float32, N int, labels []int, grad []float32, scratch *[]float32) float64 {
	W := s.width()
	total := 0.0
	off := 0
	targets := make([]int, N)
	for g, grp := range s.Groups {
		n := len(grp.Values)
		buf := growTo(scratch, N*n)
		for r := 0; r < N; r++ {
			copy(buf[r*n:(r+1)*n], logits[r*W+off:r*W+off+n])
			targets[r] = -1
			if l := labels[r]; l >= 0 {
				targets[r] = s.Parts[l][g]
			}
		}
		loss, _ := rnn.SoftmaxCrossEntropy(buf, N, n, targets, buf)
		total += loss
		for r := 0; r < N; r++ {
			copy(grad[r*W+off:r*W+off+n], buf[r*n:(r+1)*n])
		}
		off += n
	}
	return total
}

func growTo(p *[]float32, n int) []float32 {
	*p = grow(*p, n)
	return *p
}
