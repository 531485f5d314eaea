package vision

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"captioner/media"
)

// Detection is one object found in a frame: its class, the network's score
// for it and its box.
type Detection struct {
	ClassID int     // index into the detector's labels
	Class   string  // the label, e.g. "dog"
	Score   float32 // in [0, 1]
	Box     Box
}

// Box is an axis-aligned box in the pixel coordinates of the frame the
// detector was handed (whatever the network's own resize did): X0 <= X1 and
// Y0 <= Y1, within [0, width] x [0, height].
type Box struct {
	X0, Y0, X1, Y1 float32
}

// Area returns the box's area, 0 for an empty or inverted box.
func (b Box) Area() float32 {
	return max(b.X1-b.X0, 0) * max(b.Y1-b.Y0, 0)
}

// IoU returns the area of intersection over the area of union of two boxes,
// 0 when both are empty.
func (b Box) IoU(o Box) float32 {
	in := Box{max(b.X0, o.X0), max(b.Y0, o.Y0), min(b.X1, o.X1), min(b.Y1, o.Y1)}.Area()
	u := b.Area() + o.Area() - in
	if u <= 0 {
		return 0
	}
	return in / u
}

// FrameDetections are the objects found in one sampled frame of a video.
type FrameDetections struct {
	Index         int           // the frame's index among the sampled frames
	Time          time.Duration // its presentation time
	Width, Height int           // the pixel size the boxes are in
	Objects       []Detection
}

// DetectOptions override a detector spec's thresholds for one call; zero
// fields keep the spec's values.
type DetectOptions struct {
	// MinScore is the lowest score reported.
	MinScore float32
	// MaxDetections is the most objects reported per frame, best first.
	MaxDetections int
}

// Detector kinds.
const (
	DetectorCenterNet = "centernet"
	DetectorYOLO      = "yolo"
)

// Defaults of a detector spec's optional fields.
const (
	DefaultMinScore      = 0.3
	DefaultNMSIoU        = 0.5
	DefaultMaxDetections = 100
	DefaultFeatureGrid   = 4
)

// DetectorSpec is the "detector" object of a model spec: what kind of
// detector the network is, its class names, where its outputs are and how
// they become detections.
//
//	"detector": {"kind": "centernet", "labels_file": "coco.names",
//	             "heatmap": "tower_0/keypoints", "extents": "tower_0/wh", "stride": 4,
//	             "min_score": 0.3, "nms_iou": 0.5, "max_detections": 100}
//
// A CenterNet's heat map is (C, H, W), one sigmoid channel per class, and its
// extents (4, H, W); a YOLO's outputs (Darknet [yolo] or [region] layers,
// the spec's outputs or else the network's unconnected ones) are (boxes,
// 5+C) rows of cx, cy, w, h (fractions of the input), objectness and C
// class scores.
type DetectorSpec struct {
	// Kind is "centernet" or "yolo".
	Kind string `json:"kind"`
	// Labels are the class names, class i of the network being Labels[i].
	Labels []string `json:"labels,omitempty"`
	// LabelsFile, instead of Labels, is a file of one class name per line;
	// a relative path is relative to the spec file's folder.
	LabelsFile string `json:"labels_file,omitempty"`
	// Heatmap and Extents name a CenterNet's two output layers.
	Heatmap string `json:"heatmap,omitempty"`
	Extents string `json:"extents,omitempty"`
	// Stride is a CenterNet's input pixels per heat-map cell; 0 means
	// input size / heat-map size, which must then divide exactly.
	Stride int `json:"stride,omitempty"`
	// MinScore is the lowest score reported; 0 means 0.3.
	MinScore float64 `json:"min_score,omitempty"`
	// NMSIoU is the overlap (intersection over union) above which a box is
	// suppressed by a better one of its class; 0 means 0.5, 1 keeps all.
	NMSIoU float64 `json:"nms_iou,omitempty"`
	// MaxDetections is the most objects reported per frame; 0 means 100.
	MaxDetections int `json:"max_detections,omitempty"`
	// Grid is the cells per side of the feature vector's class maps
	// (detfeatures.go); 0 means 4.
	Grid int `json:"grid,omitempty"`

	labelsLoaded bool // Labels were read from LabelsFile
}

// check reports the first problem with the detector object; errors are
// wrapped by Spec.Check with the spec's name.
func (d *DetectorSpec) check() error {
	switch d.Kind {
	case DetectorCenterNet:
		if d.Heatmap == "" || d.Extents == "" {
			return fmt.Errorf("a centernet needs heatmap and extents layers")
		}
		if d.Heatmap == d.Extents {
			return fmt.Errorf("heatmap and extents are the same layer %q", d.Heatmap)
		}
		if d.Stride < 0 || d.Stride > 256 {
			return fmt.Errorf("stride %d out of range (1 to 256, or 0 to infer it)", d.Stride)
		}
	case DetectorYOLO:
		if d.Heatmap != "" || d.Extents != "" || d.Stride != 0 {
			return fmt.Errorf("heatmap, extents and stride are for a centernet, not a yolo")
		}
	default:
		return fmt.Errorf("kind %q: want centernet or yolo", d.Kind)
	}
	switch {
	case len(d.Labels) > 0 && d.LabelsFile != "" && !d.labelsFromFile():
		return fmt.Errorf("both labels and labels_file: give one")
	case len(d.Labels) == 0 && d.LabelsFile == "":
		return fmt.Errorf("no labels: give labels or labels_file")
	}
	for i, l := range d.Labels {
		if strings.TrimSpace(l) == "" {
			return fmt.Errorf("label %d is empty", i)
		}
	}
	if d.MinScore < 0 || d.MinScore > 1 || math.IsNaN(d.MinScore) {
		return fmt.Errorf("min_score %g out of range (0 to 1)", d.MinScore)
	}
	if d.NMSIoU < 0 || d.NMSIoU > 1 || math.IsNaN(d.NMSIoU) {
		return fmt.Errorf("nms_iou %g out of range (0 to 1)", d.NMSIoU)
	}
	if d.MaxDetections < 0 || d.MaxDetections > 100000 {
		return fmt.Errorf("max_detections %d out of range (1 to 100000, or 0 for %d)", d.MaxDetections, DefaultMaxDetections)
	}
	if d.Grid < 0 || d.Grid > 64 {
		return fmt.Errorf("grid %d out of range (1 to 64, or 0 for %d)", d.Grid, DefaultFeatureGrid)
	}
	return nil
}

// labelsFromFile reports whether Labels were read from LabelsFile (by
// loadLabels), so that a parsed spec passes check again.
func (d *DetectorSpec) labelsFromFile() bool { return d.labelsLoaded }

// loadLabels resolves LabelsFile against dir and reads it into Labels.
func (d *DetectorSpec) loadLabels(dir string) error {
	if d.LabelsFile == "" || d.labelsLoaded {
		return nil
	}
	if !filepath.IsAbs(d.LabelsFile) {
		d.LabelsFile = filepath.Join(dir, d.LabelsFile)
	}
	labels, err := readLabels(d.LabelsFile)
	if err != nil {
		return err
	}
	// A spec written back out after loading has both; they must agree.
	if len(d.Labels) > 0 && !slices.Equal(d.Labels, labels) {
		return fmt.Errorf("both labels and labels_file, and they differ: give one")
	}
	d.Labels, d.labelsLoaded = labels, true
	return nil
}

// readLabels reads one class name per line; blank lines at the end are
// ignored, blank lines before a name are an error.
func readLabels(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("labels %s: no names", path)
	}
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
		if lines[i] == "" {
			return nil, fmt.Errorf("labels %s: line %d is blank", path, i+1)
		}
	}
	return lines, nil
}

// thresholds are a call's effective score threshold, overlap and count.
type thresholds struct {
	minScore float32
	nmsIoU   float32
	max      int
}

// resolve applies the spec's defaults and then the call's overrides.
func (d *DetectorSpec) resolve(o DetectOptions) thresholds {
	t := thresholds{minScore: DefaultMinScore, nmsIoU: DefaultNMSIoU, max: DefaultMaxDetections}
	if d.MinScore > 0 {
		t.minScore = float32(d.MinScore)
	}
	if d.NMSIoU > 0 {
		t.nmsIoU = float32(d.NMSIoU)
	}
	if d.MaxDetections > 0 {
		t.max = d.MaxDetections
	}
	if o.MinScore > 0 {
		t.minScore = o.MinScore
	}
	if o.MaxDetections > 0 {
		t.max = o.MaxDetections
	}
	return t
}

// candidate is a box a decoder found, before suppression: in the network's
// input pixels until toFrame maps it.
type candidate struct {
	class int
	score float32
	box   Box
}

// suppress sorts cands by score, best first, and keeps at most t.max of
// them, dropping each that overlaps a better kept box of its class by more
// than t.nmsIoU (greedy per-class non-maximum suppression). Ties in score go
// to the lower class, then the upper, then the left box, so the result does
// not depend on the decoders' order. It reorders cands and returns a prefix
// of it.
func suppress(cands []candidate, t thresholds) []candidate {
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.class, b.class),
			cmp.Compare(a.box.Y0, b.box.Y0), cmp.Compare(a.box.X0, b.box.X0),
			cmp.Compare(a.box.Y1, b.box.Y1), cmp.Compare(a.box.X1, b.box.X1))
	})
	kept := 0
	for _, c := range cands {
		if kept == t.max {
			break
		}
		ok := true
		for _, k := range cands[:kept] {
			if k.class == c.class && k.box.IoU(c.box) > t.nmsIoU {
				ok = false
				break
			}
		}
		if ok {
			cands[kept] = c
			kept++
		}
	}
	return cands[:kept]
}

// placement is where a picture of one size lands in another under a fit:
// scaled by (sx, sy), then shifted by (dx, dy), so that a point (x, y) of the
// picture is at (x*sx + dx, y*sy + dy) of the output. The geometry is
// media's (media/fit.go) and resizeTo's (fit.go), which agree.
type placement struct {
	sx, sy, dx, dy float64
}

// place returns how a srcW x srcH picture is brought to dstW x dstH under f.
func place(srcW, srcH, dstW, dstH int, f fit) placement {
	sw, sh := float64(srcW), float64(srcH)
	switch f {
	case fitCrop, fitLetterbox:
		s := math.Min(float64(dstW)/sw, float64(dstH)/sh)
		if f == fitCrop {
			s = math.Max(float64(dstW)/sw, float64(dstH)/sh)
		}
		cw, ch := int(math.Round(sw*s)), int(math.Round(sh*s))
		if f == fitCrop {
			cw, ch = max(cw, dstW), max(ch, dstH)
			return placement{float64(cw) / sw, float64(ch) / sh, -float64((cw - dstW) / 2), -float64((ch - dstH) / 2)}
		}
		cw, ch = min(max(cw, 1), dstW), min(max(ch, 1), dstH)
		return placement{float64(cw) / sw, float64(ch) / sh, float64((dstW - cw) / 2), float64((dstH - ch) / 2)}
	}
	return placement{float64(dstW) / sw, float64(dstH) / sh, 0, 0}
}

// back maps a box in the output of p back to the picture's pixels, clipped
// to the w x h picture.
func (p placement) back(b Box, w, h int) Box {
	fx := func(x float32) float32 {
		return float32(min(max((float64(x)-p.dx)/p.sx, 0), float64(w)))
	}
	fy := func(y float32) float32 {
		return float32(min(max((float64(y)-p.dy)/p.sy, 0), float64(h)))
	}
	return Box{fx(b.X0), fy(b.Y0), fx(b.X1), fy(b.Y1)}
}

// mediaFit is the vision fit of the same geometry as a media.Fit.
func mediaFit(f media.Fit) (fit, error) {
	switch f {
	case media.Stretch:
		return fitStretch, nil
	case media.Pad:
		return fitLetterbox, nil
	case media.Crop:
		return fitCrop, nil
	}
	return 0, fmt.Errorf("vision: unknown fit %v", f)
}

// SourceBox maps a box in a w x h frame that media made from a srcW x srcH
// picture or video under fit (media.LoadImage, media.OpenVideo) back to the
// source's pixels, clipped to the source: for Crop the parts outside the
// window are cut off, for Pad the black border maps outside and is clipped.
func SourceBox(b Box, w, h, srcW, srcH int, fit media.Fit) (Box, error) {
	if w < 1 || h < 1 || srcW < 1 || srcH < 1 {
		return Box{}, fmt.Errorf("vision: source box: sizes %dx%d and %dx%d must be positive", w, h, srcW, srcH)
	}
	f, err := mediaFit(fit)
	if err != nil {
		return Box{}, err
	}
	return place(srcW, srcH, w, h, f).back(b, srcW, srcH), nil
}

// ToSource returns the frame's detections with their boxes mapped to the
// pixels of the srcW x srcH source that media sampled the frame from under
// fit (see SourceBox); Width and Height become the source's. Objects whose
// box is empty in the source (wholly in a Pad border) are dropped.
func (fd FrameDetections) ToSource(srcW, srcH int, fit media.Fit) (FrameDetections, error) {
	out := fd
	out.Width, out.Height = srcW, srcH
	out.Objects = make([]Detection, 0, len(fd.Objects))
	for _, d := range fd.Objects {
		b, err := SourceBox(d.Box, fd.Width, fd.Height, srcW, srcH, fit)
		if err != nil {
			return FrameDetections{}, err
		}
		if b.Area() == 0 {
			continue
		}
		d.Box = b
		out.Objects = append(out.Objects, d)
	}
	return out, nil
}
