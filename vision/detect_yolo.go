package vision

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
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

// darknetWeightsSize returns the bytes of weights a Darknet cfg's layers
// need after the file's header, following channels through the layers; ok
// is false when the cfg has a layer whose channels or weights it does not
// know (then nothing is checked). OpenCV reads a weights file that is too
// short without complaint, the missing values as garbage, so the detector
// checks the size itself.
func darknetWeightsSize(cfg []byte) (size int64, ok bool) {
	type section struct {
		kind string
		kv   map[string]string
	}
	var secs []section
	for _, line := range strings.Split(string(cfg), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			secs = append(secs, section{kind: strings.Trim(line, "[] "), kv: map[string]string{}})
		case len(secs) > 0:
			if k, v, found := strings.Cut(line, "="); found {
				secs[len(secs)-1].kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	if len(secs) == 0 || (secs[0].kind != "net" && secs[0].kind != "network") {
		return 0, false
	}
	num := func(s section, key string, def int) (int, bool) {
		v, found := s.kv[key]
		if !found {
			return def, true
		}
		n, err := strconv.Atoi(v)
		return n, err == nil && n >= 0
	}
	prev, good := num(secs[0], "channels", 3)
	if !good {
		return 0, false
	}
	var outs []int
	for i, s := range secs[1:] {
		out := prev
		switch s.kind {
		case "convolutional", "conv":
			filters, ok1 := num(s, "filters", 1)
			k, ok2 := num(s, "size", 1)
			groups, ok3 := num(s, "groups", 1)
			bn, ok4 := num(s, "batch_normalize", 0)
			if !ok1 || !ok2 || !ok3 || !ok4 || groups < 1 || prev%groups != 0 {
				return 0, false
			}
			n := int64(filters) * int64(prev/groups) * int64(k) * int64(k)
			n += int64(filters) // biases
			if bn == 1 {
				n += 3 * int64(filters) // scales, rolling mean, rolling variance
			}
			size += 4 * n
			out = filters
		case "maxpool", "avgpool", "upsample", "shortcut", "yolo", "region", "dropout", "softmax", "scale_channels", "sam":
		case "reorg":
			stride, ok1 := num(s, "stride", 2)
			if !ok1 {
				return 0, false
			}
			out = prev * stride * stride
		case "route":
			out = 0
			for _, f := range strings.Split(s.kv["layers"], ",") {
				l, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil {
					return 0, false
				}
				if l < 0 {
					l += i
				}
				if l < 0 || l >= len(outs) {
					return 0, false
				}
				out += outs[l]
			}
			groups, ok1 := num(s, "groups", 1)
			if !ok1 || groups < 1 {
				return 0, false
			}
			out /= groups
		default: // connected and others need spatial sizes
			return 0, false
		}
		outs = append(outs, out)
		prev = out
	}
	return size, true
}

// darknetHeaderSize returns the length of a Darknet weights file's header:
// int32 major, minor, revision, then a uint64 count of images seen from
// version 0.2 on (as OpenCV reads it), else an int32.
func darknetHeaderSize(weights []byte) (int64, bool) {
	if len(weights) < 12 {
		return 0, false
	}
	major := int32(binary.LittleEndian.Uint32(weights))
	minor := int32(binary.LittleEndian.Uint32(weights[4:]))
	if major*10+minor >= 2 && major < 1000 && minor < 1000 {
		return 20, true
	}
	return 16, true
}

// checkDarknetWeights refuses a weights file too short for its cfg.
func checkDarknetWeights(spec *Spec, model, config []byte) error {
	need, ok := darknetWeightsSize(config)
	if !ok {
		return nil
	}
	head, ok := darknetHeaderSize(model)
	if !ok || int64(len(model)) < head+need {
		return fmt.Errorf("vision: %s: darknet weights of %d bytes, but the layers of %s need %d (a header of %d and %d of weights): truncated or for another cfg",
			spec.modelName(), len(model), spec.configName(), max(head, 16)+need, max(head, 16), need)
	}
	return nil
}

// configName names the config file in errors.
func (s *Spec) configName() string {
	if s.Config != "" {
		return s.Config
	}
	return s.name() + " (config)"
}
