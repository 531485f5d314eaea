package vision

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"captioner/media"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

const goodSpec = `{"format": "onnx", "model": "m.onnx",
 "input": {"width": 224, "height": 224, "channels": "rgb", "mean": [0, 0, 0], "scale": 0.00392156862745098},
 "outputs": [{"layer": "block_12_add", "pool": "grid", "grid": 3}]}`

func TestLoadSpecErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, json, want string
	}{
		{"not json", `{"format": `, "unexpected EOF"},
		{"unknown field", `{"format": "onnx", "modle": "m.onnx"}`, `unknown field "modle"`},
		{"bad format", strings.Replace(goodSpec, `"onnx"`, `"torch"`, 1), `format "torch"`},
		{"no model", strings.Replace(goodSpec, `"model": "m.onnx",`, ``, 1), "no model file"},
		{"caffe without config", strings.Replace(goodSpec, `"onnx"`, `"caffe"`, 1), "needs a config file"},
		{"zero size", strings.Replace(goodSpec, `"width": 224`, `"width": 0`, 1), "input size 0x224"},
		{"channels", strings.Replace(goodSpec, `"rgb"`, `"rgba"`, 1), `channels "rgba"`},
		{"fit", strings.Replace(goodSpec, `"scale"`, `"fit": "zoom", "scale"`, 1), `fit "zoom"`},
		{"no outputs", strings.Replace(goodSpec, `{"layer": "block_12_add", "pool": "grid", "grid": 3}`, ``, 1), "no outputs"},
		{"no grid", strings.Replace(goodSpec, `, "grid": 3`, ``, 1), "grid 0 out of range"},
		{"bad pool", strings.Replace(goodSpec, `"grid", "grid": 3`, `"avg"`, 1), `pool "avg"`},
		{"bad stat", strings.Replace(goodSpec, `"grid": 3`, `"grid": 3, "stat": "median"`, 1), `stat "median"`},
		{"twice", strings.Replace(goodSpec, `"grid": 3}`, `"grid": 3}, {"layer": "block_12_add", "pool": "grid", "grid": 3}`, 1), "listed twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
			writeFile(t, p, []byte(c.json))
			_, err := LoadSpec(p)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) || !errors.Is(err, ErrSpec) {
				t.Errorf("%s: error %v, want one naming %s, containing %q and wrapping ErrSpec", c.name, err, p, c.want)
			}
		})
	}
}

// TestUserONNXSpec loads the default network through a spec file, as a user
// would, and checks that a missing, garbage or wrongly named model is a
// clear error naming the file rather than a crash.
func TestUserONNXSpec(t *testing.T) {
	dir := t.TempDir()
	def, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	specPath := filepath.Join(dir, "spec.json")
	writeFile(t, specPath, []byte(goodSpec))
	modelPath := filepath.Join(dir, "m.onnx")

	spec, err := OpenSpec(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Model != modelPath {
		t.Errorf("model path %s, want %s (relative to the spec)", spec.Model, modelPath)
	}
	if _, err := New(spec, Options{}); err == nil || !strings.Contains(err.Error(), modelPath) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing model: error %v", err)
	}
	writeFile(t, modelPath, []byte("this is not a network"))
	if _, err := New(spec, Options{}); err == nil || !strings.Contains(err.Error(), modelPath) || !strings.HasPrefix(err.Error(), "vision: ") {
		t.Errorf("garbage model: error %v", err)
	}
	writeFile(t, modelPath, def.ModelData)
	e, err := New(spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Dim() != 96*9 {
		t.Errorf("Dim() = %d, want %d", e.Dim(), 96*9)
	}
	bad := spec
	bad.Outputs = []OutputSpec{{Layer: "no_such_layer"}}
	if _, err := New(bad, Options{}); err == nil || !strings.Contains(err.Error(), modelPath) {
		t.Errorf("unknown layer: error %v", err)
	}
	tooFine := spec
	tooFine.Outputs = []OutputSpec{{Layer: "block_12_add", Pool: PoolGrid, Grid: 15}}
	if _, err := New(tooFine, Options{}); err == nil || !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "too small for a 15x15 grid") {
		t.Errorf("grid finer than the map: error %v", err)
	}
}

func TestBundleChecksum(t *testing.T) {
	def, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	manifest, err := os.ReadFile("../models/default/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "manifest.json"), manifest)
	writeFile(t, filepath.Join(dir, "cnn.onnx"), def.ModelData)
	if _, err := OpenSpec(dir); err != nil {
		t.Fatalf("copy of the default bundle: %v", err)
	}
	corrupt := bytes.Clone(def.ModelData)
	corrupt[len(corrupt)/2] ^= 1
	writeFile(t, filepath.Join(dir, "cnn.onnx"), corrupt)
	if _, err := OpenSpec(dir); !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "cnn.onnx") {
		t.Errorf("corrupt bundle: error %v, want a checksum error naming cnn.onnx", err)
	}
}

// TestDarknetSpec runs a one-layer Darknet network (a 1x1 convolution) from
// a cfg and weights file, and checks its output against the arithmetic.
func TestDarknetSpec(t *testing.T) {
	dir := t.TempDir()
	cfg := "[net]\nwidth=8\nheight=8\nchannels=3\n\n[convolutional]\nfilters=2\nsize=1\nstride=1\npad=0\nactivation=linear\n"
	writeFile(t, filepath.Join(dir, "tiny.cfg"), []byte(cfg))
	var w bytes.Buffer
	binary.Write(&w, binary.LittleEndian, []int32{0, 2, 0}) // major, minor, revision
	binary.Write(&w, binary.LittleEndian, uint64(0))        // images seen
	bias := []float32{0.5, -1}
	kernel := []float32{1, 2, 3, -1, 0, 1} // (out, in)
	binary.Write(&w, binary.LittleEndian, bias)
	binary.Write(&w, binary.LittleEndian, kernel)
	writeFile(t, filepath.Join(dir, "tiny.weights"), w.Bytes())
	spec := `{"format": "darknet", "model": "tiny.weights", "config": "tiny.cfg",
	 "input": {"width": 8, "height": 8, "channels": "bgr", "scale": 0.1},
	 "outputs": [{"layer": "conv_0", "pool": "global"}]}`
	writeFile(t, filepath.Join(dir, "spec.json"), []byte(spec))
	s, err := LoadSpec(filepath.Join(dir, "spec.json"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// A uniform 16x16 frame of RGB (10, 20, 30): network channels are B, G, R
	// scaled by 0.1, i.e. (3, 2, 1).
	f := media.Frame{Width: 16, Height: 16, Pix: bytes.Repeat([]byte{10, 20, 30}, 256)}
	v, err := e.Features(context.Background(), []media.Frame{f})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5 + 1*3 + 2*2 + 3*1, -1 - 1*3 + 0*2 + 1*1}
	for i := range want {
		if math.Abs(float64(v[0][i])-want[i]) > 1e-5 {
			t.Errorf("output %d = %g, want %g", i, v[0][i], want[i])
		}
	}
}
