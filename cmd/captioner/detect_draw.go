package main

import (
	"fmt"
	"image"
	"image/color"

	"gocv.io/x/gocv"

	"captioner/internal/atomicfile"
	"captioner/media"
	"captioner/vision"
)

// palette colours boxes by class, so that one class keeps its colour
// across images and frames.
var palette = [...]color.RGBA{
	{230, 25, 75, 255}, {60, 180, 75, 255}, {255, 225, 25, 255}, {0, 130, 200, 255},
	{245, 130, 48, 255}, {145, 30, 180, 255}, {70, 240, 240, 255}, {240, 50, 230, 255},
	{210, 245, 60, 255}, {250, 190, 212, 255}, {0, 128, 128, 255}, {220, 190, 255, 255},
}

// drawDetections writes fr as a JPEG at path with each object's box and a
// label ("dog 0.62") drawn; the boxes are in fr's pixels.
func drawDetections(path string, fr media.Frame, fd vision.FrameDetections) error {
	rgb, err := gocv.NewMatFromBytes(fr.Height, fr.Width, gocv.MatTypeCV8UC3, fr.Pix)
	if err != nil {
		return err
	}
	defer rgb.Close()
	img := gocv.NewMat()
	defer img.Close()
	gocv.CvtColor(rgb, &img, gocv.ColorBGRToRGB) // the same swap of R and B
	side := max(fr.Width, fr.Height)
	thick := max(1, side/400)
	scale := max(0.4, float64(side)/1400)
	// Worst first, so the best boxes and labels end on top.
	for i := len(fd.Objects) - 1; i >= 0; i-- {
		o := fd.Objects[i]
		c := palette[o.ClassID%len(palette)]
		bgr := color.RGBA{c.B, c.G, c.R, 255} // the Mat is BGR
		r := image.Rect(int(o.Box.X0), int(o.Box.Y0), int(o.Box.X1), int(o.Box.Y1))
		gocv.Rectangle(&img, r, bgr, thick)
		label := fmt.Sprintf("%s %.2f", o.Class, o.Score)
		sz := gocv.GetTextSize(label, gocv.FontHersheySimplex, scale, thick)
		y := max(r.Min.Y, sz.Y+4)
		bg := image.Rect(r.Min.X, y-sz.Y-4, r.Min.X+sz.X+4, y)
		gocv.Rectangle(&img, bg, bgr, -1)
		gocv.PutText(&img, label, image.Pt(r.Min.X+2, y-3), gocv.FontHersheySimplex, scale, color.RGBA{0, 0, 0, 255}, thick)
	}
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, img, []int{gocv.IMWriteJpegQuality, 90})
	if err != nil {
		return err
	}
	defer buf.Close()
	return atomicfile.WriteFile(path, buf.GetBytes(), 0o644)
}
