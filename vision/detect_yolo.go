package vision

import (
	"fmt"
	"math"
)

// YOLO decoding, of the outputs OpenCV's Darknet importer gives a [yolo]
// (v3) or [region] (v2) layer.
//
// Shapes, for one frame and one output layer: B=boxes (cells x anchors),
// C=classes.
//
//	out []float32 // (B, 5+C) rows: cx, cy, w, h, objectness, C class scores
//
// cx, cy, w and h are fractions of the network's input width and height.
// OpenCV's region layer (modules/dnn/src/layers/region_layer.cpp) already
// multiplies each class probability by the objectness and zeroes products
// under its own threshold, so a class score is the box's score for that
// class: score = max over classes, class = its argmax (the lowest on ties).
// TestYOLODarknet checks that no class score exceeds the objectness.
type yolo struct {
	rows       []int // B of each output
	cols       int   // 5+C
	inW, inH   float32
	grid       int
	numClasses int
}

// newYOLO checks the trial pass's output shapes against the spec and returns
// the decoder. Each output must be (B, 5+C) with C the number of labels.
func newYOLO(spec *Spec, layers []string, shapes [][4]int) (*yolo, error) {
	det, in := spec.Detector, spec.Input
	y := &yolo{inW: float32(in.Width), inH: float32(in.Height), grid: det.Grid, numClasses: len(det.Labels)}
	if y.grid == 0 {
		y.grid = DefaultFeatureGrid
	}
	y.cols = 5 + len(det.Labels)
	for i, s := range shapes {
		var rows, cols int
		switch {
		case s[2] == 1 && s[3] == 1: // a 2-D Mat (B, 5+C)
			rows, cols = s[0], s[1]
		case s[0] == 1 && s[3] == 1: // (1, B, 5+C)
			rows, cols = s[1], s[2]
		default:
			return nil, fmt.Errorf("vision: %s: output %s has shape %v, not a YOLO layer's (boxes, 5+classes)",
				spec.modelName(), layers[i], s)
		}
		if cols < 6 {
			return nil, fmt.Errorf("vision: %s: output %s has %d values per box, not a YOLO layer's 5+classes",
				spec.modelName(), layers[i], cols)
		}
		if cols != y.cols {
			return nil, fmt.Errorf("vision: %s: output %s gives %d class scores per box, but model spec %s lists %d labels",
				spec.modelName(), layers[i], cols-5, spec.name(), len(det.Labels))
		}
		y.rows = append(y.rows, rows)
	}
	return y, nil
}

// candidates appends every box whose best class score is at least
// t.minScore to dst, in input pixels.
func (y *yolo) candidates(outs [][]float32, t thresholds, dst []candidate) []candidate {
	for i, out := range outs {
		for r := range y.rows[i] {
			row := out[r*y.cols : (r+1)*y.cols]
			best, score := -1, float32(0)
			for c, v := range row[5:] {
				if v > score {
					best, score = c, v
				}
			}
			if best < 0 || !(score >= t.minScore) {
				continue
			}
			b, ok := y.box(row)
			if !ok {
				continue
			}
			dst = append(dst, candidate{class: best, score: min(score, 1), box: b})
		}
	}
	return dst
}

// box returns a row's box in input pixels; ok is false when it is not finite.
func (y *yolo) box(row []float32) (Box, bool) {
	cx, cy, w, h := row[0]*y.inW, row[1]*y.inH, row[2]*y.inW, row[3]*y.inH
	b := Box{cx - w/2, cy - h/2, cx + w/2, cy + h/2}
	for _, v := range [4]float32{b.X0, b.Y0, b.X1, b.Y1} {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return Box{}, false
		}
	}
	return b, true
}
