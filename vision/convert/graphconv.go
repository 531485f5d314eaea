package convert

// Conversion of a TF.js graph model (NHWC) to ONNX (NCHW) for OpenCV 4.6.
// Every 4-D activation is kept as (1, C, H, W); a node's ONNX output has the
// TensorFlow node's name, so that a layer asked of OpenCV by name is the
// TensorFlow node of that name.

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// GraphOptions says what part of a graph model to convert.
type GraphOptions struct {
	// Outputs are the nodes whose values become graph outputs (for
	// CenterNet: "tower_0/keypoints", "tower_0/wh"). The graph is cut there:
	// only the nodes they depend on are converted, so a post-processing
	// tail of ops OpenCV cannot run is left out.
	Outputs []string
	// Producer and Version go into the ONNX file's header.
	Producer, Version string
}

// gval is a converted TensorFlow value: an activation (ONNX name and NCHW
// shape) or a constant.
type gval struct {
	name    string
	c, h, w int
	konst   *Tensor // float constant
	ints    []int64 // int constant
	isConst bool
}

// gbuilder accumulates the ONNX graph of a graph model.
type gbuilder struct {
	g     *GraphModel
	out   onnxGraph
	vals  map[string]*gval
	names map[string]bool // ONNX value names in use
}

// ConvertGraph turns the part of g that opts.Outputs need into an ONNX model
// (opset 9, float32, the input's size fixed by its Placeholder; the network
// stays fully convolutional where OpenCV allows other sizes). An op it
// cannot map is an error naming the node and its op.
func ConvertGraph(g *GraphModel, opts GraphOptions) ([]byte, []Output, error) {
	if len(opts.Outputs) == 0 {
		return nil, nil, fmt.Errorf("convert: graph model: no outputs asked for")
	}
	byName := map[string]*GraphNode{}
	for i := range g.Nodes {
		byName[g.Nodes[i].Name] = &g.Nodes[i]
	}
	// Depth-first post-order from the outputs: a topological order of the
	// nodes they need (GraphDefs need not be sorted).
	var order []*GraphNode
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string) error
	visit = func(name string) error {
		name = inputNode(name)
		switch state[name] {
		case 1:
			return fmt.Errorf("convert: graph model: cycle through node %s", name)
		case 2:
			return nil
		}
		n, ok := byName[name]
		if !ok {
			return fmt.Errorf("convert: graph model: no node %q", name)
		}
		state[name] = 1
		for _, in := range n.Inputs {
			if strings.HasPrefix(in, "^") {
				continue // control dependency: no data
			}
			if err := visit(in); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, n)
		return nil
	}
	for _, o := range opts.Outputs {
		if err := visit(o); err != nil {
			return nil, nil, err
		}
	}
	b := &gbuilder{g: g, vals: map[string]*gval{}, names: map[string]bool{}}
	b.out.name = "graph"
	for _, n := range order {
		if err := b.node(n); err != nil {
			return nil, nil, fmt.Errorf("convert: node %s (%s): %w", n.Name, n.Op, err)
		}
	}
	var info []Output
	taken := map[string]bool{} // ONNX values already the input or an output
	for _, in := range b.out.inputs {
		taken[in.name] = true
	}
	for _, o := range opts.Outputs {
		v := b.vals[inputNode(o)]
		if v.isConst {
			return nil, nil, fmt.Errorf("convert: output %s is a constant", o)
		}
		if v.name != o && taken[v.name] {
			// Renaming would take the name from the input or output.
			return nil, nil, fmt.Errorf("convert: output %s is the value of %s, already the input or an output", o, v.name)
		}
		taken[o] = true
		if v.name != o {
			// An Identity (or an alias): rename the value it stands for.
			b.rename(v.name, o)
		}
		dims := []int{1, v.c, v.h, v.w}
		b.out.outputs = append(b.out.outputs, valueInfo{name: o, dims: dims})
		info = append(info, Output{Layer: o, Shape: dims})
	}
	return encodeModel(b.out, opts.Producer, opts.Version), info, nil
}

// inputNode is the node an input reference names ("x:1" and "^x" name x).
func inputNode(in string) string {
	in = strings.TrimPrefix(in, "^")
	if i := strings.LastIndexByte(in, ':'); i > 0 {
		return in[:i]
	}
	return in
}

// rename gives the ONNX value from the name to, everywhere it is used.
func (b *gbuilder) rename(from, to string) {
	for i := range b.out.nodes {
		n := &b.out.nodes[i]
		for j := range n.inputs {
			if n.inputs[j] == from {
				n.inputs[j] = to
			}
		}
		for j := range n.outputs {
			if n.outputs[j] == from {
				n.outputs[j] = to
				n.name = to
			}
		}
	}
	for _, v := range b.vals {
		if v.name == from {
			v.name = to
		}
	}
}

// input returns the converted value of n's input i.
func (b *gbuilder) input(n *GraphNode, i int) (*gval, error) {
	var data []string
	for _, in := range n.Inputs {
		if !strings.HasPrefix(in, "^") {
			data = append(data, in)
		}
	}
	if i >= len(data) {
		return nil, fmt.Errorf("missing input %d", i)
	}
	if strings.Contains(data[i], ":") && !strings.HasSuffix(data[i], ":0") {
		return nil, fmt.Errorf("input %s: only a node's first output is supported", data[i])
	}
	v, ok := b.vals[inputNode(data[i])]
	if !ok {
		return nil, fmt.Errorf("input %s not converted", data[i])
	}
	return v, nil
}

// activation returns input i, which must not be a constant.
func (b *gbuilder) activation(n *GraphNode, i int) (*gval, error) {
	v, err := b.input(n, i)
	if err != nil {
		return nil, err
	}
	if v.isConst {
		return nil, fmt.Errorf("input %d is a constant where a tensor is wanted", i)
	}
	return v, nil
}

func (b *gbuilder) emit(op, name string, inputs []string, attrs ...attr) {
	b.names[name] = true
	b.out.nodes = append(b.out.nodes, onnxNode{op: op, name: name, inputs: inputs, outputs: []string{name}, attrs: attrs})
}

func (b *gbuilder) init(name string, dims []int, data []float32) string {
	for b.names[name] {
		name += "_"
	}
	b.names[name] = true
	b.out.initializers = append(b.out.initializers, onnxInit{name: name, dims: dims, data: data})
	return name
}

// set records n's value: an activation of the given shape, named after n.
func (b *gbuilder) set(n *GraphNode, c, h, w int) *gval {
	v := &gval{name: n.Name, c: c, h: h, w: w}
	b.vals[n.Name] = v
	return v
}

func (b *gbuilder) node(n *GraphNode) error {
	if df := n.Attr["data_format"]; len(df.S) > 0 && string(df.S) != "NHWC" {
		return fmt.Errorf("data format %q not supported (NHWC only)", df.S)
	}
	switch n.Op {
	case "Const":
		if t, ok := b.g.Floats[n.Name]; ok {
			b.vals[n.Name] = &gval{isConst: true, konst: &t}
			return nil
		}
		if v, ok := b.g.Ints[n.Name]; ok {
			b.vals[n.Name] = &gval{isConst: true, ints: v}
			return nil
		}
		return fmt.Errorf("no value in the weights manifest")
	case "Placeholder":
		s := n.Attr["shape"].Shape
		if s == nil || len(s.Dim) != 4 {
			return fmt.Errorf("input shape must be (1, H, W, C)")
		}
		d := [4]int{}
		for i, x := range s.Dim {
			d[i] = int(x.Size)
		}
		if d[0] != 1 && d[0] != -1 || d[1] < 1 || d[2] < 1 || d[3] < 1 {
			return fmt.Errorf("input shape %v: want (1, H, W, C) with H, W, C fixed", d)
		}
		v := b.set(n, d[3], d[1], d[2])
		b.names[v.name] = true
		b.out.inputs = append(b.out.inputs, valueInfo{name: v.name, dims: []int{1, v.c, v.h, v.w}})
		return nil
	case "Identity", "StopGradient":
		v, err := b.input(n, 0)
		if err != nil {
			return err
		}
		b.vals[n.Name] = v
		return nil
	case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative":
		return b.conv(n)
	case "Relu", "Relu6", "Sigmoid", "Tanh":
		x, err := b.activation(n, 0)
		if err != nil {
			return err
		}
		b.unary(n.Op, n.Name, x.name)
		b.set(n, x.c, x.h, x.w)
		return nil
	case "Add", "AddV2", "Mul", "Sub":
		return b.binary(n)
	case "Mean":
		return b.mean(n)
	case "MaxPool", "AvgPool":
		return b.pool(n)
	case "ResizeBilinear", "ResizeNearestNeighbor":
		return b.resize(n)
	case "ConcatV2":
		return b.concat(n)
	}
	return fmt.Errorf("op %s not supported", n.Op)
}

// unary emits an activation function as OpenCV 4.6 reads it: Relu6 as Clip
// with attribute bounds (opset 9).
func (b *gbuilder) unary(op, name, in string) {
	switch op {
	case "Relu6":
		b.emit("Clip", name, []string{in}, floatAttr("min", 0), floatAttr("max", 6))
	default:
		b.emit(op, name, []string{in})
	}
}

// samePads returns TensorFlow's SAME padding (before, after) of one axis.
func samePads(in, k, s, d int) (int, int, int) {
	out := (in + s - 1) / s
	ek := (k-1)*d + 1
	total := max((out-1)*s+ek-in, 0)
	return total / 2, total - total/2, out
}

// window reads the padding of a convolution or pooling node over an input
// of h x w with a kh x kw window, and returns the ONNX pads (top, left,
// bottom, right) and the output size.
func window(n *GraphNode, h, w, kh, kw, sh, sw, dh, dw int) (pads []int64, oh, ow int, err error) {
	switch p := string(n.Attr["padding"].S); p {
	case "SAME":
		t, bt, oh := samePads(h, kh, sh, dh)
		l, r, ow := samePads(w, kw, sw, dw)
		return []int64{int64(t), int64(l), int64(bt), int64(r)}, oh, ow, nil
	case "VALID":
		oh = (h-(kh-1)*dh-1)/sh + 1
		ow = (w-(kw-1)*dw-1)/sw + 1
		return []int64{0, 0, 0, 0}, oh, ow, nil
	case "EXPLICIT":
		e := n.Attr["explicit_paddings"].ints()
		if len(e) != 8 || e[0] != 0 || e[1] != 0 || e[6] != 0 || e[7] != 0 {
			return nil, 0, 0, fmt.Errorf("explicit paddings %v: want 8 values, none on batch or channels", e)
		}
		oh = (h+e[2]+e[3]-(kh-1)*dh-1)/sh + 1
		ow = (w+e[4]+e[5]-(kw-1)*dw-1)/sw + 1
		return []int64{int64(e[2]), int64(e[4]), int64(e[3]), int64(e[5])}, oh, ow, nil
	default:
		return nil, 0, 0, fmt.Errorf("padding %q not supported", p)
	}
}

// hw reads an NHWC list attribute (strides, dilations, ksize) as (h, w),
// 1 when absent.
func hw(n *GraphNode, key string) (int, int, error) {
	v := n.Attr[key].ints()
	if len(v) == 0 {
		return 1, 1, nil
	}
	if len(v) != 4 || v[0] != 1 || v[3] != 1 || v[1] < 1 || v[2] < 1 {
		return 0, 0, fmt.Errorf("%s %v: want (1, h, w, 1)", key, v)
	}
	return v[1], v[2], nil
}

// conv converts Conv2D, DepthwiseConv2dNative and their fused forms (bias,
// batch normalisation, then an activation, as the fused_ops attribute says).
func (b *gbuilder) conv(n *GraphNode) error {
	x, err := b.activation(n, 0)
	if err != nil {
		return err
	}
	wv, err := b.input(n, 1)
	if err != nil {
		return err
	}
	if wv.konst == nil || len(wv.konst.Shape) != 4 {
		return fmt.Errorf("kernel is not a constant 4-D tensor")
	}
	kh, kw, cin, cout := wv.konst.Shape[0], wv.konst.Shape[1], wv.konst.Shape[2], wv.konst.Shape[3]
	if kh < 1 || kw < 1 || cout < 1 {
		return fmt.Errorf("kernel %v is empty", wv.konst.Shape)
	}
	if cin != x.c {
		return fmt.Errorf("kernel %v takes %d channels, input has %d", wv.konst.Shape, cin, x.c)
	}
	sh, sw, err := hw(n, "strides")
	if err != nil {
		return err
	}
	dh, dw, err := hw(n, "dilations")
	if err != nil {
		return err
	}
	pads, oh, ow, err := window(n, x.h, x.w, kh, kw, sh, sw, dh, dw)
	if err != nil {
		return err
	}
	if oh < 1 || ow < 1 {
		return fmt.Errorf("output would be %dx%d", oh, ow)
	}
	depthwise := strings.Contains(n.Op, "Depthwise")
	// ONNX weights (out, in/group, kh, kw).
	var weight []float32
	outC, group := cout, 1
	src := wv.konst.Data
	if depthwise {
		mult := cout
		outC, group = cin*mult, cin
		weight = make([]float32, outC*kh*kw)
		for y := range kh {
			for xx := range kw {
				for i := range cin {
					for m := range mult {
						weight[((i*mult+m)*kh+y)*kw+xx] = src[((y*kw+xx)*cin+i)*mult+m]
					}
				}
			}
		}
	} else {
		weight = make([]float32, cout*cin*kh*kw)
		for y := range kh {
			for xx := range kw {
				for i := range cin {
					for o := range cout {
						weight[((o*cin+i)*kh+y)*kw+xx] = src[((y*kw+xx)*cin+i)*cout+o]
					}
				}
			}
		}
	}
	bias := make([]float32, outC)
	act := ""
	if strings.HasPrefix(n.Op, "_Fused") || strings.HasPrefix(n.Op, "Fused") {
		ops := n.Attr["fused_ops"].strs()
		arg := 2
		next := func() ([]float32, error) {
			v, err := b.input(n, arg)
			arg++
			if err != nil {
				return nil, err
			}
			if v.konst == nil || len(v.konst.Data) != outC {
				return nil, fmt.Errorf("fused argument %d is not a constant of %d values", arg-1, outC)
			}
			return v.konst.Data, nil
		}
		for i, op := range ops {
			switch {
			case op == "BiasAdd" && i == 0:
				bv, err := next()
				if err != nil {
					return err
				}
				copy(bias, bv)
			case op == "FusedBatchNorm" && i == 0:
				var p [4][]float32 // scale, offset, mean, variance
				for k := range p {
					if p[k], err = next(); err != nil {
						return err
					}
				}
				eps := 0.001
				if f := n.Attr["epsilon"].F; f != nil && *f > 0 {
					eps = float64(*f)
				}
				per := len(weight) / outC
				for o := range outC {
					s := float64(p[0][o]) / math.Sqrt(float64(p[3][o])+eps)
					for k := range per {
						weight[o*per+k] = float32(float64(weight[o*per+k]) * s)
					}
					bias[o] = float32(float64(p[1][o]) - float64(p[2][o])*s)
				}
			case (op == "Relu" || op == "Relu6" || op == "Sigmoid" || op == "Tanh") && i == len(ops)-1 && i > 0:
				act = op
			default:
				return fmt.Errorf("fused ops %v not supported", ops)
			}
		}
	}
	convName := n.Name
	if act != "" {
		convName = n.Name + "/conv"
	}
	wName := b.init(n.Name+"/W", []int{outC, cin / group, kh, kw}, weight)
	bName := b.init(n.Name+"/B", []int{outC}, bias)
	b.emit("Conv", convName, []string{x.name, wName, bName},
		intsAttr("kernel_shape", int64(kh), int64(kw)),
		intsAttr("strides", int64(sh), int64(sw)),
		intsAttr("dilations", int64(dh), int64(dw)),
		intsAttr("pads", pads...),
		intAttr("group", int64(group)))
	if act != "" {
		b.unary(act, n.Name, convName)
	}
	b.set(n, outC, oh, ow)
	return nil
}

// binary converts Add, Mul and Sub: of two tensors of the same shape, of a
// tensor and a per-channel (1, C, 1, 1) tensor (squeeze-and-excite), or of
// a tensor and a constant scalar or per-channel vector.
func (b *gbuilder) binary(n *GraphNode) error {
	x, err := b.input(n, 0)
	if err != nil {
		return err
	}
	y, err := b.input(n, 1)
	if err != nil {
		return err
	}
	op := map[string]string{"Add": "Add", "AddV2": "Add", "Mul": "Mul", "Sub": "Sub"}[n.Op]
	switch {
	case x.isConst && y.isConst:
		return fmt.Errorf("both inputs are constants (fold them before converting)")
	case x.isConst || y.isConst:
		t, k := x, y
		if y.isConst {
			t, k = y, x
		}
		if t.konst == nil {
			return fmt.Errorf("constant operand is not a float tensor")
		}
		var dims []int
		switch len(t.konst.Data) {
		case 1:
			dims = []int{1}
		case k.c:
			dims = []int{1, k.c, 1, 1}
		default:
			return fmt.Errorf("constant of shape %v does not broadcast over (%d, %d, %d) per channel", t.konst.Shape, k.h, k.w, k.c)
		}
		data := t.konst.Data
		if op == "Sub" && x.isConst {
			return fmt.Errorf("constant minus tensor not supported")
		}
		c := b.init(n.Name+"/c", dims, data)
		b.emit(op, n.Name, []string{k.name, c})
		b.set(n, k.c, k.h, k.w)
		return nil
	}
	a, c := x, y
	switch {
	case a.c == c.c && a.h == c.h && a.w == c.w:
	case a.c == c.c && a.h == 1 && a.w == 1:
		a, c = c, a // the full map first, the per-channel factor second
	case a.c == c.c && c.h == 1 && c.w == 1:
	default:
		return fmt.Errorf("shapes (%d, %d, %d) and (%d, %d, %d) do not broadcast", x.c, x.h, x.w, y.c, y.h, y.w)
	}
	if op == "Sub" && a != x {
		return fmt.Errorf("per-channel tensor minus map not supported")
	}
	// OpenCV 4.6 reads a product with a per-channel (1, C, 1, 1) tensor as
	// its Scale layer, which takes one frame per forward pass only: a
	// network with squeeze-and-excite blocks must be run a frame at a time
	// (vision.InputSpec.MaxBatch).
	b.emit(op, n.Name, []string{a.name, c.name})
	b.set(n, a.c, a.h, a.w)
	return nil
}

// mean converts a Mean over the spatial axes that keeps them
// (squeeze-and-excite pooling) to GlobalAveragePool.
func (b *gbuilder) mean(n *GraphNode) error {
	x, err := b.activation(n, 0)
	if err != nil {
		return err
	}
	ax, err := b.input(n, 1)
	if err != nil {
		return err
	}
	keep := n.Attr["keep_dims"].B
	axes := slices.Clone(ax.ints)
	slices.Sort(axes)
	if !ax.isConst || !slices.Equal(axes, []int64{1, 2}) || keep == nil || !*keep {
		return fmt.Errorf("only a mean over height and width that keeps them is supported (axes %v)", ax.ints)
	}
	b.emit("GlobalAveragePool", n.Name, []string{x.name})
	b.set(n, x.c, 1, 1)
	return nil
}

// pool converts MaxPool and AvgPool.
func (b *gbuilder) pool(n *GraphNode) error {
	x, err := b.activation(n, 0)
	if err != nil {
		return err
	}
	kh, kw, err := hw(n, "ksize")
	if err != nil {
		return err
	}
	sh, sw, err := hw(n, "strides")
	if err != nil {
		return err
	}
	pads, oh, ow, err := window(n, x.h, x.w, kh, kw, sh, sw, 1, 1)
	if err != nil {
		return err
	}
	if oh < 1 || ow < 1 {
		return fmt.Errorf("output would be %dx%d", oh, ow)
	}
	attrs := []attr{intsAttr("kernel_shape", int64(kh), int64(kw)), intsAttr("strides", int64(sh), int64(sw)), intsAttr("pads", pads...)}
	if n.Op == "MaxPool" {
		b.emit("MaxPool", n.Name, []string{x.name}, attrs...)
	} else {
		// TensorFlow averages over the window's cells inside the map only.
		b.emit("AveragePool", n.Name, []string{x.name}, append(attrs, intAttr("count_include_pad", 0))...)
	}
	b.set(n, x.c, oh, ow)
	return nil
}

// resize converts ResizeBilinear (align_corners and half_pixel_centers
// false: TensorFlow's asymmetric mapping, which OpenCV's "bilinear" resize
// computes) and ResizeNearestNeighbor to Upsample with scales, so the
// network stays fully convolutional: a graph made for 512x512 upsamples by
// the same factor at any input size.
func (b *gbuilder) resize(n *GraphNode) error {
	x, err := b.activation(n, 0)
	if err != nil {
		return err
	}
	sz, err := b.input(n, 1)
	if err != nil {
		return err
	}
	if !sz.isConst || len(sz.ints) != 2 {
		return fmt.Errorf("size is not a constant (height, width)")
	}
	for _, k := range []string{"align_corners", "half_pixel_centers"} {
		if v := n.Attr[k].B; v != nil && *v {
			return fmt.Errorf("%s=true not supported", k)
		}
	}
	oh, ow := int(sz.ints[0]), int(sz.ints[1])
	if oh < 1 || ow < 1 || oh%x.h != 0 || ow%x.w != 0 {
		return fmt.Errorf("resize %dx%d -> %dx%d is not by a whole factor", x.h, x.w, oh, ow)
	}
	mode := "linear"
	if n.Op == "ResizeNearestNeighbor" {
		mode = "nearest"
	}
	scales := b.init(n.Name+"/scales", []int{4}, []float32{1, 1, float32(oh / x.h), float32(ow / x.w)})
	b.emit("Upsample", n.Name, []string{x.name, scales}, strAttr("mode", mode), strAttr("coordinate_transformation_mode", "asymmetric"))
	b.set(n, x.c, oh, ow)
	return nil
}

// concat converts ConcatV2 along the channels.
func (b *gbuilder) concat(n *GraphNode) error {
	var data []string
	for _, in := range n.Inputs {
		if !strings.HasPrefix(in, "^") {
			data = append(data, in)
		}
	}
	if len(data) < 2 {
		return fmt.Errorf("no inputs")
	}
	ax, err := b.input(n, len(data)-1)
	if err != nil {
		return err
	}
	if !ax.isConst || len(ax.ints) != 1 || (ax.ints[0] != 3 && ax.ints[0] != -1) {
		return fmt.Errorf("only concatenation along channels (axis 3 or -1) is supported")
	}
	var names []string
	var first *gval
	c := 0
	for i := range len(data) - 1 {
		v, err := b.activation(n, i)
		if err != nil {
			return err
		}
		if first == nil {
			first = v
		} else if v.h != first.h || v.w != first.w {
			return fmt.Errorf("inputs %dx%d and %dx%d differ in size", first.h, first.w, v.h, v.w)
		}
		names = append(names, v.name)
		c += v.c
	}
	b.emit("Concat", n.Name, names, intAttr("axis", 1))
	b.set(n, c, first.h, first.w)
	return nil
}
