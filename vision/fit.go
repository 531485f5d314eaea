package vision

import (
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"
)

// fit is how a frame of another aspect ratio meets the network's input size.
type fit int

const (
	fitStretch fit = iota
	fitCrop
	fitLetterbox
)

func parseFit(s string) (fit, error) {
	switch s {
	case "", "stretch":
		return fitStretch, nil
	case "crop":
		return fitCrop, nil
	case "letterbox", "pad":
		return fitLetterbox, nil
	}
	return 0, fmt.Errorf("fit %q: want stretch, crop or letterbox", s)
}

// resizeTo brings src (8-bit, 3 channels) to w x h under f into dst, which
// it (re)allocates as needed. Scratch Mats are closed before it returns.
func resizeTo(src gocv.Mat, dst *gocv.Mat, w, h int, f fit) {
	sw, sh := src.Cols(), src.Rows()
	switch f {
	case fitStretch:
		gocv.Resize(src, dst, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	case fitCrop:
		s := math.Max(float64(w)/float64(sw), float64(h)/float64(sh))
		cw, ch := max(int(math.Round(float64(sw)*s)), w), max(int(math.Round(float64(sh)*s)), h)
		scaled := gocv.NewMat()
		defer scaled.Close()
		gocv.Resize(src, &scaled, image.Pt(cw, ch), 0, 0, gocv.InterpolationArea)
		x, y := (cw-w)/2, (ch-h)/2
		roi := scaled.Region(image.Rect(x, y, x+w, y+h))
		defer roi.Close()
		roi.CopyTo(dst)
	case fitLetterbox:
		s := math.Min(float64(w)/float64(sw), float64(h)/float64(sh))
		cw := min(max(int(math.Round(float64(sw)*s)), 1), w)
		ch := min(max(int(math.Round(float64(sh)*s)), 1), h)
		scaled := gocv.NewMat()
		defer scaled.Close()
		gocv.Resize(src, &scaled, image.Pt(cw, ch), 0, 0, gocv.InterpolationArea)
		canvas := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
		defer canvas.Close()
		canvas.SetTo(gocv.NewScalar(0, 0, 0, 0))
		x, y := (w-cw)/2, (h-ch)/2
		roi := canvas.Region(image.Rect(x, y, x+cw, y+ch))
		defer roi.Close()
		scaled.CopyTo(&roi)
		canvas.CopyTo(dst)
	}
}
