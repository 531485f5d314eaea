package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// Media for the tests is made here, with ffmpeg's lavfi sources and with
// VideoWriter, into t.TempDir(); nothing is mocked.

// ffmpegRun runs ffmpeg with args (after -y -loglevel error) and fails the
// test if it fails.
func ffmpegRun(t testing.TB, args ...string) {
	t.Helper()
	full := append([]string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y"}, args...)
	out, err := exec.Command("ffmpeg", full...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// palette is the colour sequence of the test videos, one per second.
var palette = []color.RGBA{
	{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}, {255, 255, 0, 255},
}

func hexColor(c color.RGBA) string { return fmt.Sprintf("0x%02X%02X%02X", c.R, c.G, c.B) }

// nearest returns the index of the palette colour (or black, -1) closest to
// r, g, b.
func nearest(r, g, b uint8) int {
	best, bestD := -1, int(r)*int(r)+int(g)*int(g)+int(b)*int(b)
	for i, c := range palette {
		dr, dg, db := int(r)-int(c.R), int(g)-int(c.G), int(b)-int(c.B)
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// colourVideo writes an H.264 MP4 that shows palette[i] during second i, for
// n seconds, at rate frames per second, size 64x48, through the filters in
// post (e.g. ",select=..."), with extra output options (e.g.
// "-output_ts_offset", "10").
func colourVideo(t testing.TB, path string, n int, rate int, post string, extra ...string) {
	t.Helper()
	var args []string
	var labels string
	for i := 0; i < n; i++ {
		args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("color=c=%s:s=64x48:r=%d:d=1", hexColor(palette[i]), rate))
		labels += fmt.Sprintf("[%d:v]", i)
	}
	args = append(args, "-filter_complex", fmt.Sprintf("%sconcat=n=%d:v=1:a=0%s[v]", labels, n, post), "-map", "[v]",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "10")
	args = append(args, extra...)
	ffmpegRun(t, append(args, path)...)
}

// stripes is an 80x40 picture of four 20-pixel vertical stripes: red, green,
// blue, white.
func stripes() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 80, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 80; x++ {
			img.SetRGBA(x, y, palette[x/20])
		}
	}
	return img
}

// marked is a w x h blue picture with a red 8x8 marker at (mx, my).
func marked(w, h, mx, my int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x >= mx && x < mx+8 && y >= my && y < my+8 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodeCV encodes img with OpenCV in the format of ext (".webp", ".bmp",
// ".tiff", ...); WebP at quality 101 is lossless.
func encodeCV(t testing.TB, img *image.RGBA, ext string) []byte {
	t.Helper()
	m, err := gocv.ImageToMatRGB(img)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// IMEncodeWithParams panics on empty params in gocv 0.31.
	params := []int{gocv.IMWriteJpegQuality, 95}
	if ext == ".webp" {
		params = []int{gocv.IMWriteWebpQuality, 101}
	}
	buf, err := gocv.IMEncodeWithParams(gocv.FileExt(ext), m, params)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	return append([]byte(nil), buf.GetBytes()...)
}

// exifTIFF is an EXIF payload (TIFF structure, big endian) holding only an
// orientation.
func exifTIFF(orientation uint16) []byte {
	var b bytes.Buffer
	b.WriteString("MM\x00*")
	binary.Write(&b, binary.BigEndian, uint32(8))
	binary.Write(&b, binary.BigEndian, uint16(1))
	binary.Write(&b, binary.BigEndian, [...]uint16{tagOrientation, 3})
	binary.Write(&b, binary.BigEndian, uint32(1))
	binary.Write(&b, binary.BigEndian, [...]uint16{orientation, 0})
	binary.Write(&b, binary.BigEndian, uint32(0))
	return b.Bytes()
}

// withJPEGExif inserts an APP1 Exif segment right after SOI.
func withJPEGExif(j []byte, orientation uint16) []byte {
	payload := append([]byte("Exif\x00\x00"), exifTIFF(orientation)...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, j[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, j[2:]...)
}

// withPNGExif inserts an eXIf chunk after IHDR.
func withPNGExif(p []byte, orientation uint16) []byte {
	ex := exifTIFF(orientation)
	var ch bytes.Buffer
	binary.Write(&ch, binary.BigEndian, uint32(len(ex)))
	ch.WriteString("eXIf")
	ch.Write(ex)
	binary.Write(&ch, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("eXIf"), ex...)))
	out := append([]byte{}, p[:33]...)
	out = append(out, ch.Bytes()...)
	return append(out, p[33:]...)
}

func riffChunk(id string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(id)
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	if len(data)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

// withWebPExif wraps a simple WebP into the extended format with an EXIF
// chunk.
func withWebPExif(webp []byte, w, h int, orientation uint16) []byte {
	vp8x := make([]byte, 10)
	vp8x[0] = 0x08 // EXIF present
	vp8x[4], vp8x[5], vp8x[6] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
	vp8x[7], vp8x[8], vp8x[9] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
	body := append([]byte("WEBP"), riffChunk("VP8X", vp8x)...)
	body = append(body, webp[12:]...)
	body = append(body, riffChunk("EXIF", exifTIFF(orientation))...)
	return riffChunk("RIFF", body)
}

// tiffRGB writes an uncompressed little-endian RGB TIFF with an orientation.
func tiffRGB(img *image.RGBA, orientation uint16) []byte {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	pix := make([]byte, 0, w*h*3)
	for i := 0; i < w*h; i++ {
		pix = append(pix, img.Pix[i*4], img.Pix[i*4+1], img.Pix[i*4+2])
	}
	le := binary.LittleEndian
	type entry struct {
		tag, typ uint16
		n, v     uint32
	}
	const nEnt = 11
	bpsOff := 8 + 2 + nEnt*12 + 4
	pixOff := bpsOff + 6
	ents := []entry{{256, 4, 1, uint32(w)}, {257, 4, 1, uint32(h)}, {258, 3, 3, uint32(bpsOff)}, {259, 3, 1, 1},
		{262, 3, 1, 2}, {273, 4, 1, uint32(pixOff)}, {274, 3, 1, uint32(orientation)}, {277, 3, 1, 3},
		{278, 4, 1, uint32(h)}, {279, 4, 1, uint32(len(pix))}, {284, 3, 1, 1}}
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(8))
	binary.Write(&b, le, uint16(nEnt))
	for _, e := range ents {
		binary.Write(&b, le, [2]uint16{e.tag, e.typ})
		binary.Write(&b, le, e.n)
		if e.typ == 3 && e.n == 1 {
			binary.Write(&b, le, [2]uint16{uint16(e.v), 0})
		} else {
			binary.Write(&b, le, e.v)
		}
	}
	binary.Write(&b, le, uint32(0))
	binary.Write(&b, le, [3]uint16{8, 8, 8})
	b.Write(pix)
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stripesVideo writes the stripes picture as a 2-second 10 fps MP4 through
// VideoWriter.
func stripesVideo(t testing.TB, path string) {
	t.Helper()
	img := stripes()
	w, err := NewVideoWriter(context.Background(), path, 80, 40, 10, EncodeOptions{CRF: 10, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	f := Frame{Width: 80, Height: 40, Pix: make([]byte, 80*40*3)}
	for i := 0; i < 80*40; i++ {
		copy(f.Pix[i*3:], img.Pix[i*4:i*4+3])
	}
	for i := 0; i < 20; i++ {
		if err := w.WriteFrame(f.Pix); err != nil {
			w.Abort()
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
