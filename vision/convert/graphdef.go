package convert

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// GraphModel is a TensorFlow.js graph model: the nodes of a TensorFlow
// GraphDef (model.json's modelTopology) and the values of its Const nodes,
// read from the weight shards. Float weights stored as float16 or quantised
// to uint8/uint16 are widened to float32.
type GraphModel struct {
	Nodes []GraphNode
	// Floats holds the float Const tensors by node name, in TensorFlow's
	// layout (convolution kernels (kh, kw, in, out); depthwise kernels
	// (kh, kw, in, multiplier)).
	Floats map[string]Tensor
	// Ints holds the int32 Const tensors by node name.
	Ints map[string][]int64
	// IntShapes holds each int tensor's shape.
	IntShapes map[string][]int
	// Signature lists the inputs and outputs the converter recorded, when
	// model.json has a signature.
	Signature struct {
		Inputs, Outputs []string
	}
}

// GraphNode is one NodeDef: its op, its inputs (names, "name:k" for the
// k-th output of a node, "^name" for a control dependency) and attributes.
type GraphNode struct {
	Name   string
	Op     string
	Inputs []string
	Attr   map[string]GraphAttr
}

// GraphAttr is a NodeDef attribute value as TF.js writes it in JSON: one of
// s (bytes, base64 in the JSON), i, f, b, type, shape, or list.
type GraphAttr struct {
	S     []byte     `json:"s"`
	I     *flexInt   `json:"i"`
	F     *flexFloat `json:"f"`
	B     *bool      `json:"b"`
	Type  string     `json:"type"`
	Shape *struct {
		Dim []struct {
			Size flexInt `json:"size"`
		} `json:"dim"`
		UnknownRank bool `json:"unknownRank"`
	} `json:"shape"`
	List *struct {
		S [][]byte    `json:"s"`
		I []flexInt   `json:"i"`
		F []flexFloat `json:"f"`
	} `json:"list"`
}

// flexInt reads an int64 that JSON holds as a number or as a string (as
// protobuf's JSON mapping writes int64).
type flexInt int64

func (v *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("integer %s: %w", b, err)
	}
	*v = flexInt(n)
	return nil
}

// flexFloat reads a float that JSON holds as a number or as a string
// ("NaN", "Infinity").
type flexFloat float64

func (v *flexFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("number %s: %w", b, err)
	}
	*v = flexFloat(f)
	return nil
}

// ints returns the attribute's list of ints.
func (a GraphAttr) ints() []int {
	if a.List == nil {
		return nil
	}
	out := make([]int, len(a.List.I))
	for i, v := range a.List.I {
		out[i] = int(v)
	}
	return out
}

// strs returns the attribute's list of strings.
func (a GraphAttr) strs() []string {
	if a.List == nil {
		return nil
	}
	out := make([]string, len(a.List.S))
	for i, v := range a.List.S {
		out[i] = string(v)
	}
	return out
}

// graphFile is the part of a TF.js graph model.json the converter reads.
type graphFile struct {
	Format        string `json:"format"`
	ModelTopology struct {
		Node []struct {
			Name  string               `json:"name"`
			Op    string               `json:"op"`
			Input []string             `json:"input"`
			Attr  map[string]GraphAttr `json:"attr"`
		} `json:"node"`
	} `json:"modelTopology"`
	Signature *struct {
		Inputs  map[string]json.RawMessage `json:"inputs"`
		Outputs map[string]json.RawMessage `json:"outputs"`
	} `json:"signature"`
	WeightsManifest []weightGroup `json:"weightsManifest"`
}

// ParseGraphModel reads a TF.js graph model: model is the model.json file,
// open returns a weight shard's bytes by the path the manifest gives.
func ParseGraphModel(model []byte, open func(name string) ([]byte, error)) (*GraphModel, error) {
	var f graphFile
	if err := json.Unmarshal(model, &f); err != nil {
		return nil, fmt.Errorf("convert: graph model: %w", err)
	}
	if len(f.ModelTopology.Node) == 0 {
		return nil, fmt.Errorf("convert: graph model: no nodes in modelTopology (a layers model? use ParseModel)")
	}
	g := &GraphModel{Floats: map[string]Tensor{}, Ints: map[string][]int64{}, IntShapes: map[string][]int{}}
	seen := map[string]bool{}
	for _, n := range f.ModelTopology.Node {
		if n.Name == "" || n.Op == "" {
			return nil, fmt.Errorf("convert: graph model: a node without name or op")
		}
		if seen[n.Name] {
			return nil, fmt.Errorf("convert: graph model: node %s listed twice", n.Name)
		}
		seen[n.Name] = true
		g.Nodes = append(g.Nodes, GraphNode{Name: n.Name, Op: n.Op, Inputs: n.Input, Attr: n.Attr})
	}
	if s := f.Signature; s != nil {
		g.Signature.Inputs = sortedKeys(s.Inputs)
		g.Signature.Outputs = sortedKeys(s.Outputs)
	}
	for gi, group := range f.WeightsManifest {
		var data []byte
		for _, p := range group.Paths {
			b, err := open(p)
			if err != nil {
				return nil, fmt.Errorf("convert: graph model: shard %s: %w", p, err)
			}
			data = append(data, b...)
		}
		off := 0
		for _, w := range group.Weights {
			n := 1
			for _, d := range w.Shape {
				if d < 0 || d > 0 && n > math.MaxInt32/d { // negative, or overflowing the count
					return nil, fmt.Errorf("convert: graph model: weight %s: shape %v", w.Name, w.Shape)
				}
				n *= d
			}
			need := func(size int) error {
				if off+size*n > len(data) {
					return fmt.Errorf("convert: graph model: weight group %d: shards too short for %s", gi, w.Name)
				}
				return nil
			}
			switch {
			case w.DType == "int32":
				if w.Quantization != nil {
					return nil, fmt.Errorf("convert: graph model: weight %s: quantised int32 not supported", w.Name)
				}
				if err := need(4); err != nil {
					return nil, err
				}
				v := make([]int64, n)
				for i := range v {
					v[i] = int64(int32(binary.LittleEndian.Uint32(data[off+4*i:])))
				}
				g.Ints[w.Name] = v
				g.IntShapes[w.Name] = w.Shape
				off += 4 * n
			case w.DType != "float32":
				return nil, fmt.Errorf("convert: graph model: weight %s: dtype %q not supported", w.Name, w.DType)
			case w.Quantization == nil:
				if err := need(4); err != nil {
					return nil, err
				}
				t := Tensor{Shape: w.Shape, Data: make([]float32, n)}
				for i := range t.Data {
					t.Data[i] = leFloat32(data[off+4*i:])
				}
				g.Floats[w.Name] = t
				off += 4 * n
			case w.Quantization.DType == "float16":
				if err := need(2); err != nil {
					return nil, err
				}
				t := Tensor{Shape: w.Shape, Data: make([]float32, n)}
				for i := range t.Data {
					t.Data[i] = halfToFloat(binary.LittleEndian.Uint16(data[off+2*i:]))
				}
				g.Floats[w.Name] = t
				off += 2 * n
			case w.Quantization.DType == "uint8" || w.Quantization.DType == "uint16":
				size := 1
				if w.Quantization.DType == "uint16" {
					size = 2
				}
				if err := need(size); err != nil {
					return nil, err
				}
				s, mn := w.Quantization.Scale, w.Quantization.Min
				t := Tensor{Shape: w.Shape, Data: make([]float32, n)}
				for i := range t.Data {
					q := float64(data[off+i])
					if size == 2 {
						q = float64(binary.LittleEndian.Uint16(data[off+2*i:]))
					}
					t.Data[i] = float32(q*s + mn)
				}
				g.Floats[w.Name] = t
				off += size * n
			default:
				return nil, fmt.Errorf("convert: graph model: weight %s: quantisation %q not supported", w.Name, w.Quantization.DType)
			}
		}
		if off != len(data) {
			return nil, fmt.Errorf("convert: graph model: weight group %d: %d bytes of shards, manifest uses %d", gi, len(data), off)
		}
	}
	return g, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	return slices.Sorted(maps.Keys(m))
}

// halfToFloat widens an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		frac &= 0x3ff
		return math.Float32frombits(sign | e<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
