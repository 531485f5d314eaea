package vision

import (
	"fmt"
	"runtime"
	"sync"
)

// CenterNet decoding (Zhou et al., "Objects as Points").
//
// Shapes, for one frame: C=classes, H, W = heat-map rows and columns,
// S = input pixels per cell (the stride, 4 for the converted MB3-CenterNet).
//
//	heat []float32 // (C, H, W) sigmoid score of an object of class c centred at cell (x, y)
//	ext  []float32 // (4, H, W) its extents left, top, right, bottom, in input pixels
//
// A cell is a peak of its class when its score is at least the threshold and
// equals the maximum of its 3x3 neighbourhood (a 3x3 max pool with SAME
// padding, as the TF.js graph's tower_0/max_pooling2d and tower_0/Equal do).
// Each peak is one candidate box (centerNetBox); per-class non-maximum
// suppression and the count limit follow (suppress).
type centerNet struct {
	c, h, w int
	sx, sy  float32 // input pixels per cell across and down
	grid    int     // cells per side of the feature vector's class maps
}

// newCenterNet checks the trial pass's output shapes (heat map, extents)
// against the spec and returns the decoder.
func newCenterNet(spec *Spec, shapes [][4]int) (*centerNet, error) {
	det, in := spec.Detector, spec.Input
	model := spec.modelName()
	hs, es := shapes[0], shapes[1]
	if hs[0] != 1 || es[0] != 1 {
		return nil, fmt.Errorf("vision: %s: heatmap %s and extents %s have batch dimensions %d and %d, want 1",
			model, det.Heatmap, det.Extents, hs[0], es[0])
	}
	if hs[1] != len(det.Labels) {
		return nil, fmt.Errorf("vision: %s: heatmap %s has %d classes, but model spec %s lists %d labels",
			model, det.Heatmap, hs[1], spec.name(), len(det.Labels))
	}
	if es[1] != 4 {
		return nil, fmt.Errorf("vision: %s: extents %s has %d channels, want 4 (left, top, right, bottom)",
			model, det.Extents, es[1])
	}
	if es[2] != hs[2] || es[3] != hs[3] {
		return nil, fmt.Errorf("vision: %s: extents %s is %dx%d but heatmap %s is %dx%d",
			model, det.Extents, es[3], es[2], det.Heatmap, hs[3], hs[2])
	}
	cn := &centerNet{c: hs[1], h: hs[2], w: hs[3], grid: det.Grid}
	if cn.grid == 0 {
		cn.grid = DefaultFeatureGrid
	}
	if cn.grid > cn.h || cn.grid > cn.w {
		return nil, fmt.Errorf("vision: model spec %s: %w: heatmap %s is %dx%d, too small for a %dx%d feature grid",
			spec.name(), ErrSpec, det.Heatmap, cn.w, cn.h, cn.grid, cn.grid)
	}
	if det.Stride > 0 {
		if in.Width != det.Stride*cn.w || in.Height != det.Stride*cn.h {
			return nil, fmt.Errorf("vision: %s: heatmap %s is %dx%d for a %dx%d input, not stride %d",
				model, det.Heatmap, cn.w, cn.h, in.Width, in.Height, det.Stride)
		}
	} else if in.Width%cn.w != 0 || in.Height%cn.h != 0 {
		return nil, fmt.Errorf("vision: %s: heatmap %s is %dx%d for a %dx%d input: no whole stride; give one in the spec",
			model, det.Heatmap, cn.w, cn.h, in.Width, in.Height)
	}
	cn.sx, cn.sy = float32(in.Width/cn.w), float32(in.Height/cn.h)
	return cn, nil
}

// centerNetBox is the box of a peak at cell (x, y) with extents (left, top,
// right, bottom), in input pixels. It is what the TF.js graph's tail
// computes (centernet.json: tower_0/mul_3..mul_6 multiply the cell's column
// and row by 4.0, then tower_0/sub, sub_1, add_1 and add_2 give
// x0 = 4x - wh[0], y0 = 4y - wh[1], x1 = 4x + wh[2], y1 = 4y + wh[3]; the
// tail's 4 is the stride): the cell's corner, not its centre, minus and
// plus the extents.
func centerNetBox(x, y int, sx, sy, left, top, right, bottom float32) Box {
	cx, cy := sx*float32(x), sy*float32(y)
	return Box{cx - left, cy - top, cx + right, cy + bottom}
}

// candidates appends each class's peaks at or above t.minScore to dst. The
// classes are scanned in parallel (forClasses): the scan reads the whole
// heat map, and OpenCV's threads are idle meanwhile.
func (cn *centerNet) candidates(outs [][]float32, t thresholds, dst []candidate) []candidate {
	parts := make([][]candidate, parallelParts(cn.c, cn.c*cn.h*cn.w))
	forClasses(len(parts), cn.c, func(part, lo, hi int) {
		parts[part] = cn.peaks(outs, t.minScore, lo, hi, nil)
	})
	start := len(dst)
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return oneClassACell(dst, start)
}

// oneClassACell keeps, of the candidates from start on that share a box,
// only the best: the extents are the same for every class, so peaks of
// several classes at one cell give one box, which is one object the network
// is unsure about (a pickup truck: car 0.55, truck 0.32), not two objects.
// Equal scores go to the lower class.
func oneClassACell(dst []candidate, start int) []candidate {
	cands := dst[start:]
	if len(cands) < 2 {
		return dst
	}
	best := make(map[Box]int, len(cands)) // box -> index of its best candidate
	for i, c := range cands {
		j, ok := best[c.box]
		if !ok || c.score > cands[j].score || c.score == cands[j].score && c.class < cands[j].class {
			best[c.box] = i
		}
	}
	if len(best) == len(cands) {
		return dst
	}
	kept := dst[:start]
	for i, c := range cands {
		if best[c.box] == i {
			kept = append(kept, c)
		}
	}
	return kept
}

// peaks appends the peaks of classes [c0, c1) to dst.
func (cn *centerNet) peaks(outs [][]float32, lo float32, c0, c1 int, dst []candidate) []candidate {
	heat, ext := outs[0], outs[1] // (C, H, W), (4, H, W)
	h, w := cn.h, cn.w
	hw := h * w
	for c := c0; c < c1; c++ {
		m := heat[c*hw : (c+1)*hw : (c+1)*hw] // (H, W)
		for i, v := range m {
			if !(v >= lo) { // also skips NaN
				continue
			}
			y, x := i/w, i%w
			if !isPeak(m, h, w, x, y, v) {
				continue
			}
			b := centerNetBox(x, y, cn.sx, cn.sy, ext[i], ext[hw+i], ext[2*hw+i], ext[3*hw+i])
			dst = append(dst, candidate{class: c, score: min(v, 1), box: b})
		}
	}
	return dst
}

// parallelParts is how many goroutines scan c classes of n values in all:
// one per CPU, at most one per class, and one for small maps, where
// starting goroutines costs more than it saves.
func parallelParts(c, n int) int {
	if n < 1<<16 {
		return 1
	}
	return max(min(runtime.GOMAXPROCS(0), c, 16), 1)
}

// forClasses calls fn(part, lo, hi) for parts contiguous ranges of [0, c),
// on parts goroutines, and waits for them.
func forClasses(parts, c int, fn func(part, lo, hi int)) {
	if parts <= 1 {
		fn(0, 0, c)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(p, p*c/parts, (p+1)*c/parts)
		}()
	}
	wg.Wait()
}

// isPeak reports whether v = m[y*w+x] is the maximum of its 3x3
// neighbourhood within the h x w map m.
func isPeak(m []float32, h, w, x, y int, v float32) bool {
	for yy := max(y-1, 0); yy <= min(y+1, h-1); yy++ {
		row := m[yy*w : (yy+1)*w]
		for xx := max(x-1, 0); xx <= min(x+1, w-1); xx++ {
			if row[xx] > v {
				return false
			}
		}
	}
	return true
}
