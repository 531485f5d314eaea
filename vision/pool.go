package vision

// Shapes: N=frames in the batch, C=channels, H=height, W=width of one output
// layer, G=grid cells per side.

// poolDim returns how many values an output of shape (C, H, W) adds to the
// feature vector under o.
func poolDim(o OutputSpec, c, h, w int) int {
	switch o.Pool {
	case PoolNone:
		return c * h * w
	case PoolGrid:
		return c * o.Grid * o.Grid
	}
	return c
}

// cellBounds returns the half-open range [lo, hi) of rows (or columns) in
// cell i of g cells over n: cells tile n exactly, overlapping by at most one
// where n is not a multiple of g (adaptive average pooling).
func cellBounds(i, g, n int) (lo, hi int) {
	return i * n / g, ((i+1)*n + g - 1) / g
}

// pool reduces one frame's output x (C, H, W) into dst under o. dst holds
// poolDim values laid out (C) for global, (C, G, G) for grid pooling and
// (C, H, W) for none. Each pooled value is the mean of its window, or its
// maximum when o.Stat is "max".
func pool(dst, x []float32, o OutputSpec, c, h, w int) {
	if o.Stat == StatMax {
		poolMax(dst, x, o, c, h, w)
		return
	}
	switch o.Pool {
	case PoolNone:
		copy(dst, x[:c*h*w])
	case PoolGrid:
		g := o.Grid
		for ch := range c {
			m := x[ch*h*w : (ch+1)*h*w]
			for gy := range g {
				y0, y1 := cellBounds(gy, g, h)
				for gx := range g {
					x0, x1 := cellBounds(gx, g, w)
					var sum float32
					for y := y0; y < y1; y++ {
						for _, v := range m[y*w+x0 : y*w+x1] {
							sum += v
						}
					}
					dst[(ch*g+gy)*g+gx] = sum / float32((y1-y0)*(x1-x0))
				}
			}
		}
	default:
		hw := h * w
		for ch := range c {
			var sum float32
			for _, v := range x[ch*hw : (ch+1)*hw] {
				sum += v
			}
			dst[ch] = sum / float32(hw)
		}
	}
}

// poolMax is pool with the maximum of each window.
func poolMax(dst, x []float32, o OutputSpec, c, h, w int) {
	g := 1
	switch o.Pool {
	case PoolNone:
		copy(dst, x[:c*h*w])
		return
	case PoolGrid:
		g = o.Grid
	}
	for ch := range c {
		m := x[ch*h*w : (ch+1)*h*w]
		for gy := range g {
			y0, y1 := cellBounds(gy, g, h)
			for gx := range g {
				x0, x1 := cellBounds(gx, g, w)
				best := m[y0*w+x0]
				for y := y0; y < y1; y++ {
					for _, v := range m[y*w+x0 : y*w+x1] {
						best = max(best, v)
					}
				}
				dst[(ch*g+gy)*g+gx] = best
			}
		}
	}
}
