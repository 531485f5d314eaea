package objects

import (
	"math"
	"slices"
)

// The per-frame vector the objects models read: what the detector reported
// in a frame (its detections, not its raw heat map), so that the same
// function turns the generator's simulated detections and the real
// detector's into the models' input, with nothing to calibrate in between.
//
// For each class, in the order of the classes the vector is made for (a
// model saves them), FeaturesPerClass values:
//
//	0-3   the class's four best scores, best first (0 where fewer): how many
//	      there are and how sure the detector is of each
//	4     the square root of its largest box's area (relative to the frame)
//	5, 6  the score-weighted mean centre x, y of its boxes
//	7, 8  the score-weighted mean width and height of its boxes
//	9-17  its best score among boxes centred in each cell of a 3x3 grid of
//	      the frame, row by row: where they are
//
// A class with no detection at or above the floor is all zeros.
const (
	FeaturesPerClass = 18
	featureGrid      = 3
	topScores        = 4
)

// Featurizer turns a frame's detections into the vector, for a fixed list
// of classes. It is safe for concurrent use.
type Featurizer struct {
	classes []string
	index   map[string]int
	floor   float64
}

// NewFeaturizer returns a featurizer for classes (a detector's labels, or
// Classes()), ignoring detections scoring under floor.
func NewFeaturizer(classes []string, floor float64) *Featurizer {
	f := &Featurizer{classes: slices.Clone(classes), index: make(map[string]int, len(classes)), floor: floor}
	for i, c := range classes {
		f.index[c] = i
	}
	return f
}

// Dim is the length of every vector.
func (f *Featurizer) Dim() int { return len(f.classes) * FeaturesPerClass }

// Classes returns the classes, in the vector's order.
func (f *Featurizer) Classes() []string { return slices.Clone(f.classes) }

// Floor is the lowest score a detection must have to count.
func (f *Featurizer) Floor() float64 { return f.floor }

// Vector returns the vector of one frame's detections; detections of
// classes it does not know are ignored.
func (f *Featurizer) Vector(dets []Detection) []float32 {
	v := make([]float32, f.Dim())
	f.Fill(v, dets)
	return v
}

// Fill writes the vector of dets into dst, which must have Dim values.
func (f *Featurizer) Fill(dst []float32, dets []Detection) {
	clear(dst)
	type acc struct {
		top            [topScores]float64
		area, wsum     float64
		cx, cy, bw, bh float64
	}
	accs := map[int]*acc{}
	for _, d := range dets {
		c, ok := f.index[d.Class]
		if !ok || !(d.Score >= f.floor) {
			continue
		}
		a := accs[c]
		if a == nil {
			a = &acc{}
			accs[c] = a
		}
		s := math.Min(d.Score, 1)
		for i := range a.top {
			if s > a.top[i] {
				copy(a.top[i+1:], a.top[i:topScores-1])
				a.top[i] = s
				break
			}
		}
		b := d.Box
		w, h := math.Max(b.X1-b.X0, 0), math.Max(b.Y1-b.Y0, 0)
		a.area = math.Max(a.area, w*h)
		x, y := (b.X0+b.X1)/2, (b.Y0+b.Y1)/2
		a.wsum += s
		a.cx += s * x
		a.cy += s * y
		a.bw += s * w
		a.bh += s * h
		row := dst[c*FeaturesPerClass : (c+1)*FeaturesPerClass]
		gx := min(max(int(x*featureGrid), 0), featureGrid-1)
		gy := min(max(int(y*featureGrid), 0), featureGrid-1)
		cell := &row[9+gy*featureGrid+gx]
		*cell = max(*cell, float32(s))
	}
	for c, a := range accs {
		row := dst[c*FeaturesPerClass : (c+1)*FeaturesPerClass]
		for i, s := range a.top {
			row[i] = float32(s)
		}
		row[4] = float32(math.Sqrt(a.area))
		if a.wsum > 0 {
			row[5] = float32(a.cx / a.wsum)
			row[6] = float32(a.cy / a.wsum)
			row[7] = float32(a.bw / a.wsum)
			row[8] = float32(a.bh / a.wsum)
		}
	}
}
