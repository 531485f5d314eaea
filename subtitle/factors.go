package subtitle

import (
	"math"

	"captioner/rnn"
	"captioner/world"
)

// factoring splits every label into parts, one from each group, each group
// with its own softmax; a label's probability is the product of its
// parts'. For the Shapes world the groups are what happens (nothing, moves
// left, right, up, down, appears, disappears), the colour and the shape: a
// head of 7+6+4 outputs instead of 145, in which "moves left" is learnt
// from every object that moves left, and a combination never seen in
// training can still be labelled.
type factoring struct {
	groups []int   // size of each group
	parts  [][]int // parts[label][g]: the label's class in group g, or -1 where it has none
}

// width is the number of outputs the network's head needs.
func (f *factoring) width() int {
	n := 0
	for _, g := range f.groups {
		n += g
	}
	return n
}

// worldEvents are the first group's classes, in order.
var worldEvents = []world.Label{
	{Event: world.Still},
	{Event: world.Move, Direction: world.DirLeft},
	{Event: world.Move, Direction: world.DirRight},
	{Event: world.Move, Direction: world.DirUp},
	{Event: world.Move, Direction: world.DirDown},
	{Event: world.Appear},
	{Event: world.Disappear},
}

const worldColours, worldShapes = 6, 4

// worldLabels returns every label of the Shapes world ("nothing moves",
// then each colour, shape and event) and their factoring.
func worldLabels() ([]string, *factoring) {
	labels := []string{world.NothingMoves}
	f := &factoring{groups: []int{len(worldEvents), worldColours, worldShapes}, parts: [][]int{{0, -1, -1}}}
	for c := 1; c <= worldColours; c++ {
		for s := 1; s <= worldShapes; s++ {
			for e, ev := range worldEvents[1:] {
				l := ev
				l.Colour, l.Shape = world.Colour(c), world.Shape(s)
				labels = append(labels, l.String())
				f.parts = append(f.parts, []int{e + 1, c - 1, s - 1})
			}
		}
	}
	return labels, f
}

// isWorldLabelSet says whether every text is a Shapes-world label.
func isWorldLabelSet(texts []string) bool {
	for _, t := range texts {
		if _, err := world.ParseLabel(t); err != nil {
			return false
		}
	}
	return len(texts) > 0
}

// probs turns one step's head outputs into a distribution over the labels.
func (f *factoring) probs(out []float32) []float32 {
	soft := make([][]float64, len(f.groups))
	off := 0
	for g, n := range f.groups {
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
	p := make([]float32, len(f.parts))
	for l, parts := range f.parts {
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
// count for nothing there); grad (N, width) receives its gradient.
func (f *factoring) loss(logits []float32, N int, labels []int, grad []float32, scratch *[]float32) float64 {
	W := f.width()
	total := 0.0
	off := 0
	targets := make([]int, N)
	for g, n := range f.groups {
		buf := growTo(scratch, N*n)
		for r := 0; r < N; r++ {
			copy(buf[r*n:(r+1)*n], logits[r*W+off:r*W+off+n])
			targets[r] = -1
			if l := labels[r]; l >= 0 {
				targets[r] = f.parts[l][g]
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
