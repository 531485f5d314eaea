package world

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gocv.io/x/gocv"
)

// ImageSample is one generated still image with its ground truth.
type ImageSample struct {
	Scene       Scene      `json:"scene"`
	Caption     string     `json:"caption"`
	Background  Background `json:"background"`
	AntiAliased bool       `json:"antialiased"`
	Width       int        `json:"width"`
	Height      int        `json:"height"`
	Format      string     `json:"format,omitempty"`  // how a Spread says to store it: "png" or "jpg"
	Quality     int        `json:"quality,omitempty"` // JPEG quality
	Pix         []byte     `json:"-"`                 // packed RGB, (Height, Width, 3)
}

// MakeImage generates image number index of the run with the given seed, in
// memory. It depends only on (seed, index, width, height): this is what
// GenerateImages writes, and what a trainer can draw on the fly.
func MakeImage(seed uint64, index, width, height int) (ImageSample, error) {
	if width < 48 || height < 48 {
		return ImageSample{}, fmt.Errorf("world: image size %dx%d too small (want at least 48x48)", width, height)
	}
	r := itemRand(seed, index)
	bg := randomBackground(r)
	aa := r.IntN(2) == 0
	return drawImage(r, index, newFrame(width, height), bg, aa)
}

// drawImage lays out a scene in f with r, then draws it over bg: the
// sample, without Format and Quality.
func drawImage(r *rand.Rand, index int, f frame, bg Background, aa bool) (ImageSample, error) {
	scene, err := randomScene(r, f, bg)
	if err != nil {
		return ImageSample{}, fmt.Errorf("world: image %d: %w", index, err)
	}
	c := newCanvas(f.w, f.h, bg.render(f.w, f.h, r), aa)
	defer c.Close()
	for _, o := range scene.Objects {
		c.draw(o, o.Centre, 1)
	}
	return ImageSample{
		Scene: scene, Caption: scene.Caption(), Background: bg, AntiAliased: aa,
		Width: f.w, Height: f.h, Pix: c.pixels(nil),
	}, nil
}

// randomScene draws one or two objects (even odds) laid out as WORLD.md asks.
func randomScene(r *rand.Rand, f frame, bg Background) (Scene, error) {
	const tries = 100
	if r.IntN(2) == 0 {
		for range tries {
			if s, ok := oneObjectScene(r, f, bg); ok {
				return s, nil
			}
		}
	} else {
		for range tries {
			if s, ok := twoObjectScene(r, f, bg); ok {
				return s, nil
			}
		}
	}
	return Scene{}, fmt.Errorf("cannot lay out a scene in a %dx%d frame", f.w, f.h)
}

// oneObjectScene puts one object in a random grid cell, its centre at least
// 2 % of the frame (plus slack) from every grid line.
func oneObjectScene(r *rand.Rand, f frame, bg Background) (Scene, bool) {
	o := randomObject(r, f, bg, 0, 0)
	p := allPositions[r.IntN(len(allPositions))]
	col, row := p.Cell()
	x, okx := cellRange(r, f, o.Box.W(), f.w, col)
	y, oky := cellRange(r, f, o.Box.H(), f.h, row)
	if !okx || !oky {
		return Scene{}, false
	}
	return Scene{Objects: []Object{place(o, Point{x, y})}, Position: p}, true
}

// cellRange draws a centre coordinate in third number k of an axis of length
// n for a box of the given extent, or reports that none fits.
func cellRange(r *rand.Rand, f frame, extent float64, n, k int) (float64, bool) {
	third := float64(n) / 3
	m := 0.02*float64(n) + f.rng.slack
	lo, hi := f.centreRange(extent, n)
	lo = math.Max(lo, float64(k)*third+m)
	hi = math.Min(hi, float64(k+1)*third-m)
	if lo > hi {
		return 0, false
	}
	return uniform(r, lo, hi), true
}

// twoObjectScene puts two objects that differ in colour or shape apart from
// each other, their relation chosen first (even odds) and the larger component
// of the vector between their centres at least 6 % of the shorter side (plus
// slack) longer than the smaller one.
func twoObjectScene(r *rand.Rand, f frame, bg Background) (Scene, bool) {
	a := randomObject(r, f, bg, 0, 0)
	b := randomObject(r, f, bg, 0, 0)
	if a.Colour == b.Colour && a.Shape == b.Shape {
		return Scene{}, false
	}
	want := LeftOf
	if r.IntN(2) == 0 {
		want = Above
	}
	minLead := 0.06*f.short + f.rng.slack
	for range 50 {
		a = place(a, randomCentre(r, f, a))
		b = place(b, randomCentre(r, f, b))
		if !f.apart(a.Box, b.Box) {
			continue
		}
		dx, dy := math.Abs(b.Centre.X-a.Centre.X), math.Abs(b.Centre.Y-a.Centre.Y)
		if math.Abs(dx-dy) < minLead {
			continue
		}
		rel, aFirst := relationOf(a.Centre, b.Centre)
		if rel != want {
			continue
		}
		if !aFirst {
			a, b = b, a
		}
		return Scene{Objects: []Object{a, b}, Relation: rel}, true
	}
	return Scene{}, false
}

// randomCentre draws a centre that keeps o's box inside the border.
func randomCentre(r *rand.Rand, f frame, o Object) Point {
	x0, x1 := f.centreRange(o.Box.W(), f.w)
	y0, y1 := f.centreRange(o.Box.H(), f.h)
	return Point{uniform(r, x0, x1), uniform(r, y0, y1)}
}

// encodeImage encodes packed RGB as PNG or JPEG (at quality, 1..100; 0 means 95).
func encodeImage(pix []byte, w, h int, format string, quality int) ([]byte, error) {
	if quality == 0 {
		quality = 95
	}
	rgb := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	defer rgb.Close()
	data, err := rgb.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	copy(data, pix)
	bgr := gocv.NewMat()
	defer bgr.Close()
	gocv.CvtColor(rgb, &bgr, gocv.ColorBGRToRGB) // the same channel swap
	var buf *gocv.NativeByteBuffer
	switch format {
	case "png":
		buf, err = gocv.IMEncode(gocv.PNGFileExt, bgr)
	case "jpg":
		buf, err = gocv.IMEncodeWithParams(gocv.JPEGFileExt, bgr, []int{gocv.IMWriteJpegQuality, quality})
	default:
		return nil, fmt.Errorf("world: unknown image format %q (want png or jpg)", format)
	}
	if err != nil {
		return nil, fmt.Errorf("world: encoding %s: %w", format, err)
	}
	defer buf.Close()
	out := append([]byte(nil), buf.GetBytes()...)
	if len(out) == 0 {
		return nil, fmt.Errorf("world: encoding %s failed", format)
	}
	return out, nil
}
