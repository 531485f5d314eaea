package convert

// Tests of ParseGraphModel and ConvertGraph on a tiny TF.js graph model
// built here, in the JSON format tfjs-converter writes (as in
// @vladmandic/human's centernet.json), with random weights stored as
// float32, float16, uint8 and uint16 and int32 constants. The converted ONNX
// runs through OpenCV and is compared with a direct float64 evaluation of
// the TensorFlow ops in NHWC (evalGraph), which shares no code with
// graphconv.go.
//
// Shapes: H, W = input height and width (16 by default), C = channels.

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// gnode is one NodeDef of the test graph. The typed fields are what the
// reference evaluator reads; graphSpec.model writes them as TF.js does.
type gnode struct {
	name, op string
	in       []string
	stride   int      // convolutions and MaxPool (1 when 0)
	pad      string   // "SAME" or "VALID"
	fused    []string // _FusedConv2D, FusedDepthwiseConv2dNative
	eps      float64  // FusedBatchNorm's epsilon
	ksize    int      // MaxPool
	attr     obj      // further attributes, written as given (and overriding)
}

// gconst is a Const node and its value. Float values are chosen so that
// the stored form holds them exactly (float16: k/1024 times a power of two;
// float32: rounded to float32; uint8/uint16: min + q*scale).
type gconst struct {
	name  string
	shape []int
	f     []float64 // float values, in TensorFlow's layout
	ints  []int64   // int32 values
	store string    // "f32", "f16", "u8", "u16" or "i32"
	q     []int     // quantised values (u8, u16)
	min   float64   // quantisation (u8, u16)
	scale float64
	dtype string // the manifest's dtype when not the usual one
}

// graphSpec is a whole test graph: an input Placeholder "images" of
// (1, h, w, c), nodes and constants.
type graphSpec struct {
	h, w, c int
	nodes   []*gnode
	consts  []*gconst
	byName  map[string]*gconst
}

func (s *graphSpec) node(name, op string, in ...string) *gnode {
	n := &gnode{name: name, op: op, in: in, stride: 1, pad: "SAME"}
	s.nodes = append(s.nodes, n)
	return n
}

func (s *graphSpec) find(name string) *gnode {
	for _, n := range s.nodes {
		if n.name == name {
			return n
		}
	}
	panic("no test node " + name)
}

func (s *graphSpec) addConst(c *gconst) string {
	if s.byName == nil {
		s.byName = map[string]*gconst{}
	}
	s.consts = append(s.consts, c)
	s.byName[c.name] = c
	return c.name
}

// floats adds a float constant of the given shape stored as store, with
// values in about [lo, hi] (float16: [-amp, amp] with amp = hi, a power of
// two, and lo ignored).
func (s *graphSpec) floats(r *rand.Rand, name, store string, lo, hi float64, shape ...int) string {
	n := 1
	for _, d := range shape {
		n *= d
	}
	c := &gconst{name: name, shape: shape, f: make([]float64, n), store: store}
	switch store {
	case "f16":
		for i := range c.f {
			c.f[i] = float64(r.IntN(2049)-1024) / 1024 * hi
		}
	case "f32":
		for i := range c.f {
			c.f[i] = float64(float32(lo + (hi-lo)*r.Float64()))
		}
	case "u8", "u16":
		levels := 255
		if store == "u16" {
			levels = 65535
		}
		c.min, c.scale = lo, (hi-lo)/float64(levels)
		c.q = make([]int, n)
		for i := range c.f {
			c.q[i] = r.IntN(levels + 1)
			c.f[i] = c.min + float64(c.q[i])*c.scale
		}
	default:
		panic("store " + store)
	}
	return s.addConst(c)
}

// value adds a float32 constant with the given values.
func (s *graphSpec) value(name string, shape []int, v ...float64) string {
	c := &gconst{name: name, shape: shape, store: "f32"}
	for _, x := range v {
		c.f = append(c.f, float64(float32(x)))
	}
	return s.addConst(c)
}

func (s *graphSpec) int32s(name string, shape []int, v ...int64) string {
	return s.addConst(&gconst{name: name, shape: shape, ints: v, store: "i32"})
}

// tinyGraph builds the test network (input 1x16x16x3), using every op
// ConvertGraph maps:
//
//	conv1    _FusedConv2D 3x3/2 SAME, BiasAdd+Relu6     (8, 8, 8)
//	hs/*     hard swish: x*(1/6) * Relu6(x+3)            (8, 8, 8)
//	dw1      FusedDepthwiseConv2dNative 3x3, BiasAdd+Relu
//	se/*     Mean[1,2] -> 1x1 BiasAdd+Relu -> 1x1 VALID BiasAdd -> Sigmoid -> Mul(map, factor)
//	proj     _FusedConv2D 1x1, FusedBatchNorm
//	res      AddV2 (residual)                            (8, 8, 8)
//	dw2      DepthwiseConv2dNative 3x3/2, multiplier 2   (4, 4, 16)
//	up       ResizeBilinear to 8x8 of Relu(dw2)          (8, 8, 16)
//	cat      ConcatV2 axis 3 (res, up)                   (8, 8, 24)
//	head     Conv2D 3x3 no bias, per-channel Mul and Add (8, 8, 6)
//	se2/*    Mean -> 1x1 Conv2D -> Sigmoid -> Mul(factor, map)
//	pool     MaxPool 3x3/1 SAME
//	cat2     ConcatV2 axis -1 (pool, up)                 (8, 8, 22)
//	keypoints Identity of Sigmoid of a VALID 1x1 conv   (8, 8, 5)
//	wh       _FusedConv2D 3x3 BiasAdd+Relu on cat        (8, 8, 4)
//	tail     MaxPool, Equal, TopKV2: never converted
func tinyGraph(r *rand.Rand) *graphSpec {
	s := &graphSpec{h: 16, w: 16, c: 3}
	s.node("images", "Placeholder")
	conv1 := s.node("conv1", "_FusedConv2D", "images",
		s.floats(r, "conv1/weights", "f16", 0, 0.5, 3, 3, 3, 8), s.floats(r, "conv1/bias", "f32", -0.5, 0.5, 8))
	conv1.stride, conv1.fused = 2, []string{"BiasAdd", "Relu6"}
	s.node("hs/mul", "Mul", s.value("hs/mul/y", nil, 1.0/6), "conv1")
	s.node("hs/add", "Add", "conv1", s.value("hs/add/y", nil, 3))
	s.node("hs/relu6", "Relu6", "hs/add")
	s.node("hs/mul_1", "Mul", "hs/mul", "hs/relu6")
	dw1 := s.node("dw1", "FusedDepthwiseConv2dNative", "hs/mul_1",
		s.floats(r, "dw1/weights", "f16", 0, 0.5, 3, 3, 8, 1), s.floats(r, "dw1/bias", "f16", 0, 0.25, 8))
	dw1.fused = []string{"BiasAdd", "Relu"}
	s.node("se/mean", "Mean", "dw1", s.int32s("se/mean/reduction_indices", []int{2}, 1, 2)).attr = obj{"keep_dims": obj{"b": true}}
	fc1 := s.node("se/fc1", "_FusedConv2D", "se/mean", s.floats(r, "se/fc1/weights", "f32", -1, 1, 1, 1, 8, 4), s.floats(r, "se/fc1/bias", "f32", -0.2, 0.2, 4))
	fc1.fused, fc1.pad = []string{"BiasAdd", "Relu"}, "VALID"
	fc2 := s.node("se/fc2", "_FusedConv2D", "se/fc1", s.floats(r, "se/fc2/weights", "f16", 0, 1, 1, 1, 4, 8), s.floats(r, "se/fc2/bias", "f16", 0, 0.5, 8))
	fc2.fused, fc2.pad = []string{"BiasAdd"}, "VALID"
	s.node("se/sig", "Sigmoid", "se/fc2")
	s.node("se/mul", "Mul", "dw1", "se/sig")
	proj := s.node("proj", "_FusedConv2D", "se/mul", s.floats(r, "proj/weights", "f32", -0.5, 0.5, 1, 1, 8, 8),
		s.floats(r, "proj/scale", "f32", 0.5, 1.5, 8), s.floats(r, "proj/offset", "f32", -0.5, 0.5, 8),
		s.floats(r, "proj/mean", "f32", -0.3, 0.3, 8), s.floats(r, "proj/variance", "f32", 0.2, 2, 8))
	proj.fused, proj.eps = []string{"FusedBatchNorm"}, 0.001
	s.node("res", "AddV2", "proj", "hs/mul_1")
	dw2 := s.node("dw2", "DepthwiseConv2dNative", "res", s.floats(r, "dw2/weights", "f16", 0, 0.5, 3, 3, 8, 2))
	dw2.stride = 2
	s.node("dw2/relu", "Relu", "dw2")
	s.node("up", "ResizeBilinear", "dw2/relu", s.int32s("up/size", []int{2}, 8, 8))
	s.node("cat", "ConcatV2", "res:0", "up", s.int32s("cat/axis", nil, 3))
	s.node("head", "Conv2D", "cat", s.floats(r, "head/weights", "u8", -0.25, 0.25, 3, 3, 24, 6))
	s.node("head/scale", "Mul", "head", s.floats(r, "head/scale/y", "f32", 0.5, 2, 6))
	s.node("head/shift", "Add", s.floats(r, "head/shift/y", "f16", 0, 1, 6), "head/scale")
	s.node("se2/mean", "Mean", "head/shift", s.int32s("se2/axes", []int{2}, 2, 1)).attr = obj{"keep_dims": obj{"b": true}}
	s.node("se2/fc", "Conv2D", "se2/mean", s.floats(r, "se2/fc/weights", "u16", -1, 1, 1, 1, 6, 6))
	s.node("se2/sig", "Sigmoid", "se2/fc")
	s.node("se2/mul", "Mul", "se2/sig", "head/shift")
	s.node("pool", "MaxPool", "se2/mul").ksize = 3
	s.node("cat2", "ConcatV2", "pool", "up", s.int32s("cat2/axis", nil, -1))
	kp := s.node("kp/conv", "_FusedConv2D", "cat2", s.floats(r, "kp/weights", "f16", 0, 0.5, 1, 1, 22, 5), s.floats(r, "kp/bias", "f32", -1, 1, 5))
	kp.fused, kp.pad = []string{"BiasAdd"}, "VALID"
	s.node("kp/sig", "Sigmoid", "kp/conv")
	s.node("keypoints", "Identity", "kp/sig", "^se2/axes")
	wh := s.node("wh", "_FusedConv2D", "cat", s.floats(r, "wh/weights", "f16", 0, 0.25, 3, 3, 24, 4), s.floats(r, "wh/bias", "f16", 0, 0.5, 4))
	wh.fused = []string{"BiasAdd", "Relu"}
	// The post-processing tail, which OpenCV cannot run.
	s.node("tail/pool", "MaxPool", "keypoints").ksize = 3
	s.node("tail/equal", "Equal", "keypoints", "tail/pool")
	s.node("topk", "TopKV2", "keypoints", s.int32s("topk/k", nil, 10))
	s.node("detections", "Identity", "topk:1")
	return s
}

// tinyOutputs are the outputs the tests ask for: an Identity, a fused
// convolution and a map that other nodes also read.
var tinyOutputs = []string{"keypoints", "wh", "res"}

// b64 is a string attribute's bytes as TF.js's JSON holds them.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func listInts(v ...int) obj {
	a := arr{}
	for _, x := range v {
		a = append(a, strconv.Itoa(x))
	}
	return obj{"list": obj{"i": a}}
}

func tensorShape(shape []int) obj {
	if len(shape) == 0 {
		return obj{}
	}
	dims := arr{}
	for _, d := range shape {
		dims = append(dims, obj{"size": strconv.Itoa(d)})
	}
	return obj{"dim": dims}
}

// halfBits encodes v, which float16 holds exactly (a normal number or 0).
func halfBits(v float64) uint16 {
	if v == 0 {
		return 0
	}
	var sign uint16
	if v < 0 {
		sign, v = 0x8000, -v
	}
	frac, exp := math.Frexp(v) // v = frac * 2^exp, frac in [0.5, 1)
	e := exp - 1 + 15
	m := (frac*2 - 1) * 1024
	if e < 1 || e > 30 || m != math.Trunc(m) {
		panic(fmt.Sprintf("halfBits: %g is not a normal float16", v))
	}
	return sign | uint16(e)<<10 | uint16(m)
}

// graphFiles is a written test model: model.json and its shards.
type graphFiles struct {
	model  []byte
	shards map[string][]byte
}

func (f graphFiles) open(name string) ([]byte, error) {
	b, ok := f.shards[name]
	if !ok {
		return nil, fmt.Errorf("no shard %s", name)
	}
	return b, nil
}

// files writes s as TF.js does: the nodes in an order shuffled by r
// (GraphDefs need not be sorted), the constants in a shuffled order split
// over two weight groups, the first in two shards; with oneShard, all in
// one group and one shard "weights.bin".
func (s *graphSpec) files(r *rand.Rand, oneShard bool) graphFiles {
	var nodes arr
	for _, n := range s.nodes {
		a := obj{"T": obj{"type": "DT_FLOAT"}}
		switch n.op {
		case "Placeholder":
			a = obj{"dtype": obj{"type": "DT_FLOAT"}, "shape": obj{"shape": tensorShape([]int{1, s.h, s.w, s.c})}}
		case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative":
			a["strides"] = listInts(1, n.stride, n.stride, 1)
			a["dilations"] = listInts(1, 1, 1, 1)
			a["padding"] = obj{"s": b64(n.pad)}
			a["data_format"] = obj{"s": b64("NHWC")}
			a["explicit_paddings"] = obj{"list": obj{}}
			if n.fused != nil {
				fs := arr{}
				for _, f := range n.fused {
					fs = append(fs, b64(f))
				}
				a["fused_ops"] = obj{"list": obj{"s": fs}}
				a["num_args"] = obj{"i": strconv.Itoa(len(n.in) - 2)}
				a["epsilon"] = obj{"f": n.eps}
			}
		case "MaxPool":
			a["ksize"] = listInts(1, n.ksize, n.ksize, 1)
			a["strides"] = listInts(1, n.stride, n.stride, 1)
			a["padding"] = obj{"s": b64(n.pad)}
			a["data_format"] = obj{"s": b64("NHWC")}
			a["explicit_paddings"] = obj{"list": obj{}}
		case "Mean":
			a["Tidx"] = obj{"type": "DT_INT32"}
		case "ResizeBilinear":
			a["align_corners"] = obj{"b": false}
			a["half_pixel_centers"] = obj{"b": false}
		case "ConcatV2":
			a["N"] = obj{"i": strconv.Itoa(len(n.in) - 1)}
			a["Tidx"] = obj{"type": "DT_INT32"}
		}
		for k, v := range n.attr {
			a[k] = v
		}
		node := obj{"name": n.name, "op": n.op, "attr": a}
		if len(n.in) > 0 {
			in := arr{}
			for _, x := range n.in {
				in = append(in, x)
			}
			node["input"] = in
		}
		nodes = append(nodes, node)
	}
	consts := slices.Clone(s.consts)
	r.Shuffle(len(consts), func(i, j int) { consts[i], consts[j] = consts[j], consts[i] })
	var groups [2][]byte
	var specs [2]arr
	for i, c := range consts {
		g := i % 2
		if oneShard {
			g = 0
		}
		dt, tdt := "float32", "DT_FLOAT"
		spec := obj{"name": c.name, "shape": arr{}}
		for _, d := range c.shape {
			spec["shape"] = append(spec["shape"].(arr), d)
		}
		switch c.store {
		case "i32":
			dt, tdt = "int32", "DT_INT32"
			for _, v := range c.ints {
				groups[g] = binary.LittleEndian.AppendUint32(groups[g], uint32(int32(v)))
			}
		case "f32":
			for _, v := range c.f {
				groups[g] = binary.LittleEndian.AppendUint32(groups[g], math.Float32bits(float32(v)))
			}
		case "f16":
			spec["quantization"] = obj{"dtype": "float16", "original_dtype": "float32"}
			for _, v := range c.f {
				groups[g] = binary.LittleEndian.AppendUint16(groups[g], halfBits(v))
			}
		case "u8", "u16":
			spec["quantization"] = obj{"dtype": map[string]string{"u8": "uint8", "u16": "uint16"}[c.store], "min": c.min, "scale": c.scale, "original_dtype": "float32"}
			for _, q := range c.q {
				if c.store == "u8" {
					groups[g] = append(groups[g], byte(q))
				} else {
					groups[g] = binary.LittleEndian.AppendUint16(groups[g], uint16(q))
				}
			}
		}
		spec["dtype"] = dt
		if c.dtype != "" {
			spec["dtype"] = c.dtype
		}
		specs[g] = append(specs[g], spec)
		nodes = append(nodes, obj{"name": c.name, "op": "Const", "attr": obj{
			"dtype": obj{"type": tdt},
			"value": obj{"tensor": obj{"dtype": tdt, "tensorShape": tensorShape(c.shape)}},
		}})
	}
	r.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	f := graphFiles{shards: map[string][]byte{}}
	var manifest arr
	if oneShard {
		f.shards["weights.bin"] = groups[0]
		manifest = arr{obj{"paths": arr{"weights.bin"}, "weights": specs[0]}}
	} else {
		half := len(groups[0]) / 2
		f.shards["group1-shard1of2.bin"] = groups[0][:half]
		f.shards["group1-shard2of2.bin"] = groups[0][half:]
		f.shards["group2-shard1of1.bin"] = groups[1]
		manifest = arr{
			obj{"paths": arr{"group1-shard1of2.bin", "group1-shard2of2.bin"}, "weights": specs[0]},
			obj{"paths": arr{"group2-shard1of1.bin"}, "weights": specs[1]},
		}
	}
	sig := func(name string, shape ...int) obj {
		return obj{"name": name, "dtype": "DT_FLOAT", "tensorShape": tensorShape(shape)}
	}
	model := obj{
		"format":      "graph-model",
		"generatedBy": "test",
		"convertedBy": "TensorFlow.js Converter v1.7.0",
		"signature": obj{
			"inputs":  obj{"images": sig("images", 1, s.h, s.w, s.c)},
			"outputs": obj{"keypoints": sig("keypoints", 1, s.h/2, s.w/2, 5), "wh": sig("wh", 1, s.h/2, s.w/2, 4)},
		},
		"modelTopology":   obj{"node": nodes, "library": obj{}, "versions": obj{}},
		"weightsManifest": manifest,
	}
	b, err := json.Marshal(model)
	if err != nil {
		panic(err)
	}
	f.model = b
	return f
}

// evalGraph evaluates the nodes that want depend on, by TensorFlow's
// definitions in NHWC and float64, on input x. The ResizeBilinear sizes are
// multiplied by up, for inputs up times the size the graph was made for.
func evalGraph(s *graphSpec, x hwc, up int, want []string) (map[string]hwc, error) {
	nodes := map[string]*gnode{}
	for _, n := range s.nodes {
		nodes[n.name] = n
	}
	memo := map[string]hwc{}
	var eval func(ref string) (hwc, error)
	eval = func(ref string) (hwc, error) {
		name := strings.TrimSuffix(ref, ":0")
		if v, ok := memo[name]; ok {
			return v, nil
		}
		if c, ok := s.byName[name]; ok && c.store != "i32" {
			// A float constant broadcasts as (1, 1, C) or a scalar (1, 1, 1).
			if len(c.shape) > 1 {
				return hwc{}, fmt.Errorf("reference: constant %s of shape %v used as a tensor", name, c.shape)
			}
			return hwc{h: 1, w: 1, c: len(c.f), v: c.f}, nil
		}
		n, ok := nodes[name]
		if !ok {
			return hwc{}, fmt.Errorf("reference: no node %s", name)
		}
		var in []hwc
		for _, r := range n.in {
			if strings.HasPrefix(r, "^") || s.byName[r] != nil && s.byName[r].store == "i32" {
				continue
			}
			if c := s.byName[r]; c != nil && len(c.shape) > 1 {
				continue // a kernel
			}
			v, err := eval(r)
			if err != nil {
				return hwc{}, err
			}
			in = append(in, v)
		}
		var y hwc
		switch n.op {
		case "Placeholder":
			y = x
		case "Identity":
			y = in[0]
		case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative":
			y = evalConv(s, n, in[0])
		case "Relu":
			y = apply(in[0], func(v float64) float64 { return math.Max(v, 0) })
		case "Relu6":
			y = apply(in[0], func(v float64) float64 { return math.Min(math.Max(v, 0), 6) })
		case "Sigmoid":
			y = apply(in[0], func(v float64) float64 { return 1 / (1 + math.Exp(-v)) })
		case "Add", "AddV2":
			y = broadcast(in[0], in[1], func(a, b float64) float64 { return a + b })
		case "Mul":
			y = broadcast(in[0], in[1], func(a, b float64) float64 { return a * b })
		case "Mean":
			axes := slices.Clone(s.byName[n.in[1]].ints)
			slices.Sort(axes)
			if !slices.Equal(axes, []int64{1, 2}) {
				return hwc{}, fmt.Errorf("reference: mean over %v", axes)
			}
			t := in[0]
			y = hwc{h: 1, w: 1, c: t.c, v: make([]float64, t.c)}
			for i, v := range t.v {
				y.v[i%t.c] += v / float64(t.h*t.w)
			}
		case "MaxPool":
			y = evalMaxPool(in[0], n.ksize)
		case "ResizeBilinear":
			size := s.byName[n.in[1]].ints
			y = evalResize(in[0], int(size[0])*up, int(size[1])*up)
		case "ConcatV2":
			y = hwc{h: in[0].h, w: in[0].w}
			for _, t := range in {
				y.c += t.c
			}
			y.v = make([]float64, 0, y.h*y.w*y.c)
			for p := range y.h * y.w {
				for _, t := range in {
					y.v = append(y.v, t.v[p*t.c:(p+1)*t.c]...)
				}
			}
		default:
			return hwc{}, fmt.Errorf("reference: op %s", n.op)
		}
		memo[name] = y
		return y, nil
	}
	for _, w := range want {
		if _, err := eval(w); err != nil {
			return nil, err
		}
	}
	return memo, nil
}

// broadcast applies f elementwise with NumPy broadcasting over (H, W, C).
func broadcast(a, b hwc, f func(a, b float64) float64) hwc {
	y := hwc{h: max(a.h, b.h), w: max(a.w, b.w), c: max(a.c, b.c)}
	y.v = make([]float64, y.h*y.w*y.c)
	pick := func(t hwc, yy, xx, cc int) float64 {
		return t.at(min(yy, t.h-1), min(xx, t.w-1), min(cc, t.c-1))
	}
	for yy := range y.h {
		for xx := range y.w {
			for cc := range y.c {
				y.v[(yy*y.w+xx)*y.c+cc] = f(pick(a, yy, xx, cc), pick(b, yy, xx, cc))
			}
		}
	}
	return y
}

// evalConv is TensorFlow's Conv2D and DepthwiseConv2dNative (kernels
// (kh, kw, in, out) and (kh, kw, in, multiplier); SAME padding puts the odd
// pixel at the bottom and right), then the fused ops in order.
func evalConv(s *graphSpec, n *gnode, x hwc) hwc {
	k := s.byName[n.in[1]]
	kh, kw, cin, co := k.shape[0], k.shape[1], k.shape[2], k.shape[3]
	st := n.stride
	var oh, ow, pt, pl int
	if n.pad == "SAME" {
		oh, ow = (x.h+st-1)/st, (x.w+st-1)/st
		pt, pl = max((oh-1)*st+kh-x.h, 0)/2, max((ow-1)*st+kw-x.w, 0)/2
	} else {
		oh, ow = (x.h-kh)/st+1, (x.w-kw)/st+1
	}
	depthwise := strings.Contains(n.op, "Depthwise")
	outC := co
	if depthwise {
		outC = cin * co
	}
	y := hwc{h: oh, w: ow, c: outC, v: make([]float64, oh*ow*outC)}
	for oy := range oh {
		for ox := range ow {
			for o := range outC {
				var sum float64
				for dy := range kh {
					for dx := range kw {
						iy, ix := oy*st+dy-pt, ox*st+dx-pl
						if iy < 0 || ix < 0 || iy >= x.h || ix >= x.w {
							continue
						}
						if depthwise {
							i, m := o/co, o%co
							sum += x.at(iy, ix, i) * k.f[((dy*kw+dx)*cin+i)*co+m]
							continue
						}
						for i := range cin {
							sum += x.at(iy, ix, i) * k.f[((dy*kw+dx)*cin+i)*co+o]
						}
					}
				}
				y.v[(oy*ow+ox)*outC+o] = sum
			}
		}
	}
	arg := 2
	for _, op := range n.fused {
		switch op {
		case "BiasAdd":
			b := s.byName[n.in[arg]].f
			arg++
			for i := range y.v {
				y.v[i] += b[i%outC]
			}
		case "FusedBatchNorm":
			sc, off, mu, va := s.byName[n.in[arg]].f, s.byName[n.in[arg+1]].f, s.byName[n.in[arg+2]].f, s.byName[n.in[arg+3]].f
			arg += 4
			for i := range y.v {
				c := i % outC
				y.v[i] = (y.v[i]-mu[c])/math.Sqrt(va[c]+n.eps)*sc[c] + off[c]
			}
		case "Relu":
			y = apply(y, func(v float64) float64 { return math.Max(v, 0) })
		case "Relu6":
			y = apply(y, func(v float64) float64 { return math.Min(math.Max(v, 0), 6) })
		default:
			panic("reference: fused op " + op)
		}
	}
	return y
}

// evalMaxPool is MaxPool k x k, stride 1, SAME: the maximum over the
// window's cells inside the map.
func evalMaxPool(x hwc, k int) hwc {
	y := hwc{h: x.h, w: x.w, c: x.c, v: make([]float64, len(x.v))}
	p := (k - 1) / 2
	for oy := range x.h {
		for ox := range x.w {
			for c := range x.c {
				m := math.Inf(-1)
				for iy := max(oy-p, 0); iy < min(oy-p+k, x.h); iy++ {
					for ix := max(ox-p, 0); ix < min(ox-p+k, x.w); ix++ {
						m = math.Max(m, x.at(iy, ix, c))
					}
				}
				y.v[(oy*x.w+ox)*x.c+c] = m
			}
		}
	}
	return y
}

// evalResize is ResizeBilinear with align_corners and half_pixel_centers
// false: output pixel y reads the input at y*in/out, interpolating between
// floor and the next pixel, clamped at the edge.
func evalResize(x hwc, oh, ow int) hwc {
	y := hwc{h: oh, w: ow, c: x.c, v: make([]float64, oh*ow*x.c)}
	for oy := range oh {
		sy := float64(oy) * float64(x.h) / float64(oh)
		y0 := int(math.Floor(sy))
		y1, fy := min(y0+1, x.h-1), sy-float64(y0)
		for ox := range ow {
			sx := float64(ox) * float64(x.w) / float64(ow)
			x0 := int(math.Floor(sx))
			x1, fx := min(x0+1, x.w-1), sx-float64(x0)
			for c := range x.c {
				top := x.at(y0, x0, c)*(1-fx) + x.at(y0, x1, c)*fx
				bot := x.at(y1, x0, c)*(1-fx) + x.at(y1, x1, c)*fx
				y.v[(oy*ow+ox)*x.c+c] = top*(1-fy) + bot*fy
			}
		}
	}
	return y
}

// tinyConverted parses and converts the tiny graph with tinyOutputs.
func tinyConverted(t *testing.T, seed uint64) (*graphSpec, *GraphModel, []byte, []Output) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	s := tinyGraph(r)
	f := s.files(r, false)
	g, err := ParseGraphModel(f.model, f.open)
	if err != nil {
		t.Fatal(err)
	}
	onnx, info, err := ConvertGraph(g, GraphOptions{Outputs: tinyOutputs, Producer: "test", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	return s, g, onnx, info
}

// checkAgainstReference feeds 3 random h x w inputs to net and compares
// every output of tinyOutputs with evalGraph's, up being the factor by
// which the input exceeds the size the graph was made for.
func checkAgainstReference(t *testing.T, s *graphSpec, net gocv.Net, r *rand.Rand, h, w, up int) {
	t.Helper()
	for trial := range 3 {
		x := hwc{h: h, w: w, c: s.c, v: make([]float64, h*w*s.c)}
		blob := gocv.NewMatWithSizes([]int{1, s.c, h, w}, gocv.MatTypeCV32F)
		data, err := blob.DataPtrFloat32()
		if err != nil {
			t.Fatal(err)
		}
		for i := range x.v {
			x.v[i] = float64(float32(2*r.Float64() - 1))
			y, xx, c := i/(w*s.c), i/s.c%w, i%s.c
			data[(c*h+y)*w+xx] = float32(x.v[i])
		}
		ref, err := evalGraph(s, x, up, tinyOutputs)
		if err != nil {
			t.Fatal(err)
		}
		net.SetInput(blob, "")
		outs := net.ForwardLayers(tinyOutputs)
		for k, name := range tinyOutputs {
			got, err := outs[k].DataPtrFloat32()
			want := ref[name]
			if err != nil || len(got) != len(want.v) {
				t.Fatalf("%dx%d, trial %d, %s: %d values (%v), want %d", h, w, trial, name, len(got), err, len(want.v))
			}
			worst, scale := 0.0, 0.0
			for i := range want.v {
				y, xx, c := i/(want.w*want.c), i/want.c%want.w, i%want.c
				g := float64(got[(c*want.h+y)*want.w+xx])
				worst = math.Max(worst, math.Abs(g-want.v[i]))
				scale = math.Max(scale, math.Abs(want.v[i]))
			}
			if trial == 0 {
				t.Logf("%dx%d, %s: max abs diff %.3g (largest value %.3g)", h, w, name, worst, scale)
			}
			if worst > 1e-4*math.Max(1, scale) || scale == 0 || math.IsNaN(worst) {
				t.Errorf("%dx%d, trial %d, %s: max abs diff %.3g (largest value %.3g)", h, w, trial, name, worst, scale)
			}
			outs[k].Close()
		}
		blob.Close()
	}
}

// TestConvertGraphTiny converts the tiny graph and compares OpenCV's
// outputs with the reference at the graph's own size, 16x16.
func TestConvertGraphTiny(t *testing.T) {
	s, g, onnx, info := tinyConverted(t, 1)
	want := map[string][]int{"keypoints": {1, 5, 8, 8}, "wh": {1, 4, 8, 8}, "res": {1, 8, 8, 8}}
	if len(info) != len(tinyOutputs) {
		t.Fatalf("outputs %v, want %v", info, tinyOutputs)
	}
	for i, o := range info {
		if o.Layer != tinyOutputs[i] || !slices.Equal(o.Shape, want[o.Layer]) {
			t.Errorf("output %d: %s %v, want %s %v", i, o.Layer, o.Shape, tinyOutputs[i], want[tinyOutputs[i]])
		}
	}
	// The cut: nothing of the tail, nor the Identity's source name.
	for _, name := range []string{"tail/pool", "tail/equal", "topk", "TopKV2", "detections"} {
		if bytes.Contains(onnx, []byte(name)) {
			t.Errorf("the ONNX model mentions %s, which the outputs do not need", name)
		}
	}
	if len(g.Nodes) != len(s.nodes)+len(s.consts) {
		t.Errorf("parsed %d nodes, want %d", len(g.Nodes), len(s.nodes)+len(s.consts))
	}
	net, err := gocv.ReadNetFromONNXBytes(onnx)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	checkAgainstReference(t, s, net, rand.New(rand.NewPCG(11, 12)), 16, 16, 1)
}

// TestConvertGraphOtherSize feeds the network converted at 16x16 a 32x32
// input: OpenCV recomputes the shapes, GlobalAveragePool averages the larger
// map and Upsample doubles by its scales, as TensorFlow would with the
// resize sizes doubled.
func TestConvertGraphOtherSize(t *testing.T) {
	s, _, onnx, _ := tinyConverted(t, 2)
	net, err := gocv.ReadNetFromONNXBytes(onnx)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	checkAgainstReference(t, s, net, rand.New(rand.NewPCG(13, 14)), 32, 32, 2)
}

// TestParseGraphModelValues checks the weights as parsed (every storage
// exact), the int constants, the signature and the shard concatenation.
func TestParseGraphModelValues(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	s := tinyGraph(r)
	f := s.files(r, false)
	g, err := ParseGraphModel(f.model, f.open)
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]int{}
	for _, c := range s.consts {
		stores[c.store]++
		if c.store == "i32" {
			if !slices.Equal(g.Ints[c.name], c.ints) || !slices.Equal(g.IntShapes[c.name], c.shape) {
				t.Errorf("%s: ints %v of shape %v, want %v of shape %v", c.name, g.Ints[c.name], g.IntShapes[c.name], c.ints, c.shape)
			}
			continue
		}
		got, ok := g.Floats[c.name]
		if !ok || !slices.Equal(got.Shape, c.shape) || len(got.Data) != len(c.f) {
			t.Errorf("%s (%s): shape %v, %d values; want %v, %d", c.name, c.store, got.Shape, len(got.Data), c.shape, len(c.f))
			continue
		}
		for i, v := range got.Data {
			tol := 0.0 // float16 and float32 hold the values exactly
			if c.store == "u8" || c.store == "u16" {
				tol = 1e-6 * math.Max(1, math.Abs(c.f[i])) // q*scale+min rounded to float32
			}
			if d := math.Abs(float64(v) - c.f[i]); d > tol {
				t.Errorf("%s (%s) [%d]: %g, want %g", c.name, c.store, i, v, c.f[i])
				break
			}
		}
	}
	for _, st := range []string{"f32", "f16", "u8", "u16", "i32"} {
		if stores[st] == 0 {
			t.Errorf("no constant stored as %s", st)
		}
	}
	if !slices.Equal(g.Signature.Inputs, []string{"images"}) || !slices.Equal(g.Signature.Outputs, []string{"keypoints", "wh"}) {
		t.Errorf("signature %v -> %v, want [images] -> [keypoints wh]", g.Signature.Inputs, g.Signature.Outputs)
	}
	n := g.Nodes[slices.IndexFunc(g.Nodes, func(n GraphNode) bool { return n.Name == "conv1" })]
	if n.Op != "_FusedConv2D" || string(n.Attr["padding"].S) != "SAME" || !slices.Equal(n.Attr["strides"].ints(), []int{1, 2, 2, 1}) ||
		!slices.Equal(n.Attr["fused_ops"].strs(), []string{"BiasAdd", "Relu6"}) || !slices.Equal(n.Inputs, []string{"images", "conv1/weights", "conv1/bias"}) {
		t.Errorf("conv1 parsed as %+v", n)
	}
}

// TestConvertGraphDeterministic converts twice, from two parses, and wants
// the same bytes.
func TestConvertGraphDeterministic(t *testing.T) {
	_, _, a, _ := tinyConverted(t, 4)
	_, g, b, _ := tinyConverted(t, 4)
	if !bytes.Equal(a, b) {
		t.Error("two parses and conversions of one model differ")
	}
	c, _, err := ConvertGraph(g, GraphOptions{Outputs: tinyOutputs, Producer: "test", Version: "1"})
	if err != nil || !bytes.Equal(a, c) {
		t.Errorf("converting the same GraphModel again differs (error %v)", err)
	}
}

// TestConvertGraphErrors checks that what ConvertGraph cannot map is an
// error naming the node and its op, and that bad files are errors of
// ParseGraphModel, not panics.
func TestConvertGraphErrors(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(s *graphSpec, f *graphFiles) // f is nil before writing
		outputs []string
		want    []string
	}{
		{"unknown op", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.node("kp/erf", "Erf", "kp/conv")
				s.find("kp/sig").in = []string{"kp/erf"}
			}
		}, nil, []string{"node kp/erf (Erf)", "Erf"}},
		{"unsupported fused ops", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.find("wh").fused = []string{"BiasAdd", "LeakyRelu"}
			}
		}, nil, []string{"node wh (_FusedConv2D)", "LeakyRelu"}},
		{"fused activation alone", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.find("wh").fused = []string{"Relu"}
			}
		}, nil, []string{"node wh (_FusedConv2D)", "fused ops"}},
		{"output not in the graph", nil, []string{"nope"}, []string{`no node "nope"`}},
		{"output in the tail", nil, []string{"topk"}, []string{"node topk (TopKV2)", "TopKV2"}},
		{"output a constant", nil, []string{"conv1/bias"}, []string{"output conv1/bias is a constant"}},
		{"half pixel centers", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.find("up").attr = obj{"half_pixel_centers": obj{"b": true}}
			}
		}, nil, []string{"node up (ResizeBilinear)", "half_pixel_centers"}},
		{"align corners", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.find("up").attr = obj{"align_corners": obj{"b": true}}
			}
		}, nil, []string{"node up (ResizeBilinear)", "align_corners"}},
		{"resize by a fraction", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.byName["up/size"].ints = []int64{8, 6}
			}
		}, nil, []string{"node up (ResizeBilinear)", "whole factor"}},
		{"mean over channels", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				c := s.byName["se/mean/reduction_indices"]
				c.shape, c.ints = []int{1}, []int64{3}
			}
		}, nil, []string{"node se/mean (Mean)", "[3]"}},
		{"mean dropping the axes", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.find("se/mean").attr = obj{"keep_dims": obj{"b": false}}
			}
		}, nil, []string{"node se/mean (Mean)"}},
		{"concat on height", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.byName["cat/axis"].ints = []int64{1}
			}
		}, nil, []string{"node cat (ConcatV2)", "axis"}},
		{"NCHW", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.find("head").attr = obj{"data_format": obj{"s": b64("NCHW")}}
			}
		}, nil, []string{"node head (Conv2D)", "NCHW"}},
		{"second output of a node", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.find("wh").in[0] = "cat:1"
			}
		}, nil, []string{"node wh (_FusedConv2D)", "cat:1"}},
		{"constant minus tensor", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.find("head/shift").op = "Sub"
			}
		}, nil, []string{"node head/shift (Sub)"}},
		{"shard too short", func(s *graphSpec, f *graphFiles) {
			if f != nil {
				b := f.shards["group2-shard1of1.bin"]
				f.shards["group2-shard1of1.bin"] = b[:len(b)-3]
			}
		}, nil, []string{"weight group 1", "too short"}},
		{"shard too long", func(s *graphSpec, f *graphFiles) {
			if f != nil {
				f.shards["group1-shard2of2.bin"] = append(slices.Clone(f.shards["group1-shard2of2.bin"]), 0, 0)
			}
		}, nil, []string{"weight group 0", "bytes of shards"}},
		{"shard missing", func(s *graphSpec, f *graphFiles) {
			if f != nil {
				delete(f.shards, "group1-shard1of2.bin")
			}
		}, nil, []string{"shard group1-shard1of2.bin", "no shard"}},
		{"string weight", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.byName["wh/bias"].dtype = "string"
			}
		}, nil, []string{"weight wh/bias", `dtype "string"`}},
		{"resize to nothing", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.byName["up/size"].ints = []int64{0, 0}
			}
		}, nil, []string{"node up (ResizeBilinear)", "-> 0x0"}},
		{"pool wider than the map", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				p := s.find("pool")
				p.ksize, p.pad = 9, "VALID"
			}
		}, nil, []string{"node pool (MaxPool)", "output would be 0x0"}},
		{"kernel with no outputs", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.byName["head/weights"].shape[3] = 0
				s.byName["head/weights"].f, s.byName["head/weights"].q = nil, nil
			}
		}, nil, []string{"node head (Conv2D)", "kernel [3 3 24 0] is empty"}},
		// An output that is an Identity of another output's value, or of
		// the input, cannot be a second name for it: renaming would leave
		// the first name pointing nowhere (and OpenCV aborts the process).
		{"identity and its source", nil, []string{"keypoints", "kp/sig"}, []string{"output kp/sig is the value of keypoints"}},
		{"source and its identity", nil, []string{"kp/sig", "keypoints"}, []string{"output keypoints is the value of kp/sig"}},
		{"two identities of one value", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.node("keypoints2", "Identity", "kp/sig")
			}
		}, []string{"keypoints", "keypoints2"}, []string{"output keypoints2 is the value of keypoints"}},
		{"identity of the input", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.node("copy", "Identity", "images")
			}
		}, []string{"copy"}, []string{"output copy is the value of images"}},
		{"node twice", func(s *graphSpec, f *graphFiles) {
			if f == nil {
				s.node("wh", "Relu", "cat")
			}
		}, nil, []string{"node wh listed twice"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 7))
			s := tinyGraph(r)
			if c.edit != nil {
				c.edit(s, nil)
			}
			f := s.files(r, false)
			if c.edit != nil {
				c.edit(s, &f)
			}
			outputs := c.outputs
			if outputs == nil {
				outputs = tinyOutputs
			}
			g, err := ParseGraphModel(f.model, f.open)
			if err == nil {
				_, _, err = ConvertGraph(g, GraphOptions{Outputs: outputs})
			}
			if err == nil || !strings.HasPrefix(err.Error(), "convert: ") {
				t.Fatalf("%s: error %v, want one containing %q", c.name, err, c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not contain %q", c.name, err, w)
				}
			}
		})
	}
}

func TestParseGraphModelErrors(t *testing.T) {
	cases := []struct {
		name, model, want string
		shard             []byte // a.bin's bytes; nil: no shards
	}{
		{"not JSON", "<html>", "convert: graph model: ", nil},
		{"empty", "", "convert: graph model: ", nil},
		{"no nodes", `{"format":"graph-model","modelTopology":{"node":[]}}`, "no nodes", nil},
		{"layers model", `{"modelTopology":{"model_config":{"class_name":"Model"}}}`, "no nodes", nil},
		{"node without op", `{"modelTopology":{"node":[{"name":"x"}]}}`, "without name or op", nil},
		{"bad integer", `{"modelTopology":{"node":[{"name":"x","op":"Conv2D","attr":{"strides":{"list":{"i":["1","two"]}}}}]}}`, "integer", nil},
		{"negative shape", `{"modelTopology":{"node":[{"name":"x","op":"Const"}]},"weightsManifest":[{"paths":[],"weights":[{"name":"x","shape":[2,-1],"dtype":"float32"}]}]}`, "weight x: shape [2 -1]", nil},
		{"quantised int32", `{"modelTopology":{"node":[{"name":"x","op":"Const"}]},"weightsManifest":[{"paths":[],"weights":[{"name":"x","shape":[],"dtype":"int32","quantization":{"dtype":"uint8"}}]}]}`, "quantised int32", nil},
		{"int4", `{"modelTopology":{"node":[{"name":"x","op":"Const"}]},"weightsManifest":[{"paths":[],"weights":[{"name":"x","shape":[],"dtype":"float32","quantization":{"dtype":"int4"}}]}]}`, `quantisation "int4"`, nil},
		{"shard not there", `{"modelTopology":{"node":[{"name":"x","op":"Const"}]},"weightsManifest":[{"paths":["a.bin"],"weights":[]}]}`, "shard a.bin: no shards", nil},
		// 3 * 6148914691236517206 overflows to 2: the shape must not pass
		// for two values.
		{"overflowing shape", `{"modelTopology":{"node":[{"name":"x","op":"Const"}]},"weightsManifest":[{"paths":["a.bin"],"weights":[{"name":"x","shape":[1,1,3,6148914691236517206],"dtype":"float32"}]}]}`, "weight x", make([]byte, 8)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open := func(string) ([]byte, error) {
				if c.shard == nil {
					return nil, fmt.Errorf("no shards")
				}
				return c.shard, nil
			}
			g, err := ParseGraphModel([]byte(c.model), open)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "convert: ") {
				t.Errorf("%s: got %v, error %v; want an error containing %q", c.name, g, err, c.want)
			}
		})
	}
}

func TestHalfToFloat(t *testing.T) {
	cases := []struct {
		bits uint16
		want float64
	}{
		{0x0000, 0},
		{0x8000, math.Copysign(0, -1)},
		{0x3c00, 1},
		{0xc000, -2},
		{0x7bff, 65504},
		{0xfbff, -65504},
		{0x0001, math.Ldexp(1, -24)},     // smallest subnormal
		{0x8001, -math.Ldexp(1, -24)},    // its negative
		{0x03ff, math.Ldexp(1023, -24)},  // largest subnormal
		{0x0200, math.Ldexp(1, -15)},     // a subnormal of one bit
		{0x0400, math.Ldexp(1, -14)},     // smallest normal
		{0x3555, 0.333251953125},         // nearest to 1/3
		{0x3800, 0.5},                    // exponent below the bias
		{0x7c00, math.Inf(1)},            // +inf
		{0xfc00, math.Inf(-1)},           // -inf
		{0x3bff, 1 - math.Ldexp(1, -11)}, // largest below 1
		{0x4248, 3.140625},               // pi in float16
		{0x5640, 100},                    // an integer
		{0x1400, math.Ldexp(1, -10)},     // 2^-10
		{0xe800, -2048},                  // 2^11
		{0x6bff, 4094},                   // largest below 2^12
	}
	for _, c := range cases {
		got := halfToFloat(c.bits)
		if float64(got) != c.want || math.Signbit(float64(got)) != math.Signbit(c.want) {
			t.Errorf("halfToFloat(%#04x) = %g, want %g", c.bits, got, c.want)
		}
	}
	for _, bits := range []uint16{0x7c01, 0x7e00, 0xfe00, 0x7fff} {
		if got := halfToFloat(bits); !math.IsNaN(float64(got)) {
			t.Errorf("halfToFloat(%#04x) = %g, want NaN", bits, got)
		}
	}
	// Every finite float16 widens to the value its fields say.
	for h := range 1 << 16 {
		e, m := h>>10&0x1f, float64(h&0x3ff)
		if e == 0x1f {
			continue
		}
		want := math.Ldexp(m, -24) // subnormal: m * 2^-24
		if e > 0 {
			want = math.Ldexp(1024+m, e-25)
		}
		if h&0x8000 != 0 {
			want = -want
		}
		if got := halfToFloat(uint16(h)); float64(got) != want {
			t.Fatalf("halfToFloat(%#04x) = %g, want %g", h, got, want)
		}
	}
}

// TestConvertGraphCenterNet converts the real CenterNet of
// @vladmandic/human when CENTERNET_DIR names the folder holding
// centernet.json and centernet.bin.
func TestConvertGraphCenterNet(t *testing.T) {
	dir := os.Getenv("CENTERNET_DIR")
	if dir == "" {
		t.Skip("CENTERNET_DIR not set")
	}
	model, err := os.ReadFile(filepath.Join(dir, "centernet.json"))
	if err != nil {
		t.Skip(err)
	}
	g, err := ParseGraphModel(model, func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) })
	if err != nil {
		t.Fatal(err)
	}
	outputs := []string{"tower_0/keypoints", "tower_0/wh"}
	onnx, info, err := ConvertGraph(g, GraphOptions{Outputs: outputs})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 80, 128, 128}, {1, 4, 128, 128}}
	if len(info) != 2 {
		t.Fatalf("outputs %v", info)
	}
	for i, o := range info {
		if o.Layer != outputs[i] || !slices.Equal(o.Shape, want[i]) {
			t.Errorf("output %d: %s %v, want %s %v", i, o.Layer, o.Shape, outputs[i], want[i])
		}
	}
	net, err := gocv.ReadNetFromONNXBytes(onnx)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	blob := gocv.NewMatWithSizes([]int{1, 3, 512, 512}, gocv.MatTypeCV32F)
	defer blob.Close()
	data, _ := blob.DataPtrFloat32()
	r := rand.New(rand.NewPCG(8, 9))
	for i := range data {
		data[i] = float32(r.Float64() * 255)
	}
	net.SetInput(blob, "")
	outs := net.ForwardLayers(outputs)
	for i, m := range outs {
		got, err := m.DataPtrFloat32()
		if err != nil || len(got) != want[i][1]*128*128 {
			t.Errorf("%s: %d values (%v), want %d", outputs[i], len(got), err, want[i][1]*128*128)
		}
		if i == 0 {
			for _, v := range got {
				if !(v >= 0 && v <= 1) {
					t.Errorf("%s: %g outside a sigmoid's range", outputs[i], v)
					break
				}
			}
		}
		m.Close()
	}
}

// TestConvertGraphEmptyKernel: a kernel with no output channels is an
// error, not a division by zero when batch normalisation is folded in.
func TestConvertGraphEmptyKernel(t *testing.T) {
	s := &graphSpec{h: 4, w: 4, c: 3}
	s.node("images", "Placeholder")
	bn := s.node("bn", "_FusedConv2D", "images", s.value("k", []int{1, 1, 3, 0}),
		s.value("scale", []int{0}), s.value("offset", []int{0}), s.value("mean", []int{0}), s.value("variance", []int{0}))
	bn.fused, bn.eps = []string{"FusedBatchNorm"}, 0.001
	f := s.files(rand.New(rand.NewPCG(1, 1)), true)
	g, err := ParseGraphModel(f.model, f.open)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ConvertGraph(g, GraphOptions{Outputs: []string{"bn"}})
	if err == nil || !strings.Contains(err.Error(), "node bn (_FusedConv2D)") {
		t.Errorf("error %v, want one naming node bn (_FusedConv2D)", err)
	}
}

// TestConvertGraphOverflowingKernel: a kernel whose shape's product
// overflows must not reach the converter with fewer values than it says.
func TestConvertGraphOverflowingKernel(t *testing.T) {
	model := `{"modelTopology":{"node":[
		{"name":"x","op":"Placeholder","attr":{"shape":{"shape":{"dim":[{"size":"1"},{"size":"4"},{"size":"4"},{"size":"3"}]}}}},
		{"name":"k","op":"Const"},
		{"name":"conv","op":"Conv2D","input":["x","k"],"attr":{"padding":{"s":"VkFMSUQ="}}}]},
		"weightsManifest":[{"paths":["a.bin"],"weights":[{"name":"k","shape":[1,1,3,6148914691236517206],"dtype":"float32"}]}]}`
	g, err := ParseGraphModel([]byte(model), func(string) ([]byte, error) { return make([]byte, 8), nil })
	if err != nil {
		return // rejected when parsed: fine
	}
	_, _, err = ConvertGraph(g, GraphOptions{Outputs: []string{"conv"}})
	if err == nil {
		t.Error("a kernel of 2 values for shape [1 1 3 6148914691236517206] converted")
	}
}
