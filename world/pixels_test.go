package world

import (
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"slices"
	"testing"
)

// Test helpers that look at pictures the way an independent checker would:
// from the pixels alone.

// loadRGB decodes an image file with Go's own decoders into packed RGB.
func loadRGB(t *testing.T, path string) (pix []byte, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := im.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), im, b.Min, draw.Src)
	w, h = b.Dx(), b.Dy()
	pix = make([]byte, w*h*3)
	for i := range w * h {
		copy(pix[3*i:3*i+3], rgba.Pix[4*i:4*i+3])
	}
	return pix, w, h
}

// blob is an object found in a picture.
type blob struct {
	x0, y0, x1, y1 int        // pixel bounds, x1 and y1 exclusive
	rgb            [3]float64 // median colour
	area           int
	mask           []bool // (y1-y0, x1-x0)
}

func (b blob) centre() Point { return Point{float64(b.x0+b.x1) / 2, float64(b.y0+b.y1) / 2} }
func (b blob) w() int        { return b.x1 - b.x0 }
func (b blob) h() int        { return b.y1 - b.y0 }
func (b blob) fill() float64 { return float64(b.area) / float64(b.w()*b.h()) }

// rowCount returns the number of object pixels in row y of the blob's box.
func (b blob) rowCount(y int) int {
	n := 0
	for x := range b.w() {
		if b.mask[y*b.w()+x] {
			n++
		}
	}
	return n
}

// backgroundOf returns the per-channel median of a 2-pixel border ring.
func backgroundOf(pix []byte, w, h int) [3]float64 {
	var bg [3]float64
	for c := range 3 {
		var v []byte
		for y := range h {
			for x := range w {
				if x < 2 || y < 2 || x >= w-2 || y >= h-2 {
					v = append(v, pix[(y*w+x)*3+c])
				}
			}
		}
		slices.Sort(v)
		bg[c] = float64(v[len(v)/2])
	}
	return bg
}

func dist2(p []byte, c [3]float64) float64 {
	var s float64
	for k := range 3 {
		d := float64(p[k]) - c[k]
		s += d * d
	}
	return s
}

// findBlobs segments the objects of a picture against its background bg:
// seeds are pixels more than 60 away from bg in groups of at least 20 pixels
// (8-connected); each grows (4-connected) over the pixels that lie nearer to
// the seed's median colour than to bg along the line between them, which for
// an anti-aliased edge means at least half covered.
func findBlobs(pix []byte, w, h int, bg [3]float64) []blob {
	seen := make([]bool, w*h)
	var out []blob
	for start := range w * h {
		if seen[start] || dist2(pix[3*start:], bg) <= 60*60 {
			continue
		}
		comp := []int{start}
		seen[start] = true
		for k := 0; k < len(comp); k++ {
			x, y := comp[k]%w, comp[k]/w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					j := ny*w + nx
					if !seen[j] && dist2(pix[3*j:], bg) > 60*60 {
						seen[j] = true
						comp = append(comp, j)
					}
				}
			}
		}
		if len(comp) < 20 {
			continue
		}
		var med [3]float64
		for c := range 3 {
			v := make([]byte, len(comp))
			for k, j := range comp {
				v[k] = pix[3*j+c]
			}
			slices.Sort(v)
			med[c] = float64(v[len(v)/2])
		}
		var dir [3]float64
		var norm float64
		for c := range 3 {
			dir[c] = med[c] - bg[c]
			norm += dir[c] * dir[c]
		}
		inside := func(j int) bool {
			var s float64
			for c := range 3 {
				s += (float64(pix[3*j+c]) - bg[c]) * dir[c]
			}
			return s/norm > 0.5
		}
		in := map[int]bool{}
		queue := []int{}
		for _, j := range comp {
			if inside(j) {
				in[j] = true
				queue = append(queue, j)
			}
		}
		for k := 0; k < len(queue); k++ {
			x, y := queue[k]%w, queue[k]/w
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				nx, ny := x+d[0], y+d[1]
				if nx < 0 || ny < 0 || nx >= w || ny >= h {
					continue
				}
				j := ny*w + nx
				if !in[j] && inside(j) {
					in[j] = true
					seen[j] = true
					queue = append(queue, j)
				}
			}
		}
		b := blob{x0: w, y0: h, rgb: med, area: len(queue)}
		for _, j := range queue {
			x, y := j%w, j/w
			b.x0, b.y0, b.x1, b.y1 = min(b.x0, x), min(b.y0, y), max(b.x1, x+1), max(b.y1, y+1)
		}
		b.mask = make([]bool, b.w()*b.h())
		for _, j := range queue {
			b.mask[(j/w-b.y0)*b.w()+j%w-b.x0] = true
		}
		out = append(out, b)
	}
	return out
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
