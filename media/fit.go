package media

import "math"

// placement says how a source picture lands in an output of another size:
// it is scaled to ScaleW x ScaleH, then, for Pad, drawn at (X, Y) on a black
// output canvas, or, for Crop, the output is the window at (X, Y) of the
// scaled picture. Stretch scales straight to the output size (X = Y = 0).
type placement struct {
	ScaleW, ScaleH int
	X, Y           int
}

// outputSize resolves the requested size against the source: 0x0 means the
// source size; one side 0 means that side follows the source aspect ratio.
func outputSize(srcW, srcH, w, h int) (int, int) {
	switch {
	case w <= 0 && h <= 0:
		return srcW, srcH
	case w <= 0:
		return max(1, int(math.Round(float64(h)*float64(srcW)/float64(srcH)))), h
	case h <= 0:
		return w, max(1, int(math.Round(float64(w)*float64(srcH)/float64(srcW))))
	}
	return w, h
}

// place computes the placement of a srcW x srcH picture in a dstW x dstH
// output under fit. Both paths (images through OpenCV, videos through
// ffmpeg's scale/pad/crop) use it, so they agree to the pixel.
func place(srcW, srcH, dstW, dstH int, fit Fit) placement {
	switch fit {
	case Pad, Crop:
		sx := float64(dstW) / float64(srcW)
		sy := float64(dstH) / float64(srcH)
		s := math.Min(sx, sy)
		if fit == Crop {
			s = math.Max(sx, sy)
		}
		sw := int(math.Round(float64(srcW) * s))
		sh := int(math.Round(float64(srcH) * s))
		if fit == Pad {
			sw, sh = clamp(sw, 1, dstW), clamp(sh, 1, dstH)
			return placement{ScaleW: sw, ScaleH: sh, X: (dstW - sw) / 2, Y: (dstH - sh) / 2}
		}
		sw, sh = max(sw, dstW), max(sh, dstH)
		return placement{ScaleW: sw, ScaleH: sh, X: (sw - dstW) / 2, Y: (sh - dstH) / 2}
	}
	return placement{ScaleW: dstW, ScaleH: dstH}
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }
