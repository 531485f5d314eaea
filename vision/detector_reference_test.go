package vision

import (
	"context"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"

	"captioner/media"
)

// detectorReference is testdata/detector/reference.json, written once by
// reference.js with TensorFlow.js 4.22 running @vladmandic/human's own
// CenterNet graph: for two real photos, the heat map and extents (NHWC,
// every stride-th value) and the graph's own detections.
type detectorReference struct {
	Runtime string   `json:"runtime"`
	Block   int      `json:"block"`
	Labels  []string `json:"labels"`
	Images  []struct {
		Image   string `json:"image"`
		Outputs map[string]struct {
			Shape  []int  `json:"shape"` // (1, H, W, C)
			Stride int    `json:"stride"`
			Data   string `json:"data"`
		} `json:"outputs"`
		Detections []struct {
			Box   [4]float64 `json:"box"` // x1, y1, x2, y2 in input pixels
			Score float64    `json:"score"`
			Class int        `json:"class"`
			Label string     `json:"label"`
		} `json:"detections"`
	} `json:"images"`
}

// referenceFrame reads a reference PNG and replicates each pixel into a
// block x block square, exactly as reference.js made the network's input.
func referenceFrame(t *testing.T, name string, block int) media.Frame {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "detector", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	w, h := b.Dx()*block, b.Dy()*block
	fr := media.Frame{Width: w, Height: h, Pix: make([]byte, w*h*3)}
	for y := range h {
		for x := range w {
			r, g, bl, _ := img.At(b.Min.X+x/block, b.Min.Y+y/block).RGBA()
			i := (y*w + x) * 3
			fr.Pix[i], fr.Pix[i+1], fr.Pix[i+2] = byte(r>>8), byte(g>>8), byte(bl>>8)
		}
	}
	return fr
}

func loadDetectorReference(t *testing.T) detectorReference {
	t.Helper()
	data, err := os.ReadFile("testdata/detector/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref detectorReference
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Images) != 2 || ref.Block < 1 {
		t.Fatalf("reference has %d images, block %d; want 2 and at least 1", len(ref.Images), ref.Block)
	}
	return ref
}

// TestDetectorMatchesTFJS runs the embedded detector's ONNX network in
// OpenCV on the reference inputs and requires its heat map and extents to
// match TensorFlow.js's (cosine at least 0.9999, on every value the
// reference kept), and the class names to be the package's.
func TestDetectorMatchesTFJS(t *testing.T) {
	ref := loadDetectorReference(t)
	spec, err := DefaultDetectorSpec()
	if err != nil {
		t.Fatal(err)
	}
	if len(ref.Labels) != len(spec.Detector.Labels) {
		t.Fatalf("%d labels in the bundle, %d in the package", len(spec.Detector.Labels), len(ref.Labels))
	}
	for i, l := range ref.Labels {
		if spec.Detector.Labels[i] != l {
			t.Errorf("label %d: bundle %q, package %q", i, spec.Detector.Labels[i], l)
		}
	}
	layers := []string{spec.Detector.Heatmap, spec.Detector.Extents}
	n, err := readNet("onnx", spec.ModelData, nil, layers)
	if err != nil {
		t.Fatal(err)
	}
	defer n.close()
	for _, im := range ref.Images {
		fr := referenceFrame(t, im.Image, ref.Block)
		if fr.Width != spec.Input.Width || fr.Height != spec.Input.Height {
			t.Fatalf("%s: input %dx%d, the network takes %dx%d", im.Image, fr.Width, fr.Height, spec.Input.Width, spec.Input.Height)
		}
		plane := fr.Width * fr.Height
		blob := gocv.NewMatWithSizes([]int{1, 3, fr.Height, fr.Width}, gocv.MatTypeCV32F)
		data, err := blob.DataPtrFloat32()
		if err != nil {
			t.Fatal(err)
		}
		for i := range plane {
			for c := range 3 {
				data[c*plane+i] = float32(fr.Pix[3*i+c]) // RGB 0..255, not scaled
			}
		}
		var out []float32
		shapes, err := n.forward(&blob, &out)
		blob.Close()
		if err != nil {
			t.Fatal(err)
		}
		base := 0
		for li, layer := range layers {
			s := shapes[li]
			o, ok := im.Outputs[layer]
			if !ok {
				t.Fatalf("%s: reference has no %s", im.Image, layer)
			}
			if o.Shape[1] != s[2] || o.Shape[2] != s[3] || o.Shape[3] != s[1] {
				t.Fatalf("%s %s: ONNX shape %v, TF.js %v", im.Image, layer, s, o.Shape)
			}
			want := decodeFloats(t, o.Data)
			c, hw := s[1], s[2]*s[3]
			var dot, gg, ww, worst float64
			for k, wv := range want {
				i := k * o.Stride // NHWC index
				got := float64(out[base+(i%c)*hw+i/c])
				dot += got * float64(wv)
				gg += got * got
				ww += float64(wv) * float64(wv)
				worst = math.Max(worst, math.Abs(got-float64(wv)))
			}
			cos := dot / math.Sqrt(gg*ww)
			t.Logf("%s %s: %d values, cosine %.9f, largest difference %.3g", im.Image, layer, len(want), cos, worst)
			if cos < 0.9999 || math.IsNaN(cos) {
				t.Errorf("%s %s: cosine %.6f with TensorFlow.js, want at least 0.9999", im.Image, layer, cos)
			}
			base += s[0] * s[1] * hw
		}
	}
}

// TestDetectorDecodesAsTheGraph requires vision's decoding (peaks, boxes)
// to find what the graph's own post-processing tail found on the reference
// inputs: every detection of the graph scoring at least 0.3 is reported
// with the same class, score within 0.002 and box within 1.5 pixels, but
// for those whose box (their cell) a better detection of another class
// holds: vision keeps one class a cell, the graph lists every class.
func TestDetectorDecodesAsTheGraph(t *testing.T) {
	ref := loadDetectorReference(t)
	d, err := NewDefaultDetector(Options{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var frames []media.Frame
	for _, im := range ref.Images {
		frames = append(frames, referenceFrame(t, im.Image, ref.Block))
	}
	found, err := d.DetectWith(context.Background(), frames, DetectOptions{MinScore: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	for i, im := range ref.Images {
		matched := 0
		for _, w := range im.Detections {
			if w.Score < 0.3 {
				continue
			}
			held := false
			for _, o := range im.Detections {
				held = held || o.Box == w.Box && (o.Score > w.Score || o.Score == w.Score && o.Class < w.Class)
			}
			if held {
				continue
			}
			wantBox := Box{float32(w.Box[0]), float32(w.Box[1]), float32(w.Box[2]), float32(w.Box[3])}
			ok := false
			for _, g := range found[i] {
				if g.Class == w.Label && math.Abs(float64(g.Score)-w.Score) < 0.002 && boxClose(g.Box, wantBox, 1.5, frames[i]) {
					ok = true
					break
				}
			}
			if !ok {
				t.Errorf("%s: the graph found %s %.3f at %v; vision found %v", im.Image, w.Label, w.Score, w.Box, found[i])
				continue
			}
			matched++
		}
		if matched == 0 {
			t.Errorf("%s: no detection of the graph at 0.3 or more to compare", im.Image)
		}
		t.Logf("%s: %d of the graph's detections matched; vision found %d", im.Image, matched, len(found[i]))
	}
}

// boxClose reports whether two boxes agree within tol pixels on every side,
// after the reference box is clipped to the frame as vision's are.
func boxClose(a, b Box, tol float64, fr media.Frame) bool {
	clip := func(v float32, hi int) float64 { return math.Min(math.Max(float64(v), 0), float64(hi)) }
	r := image.Rect(0, 0, fr.Width, fr.Height)
	return math.Abs(clip(a.X0, r.Dx())-clip(b.X0, r.Dx())) <= tol &&
		math.Abs(clip(a.Y0, r.Dy())-clip(b.Y0, r.Dy())) <= tol &&
		math.Abs(clip(a.X1, r.Dx())-clip(b.X1, r.Dx())) <= tol &&
		math.Abs(clip(a.Y1, r.Dy())-clip(b.Y1, r.Dy())) <= tol
}
