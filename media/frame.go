// Package media probes files, decodes images and streams sampled video frames
// through ffmpeg. Every frame it hands out has the same layout: packed 8-bit RGB,
// row-major, Width*Height*3 bytes, with its index and presentation time.
package media

import (
	"fmt"
	"image"
	"time"
)

// Frame is one decoded picture: a still image or a sampled video frame.
type Frame struct {
	Index  int           // 0-based position among the frames handed out for this file
	Time   time.Duration // presentation time from the start of the file (0 for an image)
	Width  int
	Height int
	Pix    []byte // RGB, row-major: (Height, Width, 3)
}

// At returns the RGB value of the pixel at column x, row y.
func (f *Frame) At(x, y int) (r, g, b uint8) {
	i := (y*f.Width + x) * 3
	return f.Pix[i], f.Pix[i+1], f.Pix[i+2]
}

// Fit says how a picture is brought to an output size of another aspect ratio.
type Fit int

const (
	// Stretch scales width and height independently to the output size. It keeps
	// every point in the same relative place (a point a third of the way across
	// stays a third of the way across), which is what position-aware captions need.
	Stretch Fit = iota
	// Pad scales to fit inside the output size, keeping the aspect ratio, and pads
	// the rest with black, centred (letterbox).
	Pad
	// Crop scales to cover the output size, keeping the aspect ratio, and cuts
	// away what overflows, centred.
	Crop
)

// String returns the name used on the command line.
func (f Fit) String() string {
	switch f {
	case Stretch:
		return "stretch"
	case Pad:
		return "pad"
	case Crop:
		return "crop"
	}
	return fmt.Sprintf("Fit(%d)", int(f))
}

// ParseFit reads a Fit from its name.
func ParseFit(s string) (Fit, error) {
	switch s {
	case "stretch":
		return Stretch, nil
	case "pad", "letterbox":
		return Pad, nil
	case "crop":
		return Crop, nil
	}
	return 0, fmt.Errorf("media: unknown fit %q (want stretch, pad or crop)", s)
}

// Image returns a copy of the frame as an *image.RGBA (opaque), e.g. for
// writing it with image/png.
func (f *Frame) Image() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for i, j := 0, 0; i+2 < len(f.Pix) && j+3 < len(img.Pix); i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = f.Pix[i], f.Pix[i+1], f.Pix[i+2], 255
	}
	return img
}
