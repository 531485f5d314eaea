package vision

// A detector's per-frame feature vector: what is where, for the recurrent
// models (the featurizer interface of doc.go), from the same forward pass
// as the detections.
//
// Shapes: C=classes, G=grid cells per side (the detector spec's "grid",
// default 4), H, W = heat-map rows and columns.
//
//	vec[0 : C*G*G]           // (C, G, G) each class's highest score in each cell, row by row
//	vec[C*G*G : C*(G*G+1)]   // (C) each class's highest score anywhere in the frame
//
// Dim = C*(G*G+1): 1,360 for 80 COCO classes on a 4x4 grid. Cells tile the
// frame as the Extractor's grid pooling does (cellBounds: adaptive, the
// cells of a map whose side G does not divide overlap by one row or column).
//
// For a CenterNet a cell's value is the maximum of the class's heat map over
// the cell's rows and columns (max pooling, not only peaks: a large object
// lights up every cell it covers). For a YOLO it is the highest score of the
// class among the boxes whose centre lies in the cell (0 where none does);
// its cells split the input evenly. The vectors are in the network's input
// frame: under a "crop" fit what is cut off is not seen, under "letterbox"
// the border cells see nothing.

// dim returns C*(G*G+1).
func (cn *centerNet) dim() int { return cn.c * (cn.grid*cn.grid + 1) }

func (cn *centerNet) grids() []GridLayout {
	return []GridLayout{{Offset: 0, Channels: cn.c, Side: cn.grid}}
}

// features max-pools each class's heat map over the grid and globally.
func (cn *centerNet) features(dst []float32, outs [][]float32) {
	heat := outs[0] // (C, H, W)
	gg := cn.grid * cn.grid
	forClasses(parallelParts(cn.c, cn.c*cn.h*cn.w), cn.c, func(_, lo, hi int) {
		cn.gridMax(dst, heat, lo, hi)
	})
	globalMax(dst, cn.c, gg)
}

// gridMax sets the (G, G) cells of classes [c0, c1) to their maxima.
func (cn *centerNet) gridMax(dst, heat []float32, c0, c1 int) {
	g, h, w := cn.grid, cn.h, cn.w
	for ch := c0; ch < c1; ch++ {
		m := heat[ch*h*w : (ch+1)*h*w]
		for gy := range g {
			y0, y1 := cellBounds(gy, g, h)
			for gx := range g {
				x0, x1 := cellBounds(gx, g, w)
				best := m[y0*w+x0]
				for y := y0; y < y1; y++ {
					for _, v := range m[y*w+x0 : y*w+x1] {
						if v > best { // not the max builtin: its NaN rules cost a third of the time
							best = v
						}
					}
				}
				dst[(ch*g+gy)*g+gx] = best
			}
		}
	}
}

// globalMax sets dst[C*G*G + c] to the largest of class c's G*G cells,
// which cover the whole map.
func globalMax(dst []float32, c, gg int) {
	for ch := range c {
		cells := dst[ch*gg : (ch+1)*gg]
		best := cells[0]
		for _, v := range cells[1:] {
			if v > best {
				best = v
			}
		}
		dst[c*gg+ch] = best
	}
}

func (y *yolo) dim() int { return y.numClasses * (y.grid*y.grid + 1) }

func (y *yolo) grids() []GridLayout {
	return []GridLayout{{Offset: 0, Channels: y.numClasses, Side: y.grid}}
}

// features puts each box's class scores into the cell of its centre.
func (y *yolo) features(dst []float32, outs [][]float32) {
	g, gg := y.grid, y.grid*y.grid
	clear(dst)
	for i, out := range outs {
		for r := range y.rows[i] {
			row := out[r*y.cols : (r+1)*y.cols]
			cx, cy := row[0], row[1]
			if !(cx >= 0 && cx <= 1 && cy >= 0 && cy <= 1) { // also NaN
				continue
			}
			cell := min(int(cy*float32(g)), g-1)*g + min(int(cx*float32(g)), g-1)
			for c, v := range row[5:] {
				if v > dst[c*gg+cell] {
					dst[c*gg+cell] = min(v, 1)
				}
			}
		}
	}
	globalMax(dst, y.numClasses, gg)
}
