package world

import (
	"math"
	"math/rand/v2"
)

// slack is kept, in pixels, beyond every margin of WORLD.md by the videos and
// the fixed-size images (ImageOptions without a Spread), so that a box
// measured from anti-aliased pixels (which may reach about a pixel beyond the
// geometric one) still keeps the margins.
const slack = 1.0

// ranges are the widths the generator draws WORLD.md's ranges from.
type ranges struct {
	slack    float64       // pixels kept beyond every margin
	size     [3][2]float64 // by Size, fractions of the frame's shorter side
	triangle [2]float64    // a triangle's height over its base: least, span
	inner    [2]float64    // a star's inner radius over its outer one: least, span
	contrast float64       // least RGB distance of a jittered colour from a gray background; 0: none
}

// keptRanges are those of the videos and fixed-size images: inside WORLD.md's
// by a margin (sizes by 1 %, for the same reason as slack), and colours kept
// minContrast from the background. Generator version 1 drew only these.
var keptRanges = ranges{
	slack:    slack,
	size:     [3][2]float64{Small: {0.11, 0.15}, Large: {0.27, 0.35}},
	triangle: [2]float64{0.82, 0.16},
	inner:    [2]float64{0.39, 0.10},
	contrast: minContrast,
}

// contractRanges are WORLD.md's ranges at their whole width, as the images of
// a Spread draw them: any generator that follows the contract may.
var contractRanges = ranges{
	size:     [3][2]float64{Small: {0.10, 0.16}, Large: {0.26, 0.36}},
	triangle: [2]float64{0.80, 0.20},
	inner:    [2]float64{0.38, 0.12},
}

// minContrast is the least Euclidean RGB distance between an object's colour
// and the background level that keptRanges draw.
const minContrast = 64

// frame holds a frame's size, the margins of WORLD.md (slack included) and the
// ranges objects are drawn from.
type frame struct {
	w, h   int
	short  float64 // shorter side
	border float64 // least distance of a box from the frame's border
	gap    float64 // least distance between two boxes
	rng    *ranges
}

func newFrame(w, h int) frame { return newFrameRanges(w, h, &keptRanges) }

func newFrameRanges(w, h int, rng *ranges) frame {
	long, short := float64(max(w, h)), float64(min(w, h))
	return frame{w: w, h: h, short: short, border: 0.02*long + rng.slack, gap: 0.02*short + rng.slack, rng: rng}
}

// inside reports whether b keeps the border margin.
func (f frame) inside(b Box) bool {
	return b.X0 >= f.border && b.Y0 >= f.border && b.X1 <= float64(f.w)-f.border && b.Y1 <= float64(f.h)-f.border
}

// apart reports whether a and b keep the gap between boxes.
func (f frame) apart(a, b Box) bool { return !a.Grow(f.gap).Overlaps(b) }

// centreRange returns the interval of centre coordinates along one axis that
// keeps a box of extent size inside the border of a frame of length n.
func (f frame) centreRange(size float64, n int) (lo, hi float64) {
	return f.border + size/2, float64(n) - f.border - size/2
}

// randomObject draws an object of the given shape and colour (random where
// zero) with a random size, proportions and jittered colour that stands out
// from bg. Its box is centred on the origin; place moves it.
func randomObject(r *rand.Rand, f frame, bg Background, shape Shape, colour Colour) Object {
	if shape == 0 {
		shape = allShapes[r.IntN(len(allShapes))]
	}
	if colour == 0 {
		colour = allColours[r.IntN(len(allColours))]
	}
	size := allSizes[r.IntN(len(allSizes))]
	rng := f.rng.size[size]
	l := f.short * (rng[0] + (rng[1]-rng[0])*r.Float64())
	aspect := 0.0
	o := Object{Shape: shape, Colour: colour, Size: size}
	switch shape {
	case Triangle:
		aspect = f.rng.triangle[0] + f.rng.triangle[1]*r.Float64() // WORLD.md: 0.8 to 1.0
	case Star:
		o.Inner = round3(f.rng.inner[0] + f.rng.inner[1]*r.Float64()) // WORLD.md: 0.38 to 0.50
	}
	w, h := boxSize(shape, l, aspect)
	o.Box = boxAt(Point{}, w, h)
	o.RGB = jitter(r, colour.RGB(), bg.Level, f.rng.contrast)
	return o
}

// jitter moves each channel of c by up to +-20, keeping the colour at least
// least away from a gray background of the given level.
func jitter(r *rand.Rand, c RGB, level uint8, least float64) RGB {
	for range 20 {
		var j RGB
		for k := range 3 {
			j[k] = uint8(min(max(int(c[k])+r.IntN(41)-20, 0), 255))
		}
		if contrast(j, level) >= least {
			return j
		}
	}
	return c // every palette colour is at least 86 away from every allowed level
}

func contrast(c RGB, level uint8) float64 {
	var s float64
	for k := range 3 {
		d := float64(c[k]) - float64(level)
		s += d * d
	}
	return math.Sqrt(s)
}

// place returns o with its box centred on c.
func place(o Object, c Point) Object {
	o.Box = boxAt(c, o.Box.W(), o.Box.H())
	o.Centre = c
	return o
}

// itemRand returns the random source of item index of the run with the given
// seed. The index is mixed (SplitMix64's finaliser) so that neighbouring items
// start from unrelated states.
func itemRand(seed uint64, index int) *rand.Rand {
	z := uint64(index) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return rand.New(rand.NewPCG(seed, z^z>>31))
}

// uniform returns a random value in [lo, hi].
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
