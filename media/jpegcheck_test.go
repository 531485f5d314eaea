package media

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"gocv.io/x/gocv"
)

// noisy is a w x h picture with smooth gradients and noise, so that JPEG
// data uses many Huffman codes.
func noisy(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	s := uint32(1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s = s*1664525 + 1013904223
			n := uint8(s >> 27)
			img.SetRGBA(x, y, color.RGBA{uint8(x*255/w) ^ n, uint8(y*255/h) + n, uint8((x + y) * 3), 255})
		}
	}
	return img
}

func cvJPEG(t testing.TB, img *image.RGBA, params ...int) []byte {
	t.Helper()
	m, err := gocv.ImageToMatRGB(img)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, m, append([]int{gocv.IMWriteJpegQuality, 90}, params...))
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	return append([]byte(nil), buf.GetBytes()...)
}

// TestJPEGCheckValid makes sure valid JPEGs from several encoders pass: a
// false alarm would refuse a good photo.
func TestJPEGCheckValid(t *testing.T) {
	dir := t.TempDir()
	odd := noisy(37, 23)
	img := noisy(200, 120)
	var gray bytes.Buffer
	g := image.NewGray(img.Bounds())
	for i := range g.Pix {
		g.Pix[i] = img.Pix[i*4]
	}
	jpeg.Encode(&gray, g, nil)
	ffmpegJPEG := func(name, pixfmt string) []byte {
		p := filepath.Join(dir, name+".jpg")
		ffmpegRun(t, "-f", "lavfi", "-i", "testsrc2=size=123x77:rate=1", "-frames:v", "1", "-pix_fmt", pixfmt, "-q:v", "3", p)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"go 4:2:0", encodeJPEG(t, img)},
		{"go odd size", encodeJPEG(t, odd)},
		{"go gray", gray.Bytes()},
		{"opencv", cvJPEG(t, img)},
		{"opencv odd size", cvJPEG(t, odd)},
		{"opencv optimized tables", cvJPEG(t, img, gocv.IMWriteJpegOptimize, 1)},
		{"opencv restart interval 3", cvJPEG(t, img, gocv.IMWriteJpegRstInterval, 3)},
		{"opencv progressive", cvJPEG(t, img, gocv.IMWriteJpegProgressive, 1)},
		{"ffmpeg yuvj420p", ffmpegJPEG("j420", "yuvj420p")},
		{"ffmpeg yuvj422p", ffmpegJPEG("j422", "yuvj422p")},
		{"ffmpeg yuvj444p", ffmpegJPEG("j444", "yuvj444p")},
	}
	for _, c := range cases {
		if err := jpegCheck(c.data); err != nil {
			t.Errorf("%s: valid JPEG refused: %v", c.name, err)
		}
		// And each still fails when cut short or damaged.
		if err := jpegCheck(c.data[:len(c.data)*2/3]); err == nil {
			t.Errorf("%s: truncated JPEG accepted", c.name)
		}
		if err := jpegCheck(corruptJPEG(c.data)); err == nil && c.name != "opencv progressive" {
			t.Errorf("%s: corrupt JPEG accepted", c.name)
		}
	}
}

// JPEG validation cost against decoding, on a 1920x1080 photo-like JPEG:
// go test -bench JPEG ./media
func BenchmarkJPEGCheck1080p(b *testing.B)        { jpegBench(b, "check") }
func BenchmarkJPEGDecodeGo1080p(b *testing.B)     { jpegBench(b, "go") }
func BenchmarkJPEGDecodeOpenCV1080p(b *testing.B) { jpegBench(b, "opencv") }

func jpegBench(b *testing.B, what string) {
	data := cvJPEG(b, noisy(1920, 1080))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		switch what {
		case "check":
			if err := jpegCheck(data); err != nil {
				b.Fatal(err)
			}
		case "go":
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		case "opencv":
			m, err := gocv.IMDecode(data, gocv.IMReadColor)
			if err != nil {
				b.Fatal(err)
			}
			m.Close()
		}
	}
}

// Video decoding: 224x224 frames at 4 fps from a 10 s 640x360 H.264 video.
func BenchmarkVideo10s4fps224(b *testing.B) { videoBench(b, 10, 4, 224) }
func BenchmarkVideo10sAll224(b *testing.B)  { videoBench(b, 10, 0, 224) }

func videoBench(b *testing.B, seconds int, fps float64, size int) {
	path := filepath.Join(b.TempDir(), "bench.mp4")
	ffmpegRun(b, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration="+strconv.Itoa(seconds),
		"-c:v", "libx264", "-preset", "ultrafast", path)
	b.ResetTimer()
	frames := 0
	for range b.N {
		s, err := OpenVideo(context.Background(), path, VideoOptions{FPS: fps, Width: size, Height: size})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := s.Next(); err != nil {
				break
			}
			frames++
		}
		s.Close()
	}
	b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
}
