package vision

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"captioner/media"
	"captioner/vision/convert"
)

// tfjsReference is testdata/reference/reference.json, written once by
// reference.js with TensorFlow.js: layer outputs of nsfwjs's MobileNetV2 for
// the PNG fixtures, in NHWC order, every stride-th value.
type tfjsReference struct {
	Runtime string `json:"runtime"`
	Images  []struct {
		Image   string `json:"image"`
		Outputs map[string]struct {
			Shape  []int  `json:"shape"` // (1, H, W, C) or (1, F)
			Stride int    `json:"stride"`
			Data   string `json:"data"` // base64 float32 little-endian
		} `json:"outputs"`
	} `json:"images"`
}

func loadReference(t *testing.T) tfjsReference {
	t.Helper()
	data, err := os.ReadFile("testdata/reference/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref tfjsReference
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Images) != 3 {
		t.Fatalf("reference has %d images, want 3", len(ref.Images))
	}
	return ref
}

func decodeFloats(t *testing.T, s string) []float32 {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	f := make([]float32, len(b)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return f
}

// agreement compares the kept reference values (NHWC, every stride-th) with
// our output (NCHW, all values) and returns the cosine similarity and the
// largest absolute difference.
func agreement(ref []float32, shape []int, stride int, ours []float32) (cos, maxDiff float64) {
	h, w, c := 1, 1, shape[len(shape)-1]
	if len(shape) == 4 {
		h, w = shape[1], shape[2]
	}
	var dot, nr, no float64
	for k, r := range ref {
		i := k * stride // NHWC index
		y, x, ch := i/(w*c), i/c%w, i%c
		o := float64(ours[(ch*h+y)*w+x])
		dot += float64(r) * o
		nr += float64(r) * float64(r)
		no += o * o
		maxDiff = math.Max(maxDiff, math.Abs(float64(r)-o))
	}
	return dot / math.Sqrt(nr*no), maxDiff
}

// checkAgainstReference runs the spec's network with raw (unpooled) outputs
// for layers on the fixtures and requires a cosine of at least 0.9999 with
// TensorFlow.js's outputs.
func checkAgainstReference(t *testing.T, spec Spec, layers []string) {
	ref := loadReference(t)
	spec.Outputs = nil
	for _, l := range layers {
		spec.Outputs = append(spec.Outputs, OutputSpec{Layer: l, Pool: PoolNone})
	}
	e, err := New(spec, Options{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var frames []media.Frame
	for _, im := range ref.Images {
		f, err := media.LoadImage(context.Background(), filepath.Join("testdata/reference", im.Image), media.ImageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	feats, err := e.Features(context.Background(), frames)
	if err != nil {
		t.Fatal(err)
	}
	for i, im := range ref.Images {
		off := 0
		for k, l := range layers {
			o := e.outs[k]
			ours := feats[i][off : off+o.dim]
			off += o.dim
			r := im.Outputs[l]
			cos, diff := agreement(decodeFloats(t, r.Data), r.Shape, r.Stride, ours)
			t.Logf("%s %s: cosine %.9f, max abs diff %.3g (%s)", im.Image, l, cos, diff, ref.Runtime)
			if !(cos >= 0.9999) {
				t.Errorf("%s %s: cosine %.7f with TensorFlow.js, want >= 0.9999 (max abs diff %.3g)", im.Image, l, cos, diff)
			}
		}
	}
}

// TestDefaultMatchesTFJS checks the embedded model's output layers against
// TensorFlow.js's outputs of the original model.
func TestDefaultMatchesTFJS(t *testing.T) {
	spec, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	var layers []string // block_12_add is pooled twice, compared once
	for _, o := range spec.Outputs {
		if !slices.Contains(layers, o.Layer) {
			layers = append(layers, o.Layer)
		}
	}
	if len(layers) < 2 {
		t.Fatalf("default spec has outputs %v", layers)
	}
	checkAgainstReference(t, spec, layers)
}

// TestFullConversionMatchesTFJS converts the whole network, classifier
// included, with every pooling head on Conv1_relu, from the npm tarball named by NSFWJS_TGZ (skipped without it).
func TestFullConversionMatchesTFJS(t *testing.T) {
	tgz := os.Getenv("NSFWJS_TGZ")
	if tgz == "" {
		t.Skip("NSFWJS_TGZ not set")
	}
	f, err := os.Open(tgz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := convert.ReadPackageModel(f, "package/dist/models/mobilenet_v2")
	if err != nil {
		t.Fatal(err)
	}
	layers := []string{"dense_3", "average_pooling2d_1", "block_12_add", "Conv1_relu"}
	var heads []convert.Head
	for _, g := range []int{0, 3, 4} {
		for _, op := range []string{"max", "mean"} {
			heads = append(heads, convert.Head{Layer: "Conv1_relu", Op: op, Grid: g})
		}
	}
	onnx, _, err := convert.Convert(m, convert.Options{Outputs: layers, Heads: heads})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range heads {
		layers = append(layers, h.Name())
	}
	spec := Spec{Format: "onnx", ModelData: onnx, Source: "full conversion",
		Input: InputSpec{Width: 224, Height: 224, Channels: "rgb", Scale: 1.0 / 255}}
	checkAgainstReference(t, spec, layers)
}
