package media

import (
	"context"
	"image"
	"testing"

	"gocv.io/x/gocv"
)

// colourAt names the palette colour of frame f at (x, y): 0..4 or -1 (black).
func colourAt(f *Frame, x, y int) int { return nearest(f.At(x, y)) }

func TestLoadImageFormats(t *testing.T) {
	dir := t.TempDir()
	img := stripes()
	cases := []struct {
		name, format string
		data         []byte
	}{
		{"jpeg", FormatJPEG, encodeJPEG(t, img)},
		{"png", FormatPNG, encodePNG(t, img)},
		{"webp", FormatWebP, encodeCV(t, img, ".webp")},
		{"bmp", FormatBMP, encodeCV(t, img, ".bmp")},
		{"tiff", FormatTIFF, encodeCV(t, img, ".tiff")},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A misleading extension: content decides.
			path := writeFile(t, dir, c.name+".mp4", c.data)
			info, err := Probe(ctx, path)
			if err != nil {
				t.Fatalf("%s: Probe: %v", c.name, err)
			}
			if info.Kind != Image || info.Format != c.format || info.Width != 80 || info.Height != 40 || info.Duration != 0 || info.Orientation != 1 {
				t.Errorf("%s: Probe = %+v, want image %s 80x40", c.name, info, c.format)
			}
			f, err := LoadImage(ctx, path, ImageOptions{})
			if err != nil {
				t.Fatalf("%s: LoadImage: %v", c.name, err)
			}
			if f.Width != 80 || f.Height != 40 || len(f.Pix) != 80*40*3 {
				t.Fatalf("%s: frame %dx%d with %d bytes, want 80x40", c.name, f.Width, f.Height, len(f.Pix))
			}
			for i := range 4 {
				if got := colourAt(&f, 20*i+10, 20); got != i {
					t.Errorf("%s: stripe %d reads as colour %d", c.name, i, got)
				}
			}
		})
	}
}

// shown maps a point (x, y) of a stored w x h picture to where it shows
// under EXIF orientation o.
func shown(o, w, h, x, y int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return h - 1 - y, x
	case 7:
		return h - 1 - y, w - 1 - x
	case 8:
		return y, w - 1 - x
	}
	return x, y
}

func TestLoadImageOrientation(t *testing.T) {
	dir := t.TempDir()
	const w, h, mx, my = 64, 32, 4, 4 // marker's centre at (8, 8)
	img := marked(w, h, mx, my)
	jpg, pngData, webp := encodeJPEG(t, img), encodePNG(t, img), encodeCV(t, img, ".webp")
	ctx := context.Background()
	for o := 1; o <= 8; o++ {
		files := map[string][]byte{
			"jpeg": withJPEGExif(jpg, uint16(o)),
			"png":  withPNGExif(pngData, uint16(o)),
			"webp": withWebPExif(webp, w, h, uint16(o)),
			"tiff": tiffRGB(img, uint16(o)),
		}
		for format, data := range files {
			name := format + "-" + string(rune('0'+o))
			t.Run(name, func(t *testing.T) {
				path := writeFile(t, dir, name, data)
				info, err := Probe(ctx, path)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				ww, hh := w, h
				if o >= 5 {
					ww, hh = h, w
				}
				if info.Orientation != o || info.Width != ww || info.Height != hh {
					t.Errorf("%s: Probe orientation %d size %dx%d, want %d %dx%d", name, info.Orientation, info.Width, info.Height, o, ww, hh)
				}
				f, err := LoadImage(ctx, path, ImageOptions{})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if f.Width != ww || f.Height != hh {
					t.Fatalf("%s: frame %dx%d, want %dx%d", name, f.Width, f.Height, ww, hh)
				}
				x, y := shown(o, w, h, mx+4, my+4)
				if r, g, b := f.At(x, y); r < 200 || b > 60 || g > 60 {
					t.Errorf("%s: marker should show at (%d,%d), found %d,%d,%d there", name, x, y, r, g, b)
				}
				if r, _, b := f.At(ww-1-x, hh-1-y); r > 60 || b < 200 {
					t.Errorf("%s: opposite corner (%d,%d) should be blue, is %d,_,%d", name, ww-1-x, hh-1-y, r, b)
				}
			})
		}
	}
}

// TestOpenCVOrientation pins down what OpenCV 4.6's imdecode does with an
// orientation of its own accord, which decoderOrients relies on: it turns
// JPEG, PNG (eXIf) and TIFF pictures, and leaves WebP ones as stored.
func TestOpenCVOrientation(t *testing.T) {
	img := marked(64, 32, 0, 0)
	cases := map[string][]byte{
		FormatJPEG: withJPEGExif(encodeJPEG(t, img), 6),
		FormatPNG:  withPNGExif(encodePNG(t, img), 6),
		FormatWebP: withWebPExif(encodeCV(t, img, ".webp"), 64, 32, 6),
		FormatTIFF: tiffRGB(img, 6),
	}
	for format, data := range cases {
		m, err := gocv.IMDecode(data, gocv.IMReadColor)
		if err != nil || m.Empty() {
			t.Fatalf("%s: decode failed: %v", format, err)
		}
		turned := m.Cols() == 32 && m.Rows() == 64
		m.Close()
		if turned != decoderOrients(format) {
			t.Errorf("%s: OpenCV turned the picture: %v; decoderOrients says %v", format, turned, decoderOrients(format))
		}
	}
}

// checkFit checks a frame made from the stripes picture (80x40: red, green,
// blue, white, 20 pixels each) at 40x40 under each fit.
func checkFit(t *testing.T, name string, fit Fit, f *Frame) {
	t.Helper()
	if f.Width != 40 || f.Height != 40 {
		t.Fatalf("%s: frame %dx%d, want 40x40", name, f.Width, f.Height)
	}
	type probe struct{ x, y, want int }
	var probes []probe
	switch fit {
	case Stretch: // four 10-pixel stripes, full height
		probes = []probe{{5, 2, 0}, {15, 20, 1}, {25, 37, 2}, {35, 20, 3}}
	case Pad: // four 10-pixel stripes in rows 10..29, black above and below
		probes = []probe{{5, 3, -1}, {5, 15, 0}, {15, 20, 1}, {25, 25, 2}, {35, 20, 3}, {35, 36, -1}}
	case Crop: // the middle 40 columns: green then blue, full height
		probes = []probe{{5, 2, 1}, {15, 37, 1}, {25, 2, 2}, {35, 37, 2}}
	}
	for _, p := range probes {
		if got := colourAt(f, p.x, p.y); got != p.want {
			r, g, b := f.At(p.x, p.y)
			t.Errorf("%s: pixel (%d,%d) is colour %d (%d,%d,%d), want %d", name, p.x, p.y, got, r, g, b, p.want)
		}
	}
}

func TestLoadImageFit(t *testing.T) {
	path := writeFile(t, t.TempDir(), "stripes.png", encodePNG(t, stripes()))
	for _, fit := range []Fit{Stretch, Pad, Crop} {
		name := "image-" + fit.String()
		f, err := LoadImage(context.Background(), path, ImageOptions{Width: 40, Height: 40, Fit: fit})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkFit(t, name, fit, &f)
	}
	// One side 0 follows the aspect ratio.
	f, err := LoadImage(context.Background(), path, ImageOptions{Width: 40})
	if err != nil || f.Width != 40 || f.Height != 20 {
		t.Errorf("width only: %dx%d, %v; want 40x20", f.Width, f.Height, err)
	}
}

func TestPlace(t *testing.T) {
	cases := []struct {
		name           string
		sw, sh, dw, dh int
		fit            Fit
		want           placement
	}{
		{"stretch", 80, 40, 40, 40, Stretch, placement{40, 40, 0, 0}},
		{"pad wide", 80, 40, 40, 40, Pad, placement{40, 20, 0, 10}},
		{"pad tall", 40, 80, 40, 40, Pad, placement{20, 40, 10, 0}},
		{"crop wide", 80, 40, 40, 40, Crop, placement{80, 40, 20, 0}},
		{"crop 16:9 to square", 1920, 1080, 224, 224, Crop, placement{398, 224, 87, 0}},
		{"pad 16:9 to square", 1920, 1080, 224, 224, Pad, placement{224, 126, 0, 49}},
		{"same aspect", 640, 480, 320, 240, Pad, placement{320, 240, 0, 0}},
	}
	for _, c := range cases {
		if got := place(c.sw, c.sh, c.dw, c.dh, c.fit); got != c.want {
			t.Errorf("%s: place = %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestFrameImage(t *testing.T) {
	f := Frame{Width: 2, Height: 1, Pix: []byte{1, 2, 3, 4, 5, 6}}
	img := f.Image()
	if img.Bounds() != image.Rect(0, 0, 2, 1) {
		t.Fatalf("bounds %v", img.Bounds())
	}
	if c := img.RGBAAt(1, 0); c.R != 4 || c.G != 5 || c.B != 6 || c.A != 255 {
		t.Errorf("pixel (1,0) = %v, want 4,5,6,255", c)
	}
}
