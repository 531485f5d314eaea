package convert

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// jsLiteral writes v the way a minifier does: bare keys, !0/!1 for booleans,
// numbers without a leading zero.
func jsLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		if x {
			return "!0"
		}
		return "!1"
	case int:
		return strconv.Itoa(x)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		s = strings.Replace(s, "0.", ".", 1)
		if strings.HasPrefix(s, "-.") || strings.HasPrefix(s, ".") || !strings.HasPrefix(s, "0") {
			return s
		}
		return s
	case string:
		return strconv.Quote(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = jsLiteral(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + jsLiteral(x[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	panic(fmt.Sprintf("jsLiteral: %T", v))
}

type obj = map[string]any
type arr = []any

// tinyLayer is one layer of the synthetic model: name, class, config and inputs.
func tinyLayer(name, class string, cfg obj, inputs ...string) obj {
	cfg["name"] = name
	cfg["trainable"] = false
	nodes := arr{}
	if len(inputs) > 0 {
		node := arr{}
		for _, in := range inputs {
			node = append(node, arr{in, 0, 0, obj{}})
		}
		nodes = arr{node}
	}
	return obj{"name": name, "class_name": class, "config": cfg, "inbound_nodes": nodes}
}

// tinyPackage writes an npm-style tarball holding a small TF.js layers model
// in nsfwjs's layout (model.min.js and a base64 shard in a .min.js wrapper,
// uint8-quantised weights) that uses every layer class the converter knows.
func tinyPackage(t *testing.T, r *rand.Rand) []byte {
	t.Helper()
	f := func(x float64) float64 { return x }
	layers := arr{
		tinyLayer("input_1", "InputLayer", obj{"batch_input_shape": arr{nil, 9, 9, 3}, "dtype": "float32", "sparse": false}),
		tinyLayer("pad", "ZeroPadding2D", obj{"padding": arr{arr{0, 1}, arr{0, 1}}, "data_format": "channels_last"}, "input_1"),
		tinyLayer("conv1", "Conv2D", obj{"filters": 4, "kernel_size": arr{3, 3}, "strides": arr{2, 2}, "padding": "valid", "data_format": "channels_last", "dilation_rate": arr{1, 1}, "activation": "linear", "use_bias": false}, "pad"),
		tinyLayer("bn1", "BatchNormalization", obj{"axis": -1, "epsilon": f(.001), "center": true, "scale": true}, "conv1"),
		tinyLayer("relu1", "ReLU", obj{"max_value": 6, "negative_slope": 0, "threshold": 0}, "bn1"),
		tinyLayer("dw", "DepthwiseConv2D", obj{"kernel_size": arr{3, 3}, "strides": arr{1, 1}, "padding": "same", "data_format": "channels_last", "dilation_rate": arr{1, 1}, "activation": "linear", "use_bias": false, "depth_multiplier": 2}, "relu1"),
		tinyLayer("bn2", "BatchNormalization", obj{"axis": -1, "epsilon": f(.001), "center": true, "scale": true}, "dw"),
		tinyLayer("relu2", "ReLU", obj{"max_value": 6, "negative_slope": 0, "threshold": 0}, "bn2"),
		tinyLayer("proj", "Conv2D", obj{"filters": 4, "kernel_size": arr{1, 1}, "strides": arr{1, 1}, "padding": "same", "data_format": "channels_last", "dilation_rate": arr{1, 1}, "activation": "linear", "use_bias": true}, "relu2"),
		tinyLayer("bn3", "BatchNormalization", obj{"axis": -1, "epsilon": f(.001), "center": true, "scale": true}, "proj"),
		tinyLayer("add", "Add", obj{}, "relu1", "bn3"),
		tinyLayer("conv2", "Conv2D", obj{"filters": 6, "kernel_size": arr{2, 2}, "strides": arr{1, 1}, "padding": "same", "data_format": "channels_last", "dilation_rate": arr{1, 1}, "activation": "relu", "use_bias": true}, "add"),
		tinyLayer("gap", "GlobalAveragePooling2D", obj{"data_format": "channels_last"}, "add"),
		tinyLayer("pool", "AveragePooling2D", obj{"pool_size": arr{4, 4}, "strides": arr{4, 4}, "padding": "valid", "data_format": "channels_last"}, "conv2"),
		tinyLayer("flat", "Flatten", obj{"data_format": "channels_last"}, "pool"),
		tinyLayer("dense1", "Dense", obj{"units": 5, "activation": "relu", "use_bias": true}, "flat"),
		tinyLayer("drop", "Dropout", obj{"rate": f(.5)}, "dense1"),
		tinyLayer("dense2", "Dense", obj{"units": 3, "activation": "softmax", "use_bias": true}, "drop"),
	}
	weights := []struct {
		name  string
		shape []int
		lo    float64
		hi    float64
	}{
		{"conv1/kernel", []int{3, 3, 3, 4}, -1, 1},
		{"bn1/gamma", []int{4}, 0.5, 1.5}, {"bn1/beta", []int{4}, -0.5, 0.5}, {"bn1/moving_mean", []int{4}, -0.3, 0.3}, {"bn1/moving_variance", []int{4}, 0.2, 2},
		{"dw/depthwise_kernel", []int{3, 3, 4, 2}, -1, 1},
		{"bn2/gamma", []int{8}, 0.5, 1.5}, {"bn2/beta", []int{8}, -0.5, 0.5}, {"bn2/moving_mean", []int{8}, -0.3, 0.3}, {"bn2/moving_variance", []int{8}, 0.2, 2},
		{"proj/kernel", []int{1, 1, 8, 4}, -1, 1}, {"proj/bias", []int{4}, -0.2, 0.2},
		{"bn3/gamma", []int{4}, 0.5, 1.5}, {"bn3/beta", []int{4}, -0.5, 0.5}, {"bn3/moving_mean", []int{4}, -0.3, 0.3}, {"bn3/moving_variance", []int{4}, 0.2, 2},
		{"conv2/kernel", []int{2, 2, 4, 6}, -1, 1}, {"conv2/bias", []int{6}, -0.2, 0.2},
		{"dense1/kernel", []int{6, 5}, -1, 1}, {"dense1/bias", []int{5}, -0.2, 0.2},
		{"dense2/kernel", []int{5, 3}, -1, 1}, {"dense2/bias", []int{3}, -0.2, 0.2},
	}
	var shard []byte
	var specs arr
	r.Shuffle(len(weights), func(i, j int) { weights[i], weights[j] = weights[j], weights[i] })
	for _, w := range weights {
		n := 1
		shape := arr{}
		for _, d := range w.shape {
			n *= d
			shape = append(shape, d)
		}
		scale := (w.hi - w.lo) / 255
		for range n {
			shard = append(shard, byte(r.IntN(256)))
		}
		specs = append(specs, obj{"name": w.name, "shape": shape, "dtype": "float32",
			"quantization": obj{"min": w.lo, "scale": scale, "dtype": "uint8"}})
	}
	model := obj{
		"modelTopology": obj{"keras_version": "2.2.4", "backend": "tensorflow", "model_config": obj{
			"class_name": "Model",
			"config":     obj{"name": "tiny", "layers": layers, "input_layers": arr{arr{"input_1", 0, 0}}, "output_layers": arr{arr{"dense2", 0, 0}}},
		}},
		"weightsManifest": arr{obj{"paths": arr{"group1-shard1of1"}, "weights": specs}},
	}
	umd := `!function(e){if("object"==typeof exports&&"undefined"!=typeof module)module.exports=e();else{(this).model=e()}}(function(){return function e(a,n,i){return n}({1:[function(e,a,n){a.exports=%s},{}]},{},[1])(1)});`
	files := map[string]string{
		"package/package.json":                             `{"name":"tiny","version":"1.0.0","license":"MIT"}`,
		"package/dist/models/tiny/model.min.js":            fmt.Sprintf(umd, jsLiteral(model)),
		"package/dist/models/tiny/group1-shard1of1.min.js": fmt.Sprintf(umd, strconv.Quote(base64.StdEncoding.EncodeToString(shard))),
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	names := []string{"package/package.json", "package/dist/models/tiny/model.min.js", "package/dist/models/tiny/group1-shard1of1.min.js"}
	for _, name := range names {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestConvertTinyModel converts the synthetic model and compares OpenCV's
// outputs for several layers with a direct Go evaluation of the Keras layers.
func TestConvertTinyModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tgz := tinyPackage(t, r)
	m, err := ReadPackageModel(bytes.NewReader(tgz), "package/dist/models/tiny")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 18 || len(m.Weights) != 22 || m.Outputs[0] != "dense2" {
		t.Fatalf("read %d layers, %d weights, outputs %v; want 18, 22, [dense2]", len(m.Layers), len(m.Weights), m.Outputs)
	}
	if q := m.Weights["conv1/kernel"].Data; len(q) != 108 {
		t.Fatalf("conv1/kernel has %d values, want 108", len(q))
	}
	outputs := []string{"dense2", "add", "gap", "conv2", "relu1"}
	heads := []Head{{Layer: "relu2", Op: "max"}, {Layer: "relu2", Op: "mean"},
		{Layer: "relu2", Op: "max", Grid: 2}, {Layer: "relu2", Op: "mean", Grid: 3}}
	onnx, info, err := Convert(m, Options{Outputs: outputs, Heads: heads})
	if err != nil {
		t.Fatal(err)
	}
	wantShapes := map[string][]int{"relu2/global_max": {1, 8, 1, 1}, "relu2/global_mean": {1, 8, 1, 1}, "relu2/grid2_max": {1, 8, 2, 2}, "relu2/grid3_mean": {1, 8, 3, 3}, "dense2": {1, 3}, "add": {1, 4, 4, 4}, "gap": {1, 4}, "conv2": {1, 6, 4, 4}, "relu1": {1, 4, 4, 4}}
	for _, o := range info {
		if fmt.Sprint(o.Shape) != fmt.Sprint(wantShapes[o.Layer]) {
			t.Errorf("output %s: shape %v, want %v", o.Layer, o.Shape, wantShapes[o.Layer])
		}
	}
	net, err := gocv.ReadNetFromONNXBytes(onnx)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	for trial := range 3 {
		x := hwc{h: 9, w: 9, c: 3, v: make([]float64, 9*9*3)}
		blob := gocv.NewMatWithSizes([]int{1, 3, 9, 9}, gocv.MatTypeCV32F)
		data, _ := blob.DataPtrFloat32()
		for i := range x.v {
			x.v[i] = r.Float64()
			y, xx, c := i/27, i/3%9, i%3
			data[c*81+y*9+xx] = float32(x.v[i])
		}
		ref, err := evalKeras(m, x)
		if err != nil {
			t.Fatal(err)
		}
		// The heads: per-channel maximum and mean of relu2.
		r2 := ref["relu2"]
		hmax, hmean := hwc{h: 1, w: 1, c: r2.c, v: make([]float64, r2.c)}, hwc{h: 1, w: 1, c: r2.c, v: make([]float64, r2.c)}
		for i, v := range r2.v {
			hmax.v[i%r2.c] = math.Max(hmax.v[i%r2.c], v) // ReLU6: never below 0
			hmean.v[i%r2.c] += v / float64(r2.h*r2.w)
		}
		ref["relu2/global_max"], ref["relu2/global_mean"] = hmax, hmean
		// The grid heads: maximum over 2x2 cells of 2x2 pixels, mean over
		// 3x3 cells of 2x2 pixels that overlap by one (4 = 2+2 = 1+2+1).
		ref["relu2/grid2_max"] = gridPool(r2, 2, true)
		ref["relu2/grid3_mean"] = gridPool(r2, 3, false)
		outputs := append(outputs, "relu2/global_max", "relu2/global_mean", "relu2/grid2_max", "relu2/grid3_mean")
		net.SetInput(blob, "")
		outs := net.ForwardLayers(outputs)
		for k, name := range outputs {
			got, _ := outs[k].DataPtrFloat32()
			want := ref[name]
			if len(got) != len(want.v) {
				t.Fatalf("trial %d, %s: %d values, want %d", trial, name, len(got), len(want.v))
			}
			worst, scale := 0.0, 0.0
			for i := range want.v {
				y, xx, c := i/(want.w*want.c), i/want.c%want.w, i%want.c
				g := float64(got[(c*want.h+y)*want.w+xx])
				worst = math.Max(worst, math.Abs(g-want.v[i]))
				scale = math.Max(scale, math.Abs(want.v[i]))
			}
			if worst > 1e-4*math.Max(1, scale) || scale == 0 {
				t.Errorf("trial %d, %s: max abs diff %.3g (largest value %.3g)", trial, name, worst, scale)
			}
			outs[k].Close()
		}
		blob.Close()
	}
}

// gridPool pools x over a g x g grid of vision's cells (cell i of g over n
// spans [i*n/g, ceil((i+1)*n/g))), by the maximum or the mean.
func gridPool(x hwc, g int, useMax bool) hwc {
	out := hwc{h: g, w: g, c: x.c, v: make([]float64, g*g*x.c)}
	for gy := range g {
		y0, y1 := gy*x.h/g, ((gy+1)*x.h+g-1)/g
		for gx := range g {
			x0, x1 := gx*x.w/g, ((gx+1)*x.w+g-1)/g
			for c := range x.c {
				acc := math.Inf(-1)
				if !useMax {
					acc = 0
				}
				for y := y0; y < y1; y++ {
					for xx := x0; xx < x1; xx++ {
						v := x.v[(y*x.w+xx)*x.c+c]
						if useMax {
							acc = math.Max(acc, v)
						} else {
							acc += v / float64((y1-y0)*(x1-x0))
						}
					}
				}
				out.v[(gy*g+gx)*x.c+c] = acc
			}
		}
	}
	return out
}

func TestGridWindow(t *testing.T) {
	cases := []struct {
		g, n, kernel, stride int
		ok                   bool
	}{
		{3, 112, 38, 37, true}, {4, 112, 28, 28, true}, {1, 112, 112, 112, true}, {2, 4, 2, 2, true}, {3, 4, 2, 1, true},
		{3, 14, 0, 0, false}, {3, 5, 0, 0, false}, {5, 4, 0, 0, false}, {0, 4, 0, 0, false},
	}
	for _, c := range cases {
		k, s, ok := gridWindow(c.g, c.n)
		if ok != c.ok || ok && (k != c.kernel || s != c.stride) {
			t.Errorf("gridWindow(%d, %d) = %d, %d, %v; want %d, %d, %v", c.g, c.n, k, s, ok, c.kernel, c.stride, c.ok)
		}
	}
}

// TestConvertTruncates checks that a mid-level output keeps only the layers
// it needs.
func TestConvertTruncates(t *testing.T) {
	m, err := ReadPackageModel(bytes.NewReader(tinyPackage(t, rand.New(rand.NewPCG(3, 4)))), "package/dist/models/tiny")
	if err != nil {
		t.Fatal(err)
	}
	full, _, err := Convert(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	part, info, err := Convert(m, Options{Outputs: []string{"relu1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(part) >= len(full) || len(info) != 1 || bytes.Contains(part, []byte("dense1")) || !bytes.Contains(full, []byte("dense1")) {
		t.Errorf("truncated model: %d bytes vs %d in full, outputs %v, mentions dense1: %v", len(part), len(full), info, bytes.Contains(part, []byte("dense1")))
	}
	again, _, _ := Convert(m, Options{Outputs: []string{"relu1"}})
	if !bytes.Equal(part, again) {
		t.Error("two conversions differ")
	}
}

func TestConvertErrors(t *testing.T) {
	m, err := ReadPackageModel(bytes.NewReader(tinyPackage(t, rand.New(rand.NewPCG(5, 6)))), "package/dist/models/tiny")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		edit    func(m *Model)
		outputs []string
		want    string
	}{
		{"unknown output", func(*Model) {}, []string{"nope"}, `no layer "nope"`},
		{"head on padding", func(*Model) {}, []string{"head:pad"}, "head on pad: not a feature map"},
		{"padding as output", func(*Model) {}, []string{"pad"}, "output pad is not computed by a node of its own"},
		{"grid head too fine", func(*Model) {}, []string{"head:relu2/5"}, "head relu2/grid5_max: a 5x5 grid over a 4x4 map"},
		{"unsupported class", func(m *Model) { m.Layers[4].ClassName = "LeakyReLU" }, nil, "layer relu1 (LeakyReLU): layer class not supported"},
		{"missing weight", func(m *Model) { delete(m.Weights, "bn2/gamma") }, nil, "weight bn2/gamma missing"},
		{"wrong shape", func(m *Model) { m.Weights["proj/bias"] = Tensor{Shape: []int{5}, Data: make([]float32, 5)} }, nil, "weight proj/bias has shape [5], want [4]"},
		{"bad activation", func(m *Model) { m.Layers[11].Config.Activation = "tanh" }, nil, `activation "tanh" not supported`},
		{"channels first", func(m *Model) { m.Layers[2].Config.DataFormat = "channels_first" }, nil, `data format "channels_first"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mm := *m
			mm.Layers = append([]Layer(nil), m.Layers...)
			mm.Weights = map[string]Tensor{}
			for k, v := range m.Weights {
				mm.Weights[k] = v
			}
			c.edit(&mm)
			opts := Options{Outputs: c.outputs}
			if len(c.outputs) == 1 && strings.HasPrefix(c.outputs[0], "head:") {
				layer, grid, _ := strings.Cut(strings.TrimPrefix(c.outputs[0], "head:"), "/")
				g, _ := strconv.Atoi(grid)
				opts = Options{Heads: []Head{{Layer: layer, Op: "max", Grid: g}}}
			}
			_, _, err := Convert(&mm, opts)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "convert: ") {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
			}
		})
	}
}
