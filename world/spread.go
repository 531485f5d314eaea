package world

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Noise kinds of a background (Background.NoiseKind, Spread.Noise).
const (
	NoiseNone    = "none"
	NoiseShared  = "shared"  // one value per pixel, shared by the three channels
	NoiseChannel = "channel" // one value per pixel and channel
)

// Edge kinds (Spread.Edges).
const (
	EdgeAA   = "aa"   // anti-aliased
	EdgeHard = "hard" // not
)

// Aspect ratios a Spread draws frames at (Spread.Aspects), width:height.
var aspectRatios = map[string]float64{"1:1": 1, "4:3": 4.0 / 3, "16:9": 16.0 / 9, "3:4": 3.0 / 4, "9:16": 9.0 / 16}

// Aspects lists the aspect ratios a Spread can draw, in a fixed order.
func Aspects() []string { return []string{"1:1", "4:3", "16:9", "3:4", "9:16"} }

// Spread says which readings of WORLD.md the images of a run are drawn
// from: each image draws its own frame size, aspect ratio, noise kind, edge
// kind, file format and JPEG quality, then its background and objects, all
// from (seed, i). The zero Spread is the whole contract; a field narrows it.
// Every range WORLD.md gives is drawn at its whole width (sizes 10-16 % and
// 26-36 %, triangle heights 0.8-1.0, star inner radii 0.38-0.50, margins of
// exactly 2 % and 6 %, jitter of +-20 whatever the contrast, noise up to 8).
type Spread struct {
	// MinSide and MaxSide bound both sides of the frame; 0 means 160 and
	// 1920. The longer side is drawn log-uniformly within what the aspect
	// ratio allows, so that every scale is as likely.
	MinSide int `json:"min_side,omitempty"`
	MaxSide int `json:"max_side,omitempty"`
	// Width and Height, when set, fix the frame size instead.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Aspects are drawn evenly (from Aspects(); empty: all).
	Aspects []string `json:"aspects,omitempty"`
	// Noise kinds are drawn evenly (NoiseNone, NoiseShared, NoiseChannel;
	// empty: all three). A noisy background's deviation is uniform in (0, 8].
	Noise []string `json:"noise,omitempty"`
	// Edges are drawn evenly (EdgeAA, EdgeHard; empty: both).
	Edges []string `json:"edges,omitempty"`
	// Formats are drawn evenly ("png", "jpg"; empty: both).
	Formats []string `json:"formats,omitempty"`
	// MinQuality and MaxQuality bound a JPEG's quality, drawn uniformly;
	// 0 means 70 and 95.
	MinQuality int `json:"min_quality,omitempty"`
	MaxQuality int `json:"max_quality,omitempty"`
}

// Check reports what in s is out of range, or nil.
func (s Spread) Check() error {
	_, err := s.filled()
	return err
}

// filled returns s with its defaults in place, or an error naming what is
// out of range.
func (s Spread) filled() (Spread, error) {
	if s.MinSide == 0 {
		s.MinSide = 160
	}
	if s.MaxSide == 0 {
		s.MaxSide = 1920
	}
	if len(s.Aspects) == 0 {
		s.Aspects = Aspects()
	}
	if len(s.Noise) == 0 {
		s.Noise = []string{NoiseNone, NoiseShared, NoiseChannel}
	}
	if len(s.Edges) == 0 {
		s.Edges = []string{EdgeAA, EdgeHard}
	}
	if len(s.Formats) == 0 {
		s.Formats = []string{"png", "jpg"}
	}
	if s.MinQuality == 0 {
		s.MinQuality = 70
	}
	if s.MaxQuality == 0 {
		s.MaxQuality = 95
	}
	switch {
	case s.Width != 0 || s.Height != 0:
		if s.Width < 48 || s.Height < 48 || s.Width > 8192 || s.Height > 8192 {
			return s, fmt.Errorf("world: image size %dx%d out of range 48..8192", s.Width, s.Height)
		}
	case s.MinSide < 48 || s.MaxSide > 8192 || s.MinSide > s.MaxSide:
		return s, fmt.Errorf("world: sides %d..%d out of range 48..8192", s.MinSide, s.MaxSide)
	}
	if s.MinQuality < 1 || s.MaxQuality > 100 || s.MinQuality > s.MaxQuality {
		return s, fmt.Errorf("world: JPEG quality %d..%d out of range 1..100", s.MinQuality, s.MaxQuality)
	}
	for _, c := range []struct {
		what string
		got  []string
		ok   []string
	}{
		{"aspect ratio", s.Aspects, Aspects()},
		{"noise kind", s.Noise, []string{NoiseNone, NoiseShared, NoiseChannel}},
		{"edge kind", s.Edges, []string{EdgeAA, EdgeHard}},
		{"image format", s.Formats, []string{"png", "jpg"}},
	} {
		for _, v := range c.got {
			if !slices.Contains(c.ok, v) {
				return s, fmt.Errorf("world: unknown %s %q (want %s)", c.what, v, strings.Join(c.ok, ", "))
			}
		}
	}
	if s.Width == 0 {
		for _, a := range s.Aspects {
			if _, _, ok := s.sideRange(aspectRatios[a]); !ok {
				return s, fmt.Errorf("world: no %s frame has both sides within %d..%d", a, s.MinSide, s.MaxSide)
			}
		}
	}
	return s, nil
}

// sideRange returns the range of the longer side of a frame of aspect
// ratio a (width over height) whose sides both lie within the Spread's.
func (s Spread) sideRange(a float64) (lo, hi float64, ok bool) {
	long := math.Max(a, 1/a) // longer side over shorter
	lo = math.Max(float64(s.MinSide)*long, float64(s.MinSide))
	hi = float64(s.MaxSide)
	return lo, hi, lo <= hi
}

// pickOne returns one of vs, evenly.
func pickOne(r *rand.Rand, vs []string) string { return vs[r.IntN(len(vs))] }

// MakeSpreadImage generates image number index of the run with the given
// seed under spread s, in memory: it depends only on (seed, index, s). Its
// Format and Quality say how GenerateImages stores it.
func MakeSpreadImage(seed uint64, index int, s Spread) (ImageSample, error) {
	s, err := s.filled()
	if err != nil {
		return ImageSample{}, err
	}
	r := itemRand(seed, index)
	width, height := s.Width, s.Height
	if width == 0 {
		a := aspectRatios[pickOne(r, s.Aspects)]
		lo, hi, _ := s.sideRange(a)
		long := math.Round(math.Exp(uniform(r, math.Log(lo), math.Log(hi))))
		short := math.Round(long / math.Max(a, 1/a))
		short = min(max(short, float64(s.MinSide)), float64(s.MaxSide))
		width, height = int(long), int(short)
		if a < 1 {
			width, height = height, width
		}
	}
	noise := pickOne(r, s.Noise)
	aa := pickOne(r, s.Edges) == EdgeAA
	format := pickOne(r, s.Formats)
	quality := 0
	if format == "jpg" {
		quality = s.MinQuality + r.IntN(s.MaxQuality-s.MinQuality+1)
	}
	bg := randomBackground(r)
	bg.Noise, bg.PerChannel = 0, false
	if noise != NoiseNone {
		bg.Noise = math.Round((8-7.99*r.Float64())*100) / 100 // (0, 8]
		bg.PerChannel = noise == NoiseChannel
	}
	im, err := drawImage(r, index, newFrameRanges(width, height, &contractRanges), bg, aa)
	im.Format, im.Quality = format, quality
	return im, err
}

// AspectOf names the aspect ratio class of a w x h frame, as evaluations
// slice their images: "square" (within 5 %), "4:3" (landscape up to 1.55),
// "16:9" (wider) or "portrait".
func AspectOf(w, h int) string {
	a := float64(w) / float64(h)
	switch {
	case a < 0.95:
		return "portrait"
	case a <= 1.05:
		return "square"
	case a <= 1.55:
		return "4:3"
	}
	return "16:9"
}

// SizeOf names the size class of a w x h frame by its longer side, as
// evaluations slice their images: "<=400", "401-960" or ">960".
func SizeOf(w, h int) string {
	switch l := max(w, h); {
	case l <= 400:
		return "<=400"
	case l <= 960:
		return "401-960"
	}
	return ">960"
}
