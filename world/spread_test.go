package world

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpreadImagesAgainstWorld draws images from the whole contract (sides
// narrowed to keep the test quick) and checks their ground truth against
// every rule of WORLD.md, their pixels against the ground truth, and that
// every reading and every range is drawn across its width.
func TestSpreadImagesAgainstWorld(t *testing.T) {
	const n = 400
	s := Spread{MinSide: 160, MaxSide: 400}
	seen := map[string]int{}
	lo := map[string]float64{}
	hi := map[string]float64{}
	note := func(k string, v float64) {
		if _, ok := lo[k]; !ok || v < lo[k] {
			lo[k] = v
		}
		if _, ok := hi[k]; !ok || v > hi[k] {
			hi[k] = v
		}
	}
	for i := range n {
		im, err := MakeSpreadImage(11, i, s)
		if err != nil {
			t.Fatal(err)
		}
		name := sprintf("image %d (%dx%d)", i, im.Width, im.Height)
		w, h := float64(im.Width), float64(im.Height)
		long, short := math.Max(w, h), math.Min(w, h)
		if short < 160 || long > 400 {
			t.Fatalf("%s: sides outside 160..400", name)
		}
		seen[AspectOf(im.Width, im.Height)]++
		seen[im.Background.NoiseKind()]++
		seen[im.Format]++
		seen[im.Background.Kind]++
		if im.AntiAliased {
			seen["aa"]++
		}
		if im.Format == "jpg" {
			note("quality", float64(im.Quality))
		} else if im.Quality != 0 {
			t.Errorf("%s: PNG with quality %d", name, im.Quality)
		}
		if im.Background.Noise > 0 {
			note("noise", im.Background.Noise)
		}
		if im.Background.Kind == "gray" {
			note("gray", float64(im.Background.Level))
		}
		if sc, err := ParseCaption(im.Caption); err != nil || !sc.Equal(im.Scene) {
			t.Fatalf("%s: caption %q does not parse back (%v)", name, im.Caption, err)
		}
		const eps = 1e-9
		for _, o := range im.Scene.Objects {
			b := o.Box
			size := math.Max(b.W(), b.H()) / short
			note(o.Size.String(), size)
			r := map[Size][2]float64{Small: {0.10, 0.16}, Large: {0.26, 0.36}}[o.Size]
			if size < r[0]-eps || size > r[1]+eps {
				t.Errorf("%s: %v object of %.4f of the shorter side", name, o.Size, size)
			}
			if m := 0.02 * long; b.X0 < m-eps || b.Y0 < m-eps || b.X1 > w-m+eps || b.Y1 > h-m+eps {
				t.Errorf("%s: box %+v within 2 %% of the border", name, b)
			}
			switch o.Shape {
			case Triangle:
				note("triangle", b.H()/b.W())
			case Star:
				note("inner", o.Inner)
			}
			for c := range 3 {
				note("jitter", float64(o.RGB[c])-float64(o.Colour.RGB()[c]))
			}
		}
		switch len(im.Scene.Objects) {
		case 1:
			c := im.Scene.Objects[0].Centre
			for k := 1; k <= 2; k++ {
				if math.Abs(c.X-float64(k)*w/3) < 0.02*w-eps || math.Abs(c.Y-float64(k)*h/3) < 0.02*h-eps {
					t.Errorf("%s: centre %v within 2 %% of a grid line", name, c)
				}
			}
		case 2:
			a, b := im.Scene.Objects[0], im.Scene.Objects[1]
			if a.Box.Grow(0.02*short - eps).Overlaps(b.Box) {
				t.Errorf("%s: boxes %+v and %+v closer than 2 %%", name, a.Box, b.Box)
			}
			dx, dy := math.Abs(b.Centre.X-a.Centre.X), math.Abs(b.Centre.Y-a.Centre.Y)
			note("lead", math.Abs(dx-dy)/short)
			if math.Abs(dx-dy) < 0.06*short-eps {
				t.Errorf("%s: centres too near the diagonal", name)
			}
		}
		// The pixels: the background's level and noise kind, each object's colour.
		pix := im.Pix
		bg := backgroundOf(pix, im.Width, im.Height)
		for c := range 3 {
			if math.Abs(bg[c]-float64(im.Background.Level)) > 2 {
				t.Errorf("%s: background %v, want level %d", name, bg, im.Background.Level)
			}
		}
		if k := im.Background.NoiseKind(); k != NoiseNone && im.Background.Noise > 2 && im.Background.Kind == "gray" {
			differ := 0
			for p := 0; p < 200; p++ { // the top left corner is background
				if pix[3*p] != pix[3*p+1] || pix[3*p] != pix[3*p+2] {
					differ++
				}
			}
			if (k == NoiseChannel) != (differ > 100) {
				t.Errorf("%s: %s noise, but %d of 200 pixels have channels that differ", name, k, differ)
			}
		}
		if im.Background.Noise == 0 && !im.AntiAliased {
			blobs := findBlobs(pix, im.Width, im.Height, bg)
			if len(blobs) != len(im.Scene.Objects) {
				t.Fatalf("%s (%q): %d objects in the pixels", name, im.Caption, len(blobs))
			}
			for _, o := range im.Scene.Objects {
				b := nearestBlob(blobs, o.Centre)
				const tol = 1.5
				if math.Abs(float64(b.x0)-o.Box.X0) > tol || math.Abs(float64(b.x1)-o.Box.X1) > tol ||
					math.Abs(float64(b.y0)-o.Box.Y0) > tol || math.Abs(float64(b.y1)-o.Box.Y1) > tol {
					t.Errorf("%s: measured box [%d,%d)x[%d,%d), ground truth %+v", name, b.x0, b.x1, b.y0, b.y1, o.Box)
				}
				for c := range 3 {
					if math.Abs(b.rgb[c]-float64(o.RGB[c])) > 1 {
						t.Errorf("%s: drawn %v, pixels %v", name, o.RGB, b.rgb)
					}
				}
			}
		}
	}
	for _, k := range []string{"square", "4:3", "16:9", "portrait", NoiseNone, NoiseShared, NoiseChannel, "png", "jpg", "aa", "white", "black", "gray"} {
		if seen[k] < n/10 {
			t.Errorf("%q in %d of %d images", k, seen[k], n)
		}
	}
	// Every range across its width: the extremes drawn come within a
	// small part of the range's ends.
	for _, c := range []struct {
		k      string
		lo, hi float64
		within float64
	}{
		{"small", 0.10, 0.16, 0.005}, {"large", 0.26, 0.36, 0.005},
		{"triangle", 0.8, 1.0, 0.02}, {"inner", 0.38, 0.50, 0.01},
		{"gray", 96, 160, 2}, {"noise", 0, 8, 0.3}, {"quality", 70, 95, 0.5},
		{"jitter", -20, 20, 0.5}, {"lead", 0.06, 0.06, 0.02},
	} {
		if lo[c.k] > c.lo+c.within || (c.k != "lead" && hi[c.k] < c.hi-c.within) {
			t.Errorf("%s drawn from %.4f to %.4f, want %g to %g", c.k, lo[c.k], hi[c.k], c.lo, c.hi)
		}
	}
}

// TestSpreadWholeSides checks the default sides: 160 to 1920, at every
// aspect ratio, and the size classes evaluations slice by.
func TestSpreadWholeSides(t *testing.T) {
	s, err := Spread{}.filled()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range Aspects() {
		lo, hi, ok := s.sideRange(aspectRatios[a])
		if !ok || hi != 1920 || lo < 160 || lo > 290 {
			t.Errorf("%s: longer side %g..%g", a, lo, hi)
		}
	}
	for _, c := range []struct {
		w, h         int
		aspect, size string
	}{
		{224, 224, "square", "<=400"}, {320, 240, "4:3", "<=400"}, {640, 480, "4:3", "401-960"},
		{1280, 720, "16:9", ">960"}, {300, 400, "portrait", "<=400"}, {1080, 1920, "portrait", ">960"},
	} {
		if a, z := AspectOf(c.w, c.h), SizeOf(c.w, c.h); a != c.aspect || z != c.size {
			t.Errorf("%dx%d: %s %s, want %s %s", c.w, c.h, a, z, c.aspect, c.size)
		}
	}
}

// TestSpreadFiles writes a spread run twice (different N) and checks that
// the files are the same bytes, that JPEG and PNG are written as drawn, and
// that records and synth.json say what each image is.
func TestSpreadFiles(t *testing.T) {
	ctx := context.Background()
	s := &Spread{MinSide: 160, MaxSide: 320}
	a, b := t.TempDir(), t.TempDir()
	if err := GenerateImages(ctx, ImageOptions{N: 12, Seed: 5, Spread: s, Out: a}); err != nil {
		t.Fatal(err)
	}
	if err := GenerateImages(ctx, ImageOptions{N: 6, Seed: 5, Spread: s, Out: b}); err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, a)
	formats := map[string]int{}
	for i, rec := range recs[:6] {
		x, err1 := os.ReadFile(filepath.Join(a, rec.File))
		y, err2 := os.ReadFile(filepath.Join(b, rec.File))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			t.Fatalf("image %d differs between runs (%v, %v)", i, err1, err2)
		}
		im, err := MakeSpreadImage(5, i, *s)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Width != im.Width || rec.Height != im.Height || rec.Quality != im.Quality || !strings.HasSuffix(rec.File, "."+im.Format) {
			t.Errorf("record %+v, image %dx%d %s q%d", rec, im.Width, im.Height, im.Format, im.Quality)
		}
	}
	for _, rec := range recs {
		pix, w, h := loadRGB(t, filepath.Join(a, rec.File))
		if w != rec.Width || h != rec.Height || len(pix) != w*h*3 {
			t.Errorf("%s: %dx%d, record says %dx%d", rec.File, w, h, rec.Width, rec.Height)
		}
		formats[filepath.Ext(rec.File)]++
	}
	if formats[".png"] == 0 || formats[".jpg"] == 0 {
		t.Errorf("formats %v", formats)
	}
	var info SynthInfo
	data, _ := os.ReadFile(filepath.Join(a, "synth.json"))
	if err := json.Unmarshal(data, &info); err != nil || info.Spread == nil || info.Spread.MaxSide != 320 || len(info.Spread.Aspects) != 5 || info.Generator != Version {
		t.Errorf("synth.json %s (%v)", data, err)
	}
	// Narrowed: one size, shared noise, hard edges, JPEG at 80.
	c := t.TempDir()
	n := Spread{Width: 200, Height: 300, Noise: []string{NoiseShared}, Edges: []string{EdgeHard}, Formats: []string{"jpg"}, MinQuality: 80, MaxQuality: 80}
	if err := GenerateImages(ctx, ImageOptions{N: 3, Seed: 5, Spread: &n, Out: c}); err != nil {
		t.Fatal(err)
	}
	for _, rec := range readRecords(t, c) {
		if rec.Width != 200 || rec.Height != 300 || rec.Quality != 80 || rec.AntiAliased || rec.Background.NoiseKind() != NoiseShared || filepath.Ext(rec.File) != ".jpg" {
			t.Errorf("narrowed spread gave %+v", rec)
		}
	}
}

func TestSpreadRejects(t *testing.T) {
	for _, s := range []Spread{
		{Aspects: []string{"5:4"}}, {Noise: []string{"loud"}}, {Edges: []string{"soft"}}, {Formats: []string{"gif"}},
		{MinSide: 500, MaxSide: 400}, {MinQuality: 90, MaxQuality: 80}, {MinSide: 1000, MaxSide: 1500, Aspects: []string{"16:9"}},
		{Width: 20, Height: 300},
	} {
		if err := s.Check(); err == nil || !strings.HasPrefix(err.Error(), "world: ") {
			t.Errorf("%+v: error %v", s, err)
		}
	}
}

// TestVideoNoisePerChannel: a video's noise drawn per channel has the same
// plan as the shared one (segments, objects, background level and
// deviation) and a first frame whose background channels differ.
func TestVideoNoisePerChannel(t *testing.T) {
	found := 0
	for i := 0; i < 40 && found < 2; i++ {
		shared, err := PlanVideo(21, i, VideoOptions{Width: 160, Height: 120})
		if err != nil {
			t.Fatal(err)
		}
		if shared.Background.Noise < 2 || shared.Background.Kind != "gray" {
			continue
		}
		found++
		perCh, err := PlanVideo(21, i, VideoOptions{Width: 160, Height: 120, Noise: NoiseChannel})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(shared.Segments)
		b, _ := json.Marshal(perCh.Segments)
		if !bytes.Equal(a, b) || perCh.Background.Noise != shared.Background.Noise || perCh.Background.Level != shared.Background.Level {
			t.Fatalf("video %d: the plans differ", i)
		}
		if shared.Background.NoiseKind() != NoiseShared || perCh.Background.NoiseKind() != NoiseChannel {
			t.Errorf("video %d: noise kinds %s and %s", i, shared.Background.NoiseKind(), perCh.Background.NoiseKind())
		}
		for _, c := range []struct {
			s    *VideoScript
			want bool
		}{{shared, false}, {perCh, true}} {
			differ := 0
			c.s.Render(context.Background(), func(_ int, pix []byte) error {
				for p := 0; p < 100; p++ {
					if pix[3*p] != pix[3*p+1] || pix[3*p] != pix[3*p+2] {
						differ++
					}
				}
				return errStop
			})
			if (differ > 50) != c.want {
				t.Errorf("video %d, %s noise: %d of 100 pixels with channels that differ", i, c.s.Background.NoiseKind(), differ)
			}
		}
	}
	if found < 2 {
		t.Fatal("no noisy gray video among 40")
	}
	if err := GenerateVideos(context.Background(), VideoOptions{N: 1, Noise: "loud", Out: t.TempDir()}); err == nil || !strings.HasPrefix(err.Error(), "world: ") {
		t.Errorf("noise kind loud: %v", err)
	}
}

var errStop = errors.New("stop")
