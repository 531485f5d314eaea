package world

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"gocv.io/x/gocv"
)

// Background is the uniform backdrop of an image or video, with optional
// static Gaussian noise on its pixels.
type Background struct {
	Kind  string  `json:"kind"`  // "white", "black" or "gray"
	Level uint8   `json:"level"` // 255, 0 or 96..160
	Noise float64 `json:"noise"` // standard deviation of the noise, 0..8
	// PerChannel noise is drawn independently for each channel; otherwise
	// one value per pixel is shared by the three.
	PerChannel bool `json:"per_channel,omitempty"`
}

// NoiseKind names the background's noise: "none", "shared" or "channel".
func (b Background) NoiseKind() string {
	switch {
	case b.Noise == 0:
		return NoiseNone
	case b.PerChannel:
		return NoiseChannel
	}
	return NoiseShared
}

// randomBackground draws a background: white or black a quarter of the time
// each, gray otherwise; noise half of the time.
func randomBackground(r *rand.Rand) Background {
	var b Background
	switch k := r.IntN(4); k {
	case 0:
		b = Background{Kind: "white", Level: 255}
	case 1:
		b = Background{Kind: "black", Level: 0}
	default:
		b = Background{Kind: "gray", Level: uint8(96 + r.IntN(65))}
	}
	if r.IntN(2) == 0 {
		b.Noise = math.Round((0.5+7.5*r.Float64())*100) / 100
	}
	return b
}

// render returns the background as packed RGB, (h, w, 3). The noise is one
// value per pixel added to all three channels, or with PerChannel one value
// per channel, drawn from r.
func (b Background) render(w, h int, r *rand.Rand) []byte {
	pix := make([]byte, w*h*3)
	if b.PerChannel && b.Noise > 0 {
		for i := range pix {
			v := float64(b.Level) + r.NormFloat64()*b.Noise
			pix[i] = uint8(math.Round(min(max(v, 0), 255)))
		}
		return pix
	}
	for i := 0; i < w*h; i++ {
		v := float64(b.Level)
		if b.Noise > 0 {
			v += r.NormFloat64() * b.Noise
		}
		u := uint8(math.Round(min(max(v, 0), 255)))
		pix[3*i], pix[3*i+1], pix[3*i+2] = u, u, u
	}
	return pix
}

// canvas draws objects over a fixed background into an OpenCV Mat whose
// channels are in RGB order (not OpenCV's usual BGR). Close releases the Mat.
type canvas struct {
	w, h int
	aa   bool   // anti-aliased drawing
	bg   []byte // background, packed RGB (h, w, 3)
	mat  gocv.Mat
}

// subpixel is the number of fractional bits of the coordinates handed to
// OpenCV's drawing functions.
const subpixel = 4

func newCanvas(w, h int, bg []byte, aa bool) *canvas {
	if len(bg) != w*h*3 {
		panic(fmt.Sprintf("world: background of %d bytes for %dx%d", len(bg), w, h))
	}
	c := &canvas{w: w, h: h, aa: aa, bg: bg, mat: gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)}
	c.clear()
	return c
}

// Close releases the Mat.
func (c *canvas) Close() error { return c.mat.Close() }

func (c *canvas) data() []byte {
	d, err := c.mat.DataPtrUint8()
	if err != nil { // a fresh Mat is continuous
		panic(err)
	}
	return d
}

// clear paints the background over everything.
func (c *canvas) clear() { copy(c.data(), c.bg) }

// pixels copies the picture out as packed RGB into dst (grown if too short).
func (c *canvas) pixels(dst []byte) []byte {
	n := c.w * c.h * 3
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	copy(dst, c.data())
	return dst
}

// draw paints o, scaled by scale (0..1) about centre. Nothing is drawn at
// scale 0.
func (c *canvas) draw(o Object, centre Point, scale float64) {
	if scale <= 0 {
		return
	}
	full := o.Box
	b := boxAt(centre, full.W()*scale, full.H()*scale)
	col := color.RGBA{R: o.RGB[2], G: o.RGB[1], B: o.RGB[0], A: 255} // RGB Mat: gocv puts B in channel 0
	line := gocv.Line8
	if c.aa {
		line = gocv.LineAA
	}
	switch o.Shape {
	case Circle:
		gocv.CircleWithParams(&c.mat, fixed(b.Centre()), int(math.Round(b.W()/2*(1<<subpixel))), col, -1, line, subpixel)
	case Square:
		c.fill([]Point{{b.X0, b.Y0}, {b.X1, b.Y0}, {b.X1, b.Y1}, {b.X0, b.Y1}}, col, line)
	case Triangle:
		c.fill([]Point{{(b.X0 + b.X1) / 2, b.Y0}, {b.X1, b.Y1}, {b.X0, b.Y1}}, col, line)
	case Star:
		c.fill(starPoints(b, o.Inner), col, line)
	default:
		panic(fmt.Sprintf("world: drawing invalid shape %d", o.Shape))
	}
}

func (c *canvas) fill(pts []Point, col color.RGBA, line gocv.LineType) {
	ip := make([]image.Point, len(pts))
	for i, p := range pts {
		ip[i] = fixed(p)
	}
	pv := gocv.NewPointsVectorFromPoints([][]image.Point{ip})
	defer pv.Close()
	gocv.FillPolyWithParams(&c.mat, pv, col, line, subpixel, image.Point{})
}

// fixed converts an edge-coordinate point to OpenCV's fixed-point pixel-centre
// coordinates.
func fixed(p Point) image.Point {
	const one = 1 << subpixel
	return image.Point{X: int(math.Round((p.X - 0.5) * one)), Y: int(math.Round((p.Y - 0.5) * one))}
}

// starPoints returns the ten vertices of a five-pointed star, one point up,
// filling box b, with inner radius inner times the outer one.
func starPoints(b Box, inner float64) []Point {
	r := b.W() / starWidth
	cx, cy := (b.X0+b.X1)/2, b.Y0+r
	pts := make([]Point, 10)
	for k := range 10 {
		rad := r
		if k%2 == 1 {
			rad = r * inner
		}
		a := (-90 + 36*float64(k)) * math.Pi / 180
		pts[k] = Point{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
	}
	return pts
}
