package vision

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"captioner/media"
)

// synthCenterNet is a Detector with no network: a CenterNet decoder over
// c classes of h x w heat maps for an inW x inH input under fit, to run
// hand-made outputs through detections and features.
func synthCenterNet(t *testing.T, c, h, w, inW, inH int, fitName string) (*Detector, *centerNet) {
	t.Helper()
	labels := make([]string, c)
	for i := range labels {
		labels[i] = string(rune('a' + i))
	}
	spec := Spec{
		Format: "onnx", Model: "synthetic.onnx", Source: "synthetic.json",
		Input:    InputSpec{Width: inW, Height: inH, Channels: "rgb", Fit: fitName},
		Detector: &DetectorSpec{Kind: DetectorCenterNet, Labels: labels, Heatmap: "heat", Extents: "wh"},
	}
	if err := spec.Check(); err != nil {
		t.Fatal(err)
	}
	cn, err := newCenterNet(&spec, [][4]int{{1, c, h, w}, {1, 4, h, w}})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := parseFit(fitName)
	d := &Detector{spec: spec, det: *spec.Detector, base: &Extractor{spec: spec, fit: f}, dec: cn}
	return d, cn
}

// heatMaps is a hand-made CenterNet output: a (C, H, W) heat map and (4, H,
// W) extents.
type heatMaps struct {
	c, h, w   int
	heat, ext []float32
}

func newHeatMaps(c, h, w int) *heatMaps {
	return &heatMaps{c: c, h: h, w: w, heat: make([]float32, c*h*w), ext: make([]float32, 4*h*w)}
}

// set puts score v of class c at cell (x, y) with extents e (left, top,
// right, bottom).
func (m *heatMaps) set(c, x, y int, v float32, e ...float32) {
	hw := m.h * m.w
	m.heat[c*hw+y*m.w+x] = v
	for k, ek := range e {
		m.ext[k*hw+y*m.w+x] = ek
	}
}

func (m *heatMaps) outs() [][]float32 { return [][]float32{m.heat, m.ext} }

// TestCenterNetDecode places peaks by hand on 16x16 maps of 3 classes for a
// 64x64 input (stride 4) and checks the exact detections: peak picking,
// threshold, one class a cell, per-class suppression, clipping, count and
// order.
func TestCenterNetDecode(t *testing.T) {
	d, cn := synthCenterNet(t, 3, 16, 16, 64, 64, "stretch")
	if cn.sx != 4 || cn.sy != 4 {
		t.Fatalf("stride %g x %g, want 4 x 4", cn.sx, cn.sy)
	}
	m := newHeatMaps(3, 16, 16)
	m.set(0, 4, 5, 0.9, 8, 8, 8, 8)      // A: box (8, 12, 24, 28)
	m.set(0, 5, 5, 0.7, 1, 1, 1, 1)      // beside A and lower: not a peak
	m.set(0, 6, 5, 0.8, 12, 8, 4, 8)     // B: (12, 12, 28, 28), IoU with A 0.6: suppressed, and C holds its cell
	m.set(1, 6, 5, 0.85, 12, 8, 4, 8)    // C: B's cell in class 1, better: kept
	m.set(2, 6, 5, 0.4, 12, 8, 4, 8)     // B's cell in class 2, worse than C: dropped
	m.set(2, 12, 12, 0.29, 4, 4, 4, 4)   // D: (44, 44, 52, 52), under 0.3
	m.set(2, 1, 14, 0.5, 99, 99, 99, 99) // E: clipped to the frame
	m.set(2, 15, 0, 0.6, 0, 0, 0, 0)     // F: an empty box, dropped
	m.set(1, 10, 2, float32(math.NaN()), 4, 4, 4, 4)
	A := Detection{0, "a", 0.9, Box{8, 12, 24, 28}}
	C := Detection{1, "b", 0.85, Box{12, 12, 28, 28}}
	D := Detection{2, "c", 0.29, Box{44, 44, 52, 52}}
	E := Detection{2, "c", 0.5, Box{0, 0, 64, 64}}
	for _, tc := range []struct {
		name string
		t    thresholds
		want []Detection
	}{
		{"defaults", d.det.resolve(DetectOptions{}), []Detection{A, C, E}},
		{"max 2", d.det.resolve(DetectOptions{MaxDetections: 2}), []Detection{A, C}},
		{"max 1", d.det.resolve(DetectOptions{MaxDetections: 1}), []Detection{A}},
		{"min 0.25", d.det.resolve(DetectOptions{MinScore: 0.25}), []Detection{A, C, E, D}},
		{"min 0.86", d.det.resolve(DetectOptions{MinScore: 0.86}), []Detection{A}},
		{"iou 0.7", thresholds{minScore: 0.3, nmsIoU: 0.7, max: 100}, []Detection{A, C, E}},
	} {
		got, _ := d.detections(m.outs(), tc.t, 64, 64, nil)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got\n%v\nwant\n%v", tc.name, got, tc.want)
		}
	}
}

// TestCenterNetPlateau: equal neighbouring cells are all peaks (as the
// graph's max pool and Equal make them); suppression decides.
func TestCenterNetPlateau(t *testing.T) {
	d, _ := synthCenterNet(t, 1, 8, 8, 32, 32, "stretch")
	m := newHeatMaps(1, 8, 8)
	m.set(0, 3, 3, 0.6, 4, 4, 4, 4) // (8, 8, 16, 16)
	m.set(0, 4, 3, 0.6, 4, 4, 4, 4) // (12, 8, 20, 16): IoU 1/3
	m.set(0, 3, 4, 0.6, 8, 8, 8, 8) // (4, 8, 20, 24): holds both
	got, _ := d.detections(m.outs(), thresholds{minScore: 0.3, nmsIoU: 0.5, max: 10}, 32, 32, nil)
	// Equal scores: ordered by top edge (all 8), then left edge. The large
	// box holds each small one (IoU 1/4); the small ones overlap by 1/3.
	want := []Detection{
		{0, "a", 0.6, Box{4, 8, 20, 24}},
		{0, "a", 0.6, Box{8, 8, 16, 16}},
		{0, "a", 0.6, Box{12, 8, 20, 16}},
	}
	if !slices.Equal(got, want) {
		t.Errorf("plateau: got %v, want %v", got, want)
	}
	got, _ = d.detections(m.outs(), thresholds{minScore: 0.3, nmsIoU: 0.2, max: 10}, 32, 32, nil)
	if !slices.Equal(got, want[:1]) {
		t.Errorf("plateau at IoU 0.2: got %v, want %v", got, want[:1])
	}
}

// TestCenterNetBoxFormula pins the graph's tail: the cell's corner times the
// stride, minus and plus the extents.
func TestCenterNetBoxFormula(t *testing.T) {
	got := centerNetBox(10, 7, 4, 4, 3, 5, 11, 13)
	if want := (Box{40 - 3, 28 - 5, 40 + 11, 28 + 13}); got != want {
		t.Errorf("centerNetBox(10, 7) = %v, want %v", got, want)
	}
}

// TestCenterNetFrameFits runs one peak through frames of another size under
// each of the spec's fits: the boxes are hand-computed.
func TestCenterNetFrameFits(t *testing.T) {
	for _, tc := range []struct {
		fit    string
		fw, fh int
		want   Box
	}{
		// 128x64 frame in a 64x64 input. Input box (8, 12, 24, 28).
		{"stretch", 128, 64, Box{16, 12, 48, 28}},
		// scale 0.5, drawn at (0, 16): y (12-16)/0.5 = -8, clipped to 0
		{"letterbox", 128, 64, Box{16, 0, 48, 24}},
		// scale 1, the 64-wide window at x = 32
		{"crop", 128, 64, Box{40, 12, 56, 28}},
		// 64x128 frame: scale 1, window at y = 32
		{"crop", 64, 128, Box{8, 44, 24, 60}},
		// 100x30 letterboxed: scale 0.64, 64x19 drawn at (0, 22)
		{"letterbox", 100, 30, Box{12.5, 0, 37.5, float32((28 - 22) * 30.0 / 19)}},
	} {
		d, _ := synthCenterNet(t, 1, 16, 16, 64, 64, tc.fit)
		m := newHeatMaps(1, 16, 16)
		m.set(0, 4, 5, 0.9, 8, 8, 8, 8)
		got, _ := d.detections(m.outs(), d.det.resolve(DetectOptions{}), tc.fw, tc.fh, nil)
		if len(got) != 1 || !boxNear(got[0].Box, tc.want, 1e-4) {
			t.Errorf("%s %dx%d: got %v, want box %v", tc.fit, tc.fw, tc.fh, got, tc.want)
		}
	}
}

func boxNear(a, b Box, tol float32) bool {
	for _, d := range [4]float32{a.X0 - b.X0, a.Y0 - b.Y0, a.X1 - b.X1, a.Y1 - b.Y1} {
		if d > tol || d < -tol {
			return false
		}
	}
	return true
}

// TestCenterNetFeatures checks the layout and values of the feature vector.
func TestCenterNetFeatures(t *testing.T) {
	d, cn := synthCenterNet(t, 2, 8, 8, 32, 32, "stretch")
	if d.Dim() != 2*(16+1) {
		t.Fatalf("Dim %d, want 34", d.Dim())
	}
	if g := d.Grids(); len(g) != 1 || g[0] != (GridLayout{Offset: 0, Channels: 2, Side: 4}) {
		t.Errorf("Grids %v", g)
	}
	m := newHeatMaps(2, 8, 8)
	m.set(0, 0, 0, 0.2)
	m.set(0, 1, 1, 0.5) // cell (0, 0) of class 0: 0.5
	m.set(0, 7, 6, 0.4) // cell (3, 3)
	m.set(1, 4, 2, 0.9) // class 1, cell (2, 1)
	got := make([]float32, cn.dim())
	cn.features(got, m.outs())
	want := make([]float32, 34)
	want[0] = 0.5
	want[15] = 0.4
	want[16+1*4+2] = 0.9
	want[32], want[33] = 0.5, 0.9
	if !slices.Equal(got, want) {
		t.Errorf("features\ngot  %v\nwant %v", got, want)
	}
}

// TestPlace checks the fit geometry against media's and resizeTo's with
// hand-computed values, including SourceBox and ToSource.
func TestPlace(t *testing.T) {
	for _, tc := range []struct {
		name string
		fit  media.Fit
		in   Box // in the 224x224 frame of a 1280x720 video
		want Box
	}{
		{"stretch", media.Stretch, Box{112, 112, 224, 224}, Box{640, 360, 1280, 720}},
		// scale 0.175: 224x126 drawn at (0, 49)
		{"pad", media.Pad, Box{0, 49, 224, 175}, Box{0, 0, 1280, 720}},
		{"pad centre", media.Pad, Box{112, 112, 224, 175}, Box{640, 360, 1280, 720}},
		{"pad border", media.Pad, Box{0, 0, 224, 10}, Box{0, 0, 1280, 0}},
		// scale 224/720: 398x224, window at x = 87
		{"crop", media.Crop, Box{0, 0, 224, 224}, Box{87 * 1280 / 398.0, 0, 311 * 1280 / 398.0, 720}},
	} {
		got, err := SourceBox(tc.in, 224, 224, 1280, 720, tc.fit)
		if err != nil || !boxNear(got, tc.want, 1e-3) {
			t.Errorf("%s: SourceBox = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	fd := FrameDetections{Index: 3, Width: 224, Height: 224, Objects: []Detection{
		{ClassID: 1, Class: "x", Score: 0.8, Box: Box{112, 112, 224, 175}},
		{ClassID: 2, Class: "y", Score: 0.7, Box: Box{0, 0, 224, 10}},
	}}
	src, err := fd.ToSource(1280, 720, media.Pad)
	if err != nil {
		t.Fatal(err)
	}
	if src.Width != 1280 || src.Height != 720 || src.Index != 3 || len(src.Objects) != 1 || src.Objects[0].Box != (Box{640, 360, 1280, 720}) {
		t.Errorf("ToSource = %+v", src)
	}
	if fd.Objects[0].Box != (Box{112, 112, 224, 175}) {
		t.Error("ToSource modified its input")
	}
	if _, err := SourceBox(Box{}, 0, 224, 1280, 720, media.Pad); err == nil {
		t.Error("SourceBox of a 0-wide frame: no error")
	}
}

func TestBoxIoU(t *testing.T) {
	for _, tc := range []struct {
		a, b Box
		want float32
	}{
		{Box{0, 0, 10, 10}, Box{0, 0, 10, 10}, 1},
		{Box{0, 0, 10, 10}, Box{5, 0, 15, 10}, 1.0 / 3},
		{Box{0, 0, 10, 10}, Box{10, 0, 20, 10}, 0},
		{Box{0, 0, 0, 0}, Box{0, 0, 0, 0}, 0},
		{Box{0, 0, 10, 10}, Box{2, 2, 4, 4}, 0.04},
	} {
		if got := tc.a.IoU(tc.b); math.Abs(float64(got-tc.want)) > 1e-6 {
			t.Errorf("%v IoU %v = %g, want %g", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestDetectorSpec checks the detector object's validation: every error
// names the spec file and says what is wrong.
func TestDetectorSpec(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "coco.names"), []byte("person\nbicycle\ncar\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gap.names"), []byte("person\n\ncar\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const head = `{"format": "onnx", "model": "m.onnx", "input": {"width": 64, "height": 64, "channels": "rgb"}, `
	for _, tc := range []struct {
		name, json, want string
	}{
		{"ok inline", `"detector": {"kind": "centernet", "labels": ["a", "b"], "heatmap": "h", "extents": "e"}}`, ""},
		{"ok file", `"detector": {"kind": "yolo", "labels_file": "coco.names", "min_score": 0.2, "nms_iou": 0.4, "max_detections": 5}}`, ""},
		{"kind", `"detector": {"kind": "ssd", "labels": ["a"]}}`, `kind "ssd": want centernet or yolo`},
		{"no labels", `"detector": {"kind": "yolo"}}`, "no labels"},
		{"both labels", `"detector": {"kind": "yolo", "labels": ["a"], "labels_file": "coco.names"}}`, "both labels and labels_file, and they differ"},
		{"missing file", `"detector": {"kind": "yolo", "labels_file": "none.names"}}`, "none.names"},
		{"blank line", `"detector": {"kind": "yolo", "labels_file": "gap.names"}}`, "line 2 is blank"},
		{"empty label", `"detector": {"kind": "yolo", "labels": ["a", " "]}}`, "label 1 is empty"},
		{"no heatmap", `"detector": {"kind": "centernet", "labels": ["a"], "extents": "e"}}`, "needs heatmap and extents"},
		{"same layers", `"detector": {"kind": "centernet", "labels": ["a"], "heatmap": "e", "extents": "e"}}`, "same layer"},
		{"yolo stride", `"detector": {"kind": "yolo", "labels": ["a"], "stride": 4}}`, "for a centernet"},
		{"min score", `"detector": {"kind": "yolo", "labels": ["a"], "min_score": 1.5}}`, "min_score 1.5 out of range"},
		{"nms", `"detector": {"kind": "yolo", "labels": ["a"], "nms_iou": -0.1}}`, "nms_iou -0.1 out of range"},
		{"max", `"detector": {"kind": "yolo", "labels": ["a"], "max_detections": -1}}`, "max_detections -1"},
		{"grid", `"detector": {"kind": "yolo", "labels": ["a"], "grid": 65}}`, "grid 65"},
		{"unknown field", `"detector": {"kind": "yolo", "labels": ["a"], "anchors": 3}}`, "anchors"},
		{"no outputs, no detector", `"outputs": []}`, "no outputs"},
	} {
		s, err := ParseSpec([]byte(head+tc.json), filepath.Join(dir, "spec.json"), dir)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "spec.json") {
			t.Errorf("%s: error %v, want ErrSpec naming spec.json and saying %q", tc.name, err, tc.want)
		}
		_ = s
	}
	s, err := ParseSpec([]byte(head+`"detector": {"kind": "yolo", "labels_file": "coco.names"}}`), "spec.json", dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"person", "bicycle", "car"}; !slices.Equal(s.Detector.Labels, want) {
		t.Errorf("labels from file: %v, want %v", s.Detector.Labels, want)
	}
	if err := s.Check(); err != nil {
		t.Errorf("a parsed spec fails Check again: %v", err)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := ParseSpec(out, "again.json", dir); err != nil || !slices.Equal(again.Detector.Labels, s.Detector.Labels) {
		t.Errorf("a parsed spec written back out: %v, labels %v", err, again.Detector)
	}
	th := s.Detector.resolve(DetectOptions{})
	if th != (thresholds{minScore: 0.3, nmsIoU: 0.5, max: 100}) {
		t.Errorf("defaults %+v", th)
	}
	if _, err := New(s, Options{}); err == nil || !strings.Contains(err.Error(), "no outputs") {
		t.Errorf("New (extractor) of a detector spec without outputs: %v", err)
	}
}

// TestSuppressTies: equal scores are ordered by class, then position, so
// that decoders' order does not matter.
func TestSuppressTies(t *testing.T) {
	a := candidate{class: 1, score: 0.5, box: Box{0, 0, 1, 1}}
	b := candidate{class: 0, score: 0.5, box: Box{5, 0, 6, 1}}
	c := candidate{class: 0, score: 0.5, box: Box{2, 0, 3, 1}}
	for _, in := range [][]candidate{{a, b, c}, {c, b, a}, {b, a, c}} {
		got := suppress(slices.Clone(in), thresholds{nmsIoU: 0.5, max: 10})
		if want := []candidate{c, b, a}; !slices.Equal(got, want) {
			t.Errorf("suppress(%v) = %v, want %v", in, got, want)
		}
	}
}
