package convert

// Shapes: N=1 (batch), C=channels, H=height, W=width; Keras tensors are NHWC,
// ONNX tensors NCHW. Conv weights: Keras (kh, kw, in, out) -> ONNX (out, in, kh, kw);
// depthwise: Keras (kh, kw, in, mult) -> ONNX (in*mult, 1, kh, kw), group=in;
// Dense: Keras (in, out) -> Gemm B (out, in) with transB=1.

import (
	"fmt"
	"math"
	"slices"
)

// Options says what to convert.
type Options struct {
	// Outputs are the layers that become graph outputs. The graph keeps only
	// the layers they depend on, so a mid-level output truncates the network.
	// Empty means the model's own outputs.
	Outputs []string
	// Heads are pooling nodes added after layers; each head's output
	// (N, C, 1, 1), or (N, C, G, G) for a grid head, becomes a graph output
	// named Head.Name(). Pooling a large early map inside the network saves
	// copying it out.
	Heads []Head
	// Producer and Version go into the ONNX file's header.
	Producer, Version string
}

// Head is a pooling of a layer's output: Op is "mean" or "max". With Grid 0
// it pools each channel over the whole map (GlobalAveragePool,
// GlobalMaxPool); with Grid G > 0 over each cell of a G x G grid
// (AveragePool, MaxPool), giving a (C, G, G) map. Grid cells are those of
// vision's grid pooling: cell i of G over n rows spans [i*n/G, ceil((i+1)*n/G)),
// so neighbours share a row where G does not divide n. A pooling node can
// compute them only when they are evenly spaced and equally long, as for 3
// and 4 cells over 112 rows (kernel 38, stride 37; kernel 28, stride 28).
type Head struct {
	Layer string
	Op    string
	Grid  int
}

// Name is the head's output name: the layer's name and "/global_mean" or
// "/global_max", or "/grid4_mean", "/grid4_max" and so on for a grid head.
func (h Head) Name() string {
	if h.Grid > 0 {
		return fmt.Sprintf("%s/grid%d_%s", h.Layer, h.Grid, h.Op)
	}
	return h.Layer + "/global_" + h.Op
}

// gridWindow returns the kernel and stride of a pooling node whose g
// outputs over n positions are vision's grid cells, or ok false when no
// single kernel and stride give them.
func gridWindow(g, n int) (kernel, stride int, ok bool) {
	if g < 1 || g > n {
		return 0, 0, false
	}
	cell := func(i int) (lo, hi int) { return i * n / g, ((i+1)*n + g - 1) / g }
	lo0, hi0 := cell(0)
	kernel = hi0 - lo0
	stride = kernel
	if g > 1 {
		lo1, _ := cell(1)
		stride = lo1 - lo0
	}
	if stride < 1 {
		return 0, 0, false
	}
	for i := range g {
		lo, hi := cell(i)
		if lo != i*stride || hi-lo != kernel {
			return 0, 0, false
		}
	}
	return kernel, stride, true
}

// Output describes one graph output: the Keras layer it comes from and its
// ONNX shape (N, C, H, W), or (N, F) after flattening.
type Output struct {
	Layer string `json:"layer"`
	Shape []int  `json:"shape"`
}

// value is a converted Keras tensor: its ONNX name and NCHW shape, a zero
// padding not yet applied (ZeroPadding2D is folded into the next convolution),
// and the convolution that computes it, while batch normalisation may still be
// folded into that convolution.
type value struct {
	name    string
	c, h, w int
	flat    bool   // rank 2 (N, c); h = w = 1
	pad     [4]int // top, left, bottom, right
	conv    *convOp
	padded  bool
}

// convOp is a Conv node whose weights are still open to folding.
type convOp struct {
	name, in, out string
	weight        []float32 // (out, in/group, kh, kw)
	bias          []float32 // (out)
	outC, inPerG  int
	kh, kw, group int
	strides, pads []int64 // pads: top, left, bottom, right
	dilations     []int64
}

// builder accumulates the ONNX graph in topological order.
type builder struct {
	m    *Model
	g    onnxGraph
	vals map[string]*value
	ops  []any // *convOp or onnxNode, in order
	uses map[string]int
	keep map[string]bool // layers whose outputs must stay visible
}

// Convert turns m into an ONNX model (opset 9, float32, fixed input size)
// that OpenCV 4.6's importer reads, with batch normalisation and zero padding
// folded into the convolutions. It returns the encoded model and its outputs.
func Convert(m *Model, opts Options) ([]byte, []Output, error) {
	var outs []string
	for _, o := range opts.Outputs {
		if !slices.Contains(outs, o) {
			outs = append(outs, o)
		}
	}
	if len(outs) == 0 && len(opts.Heads) == 0 {
		outs = m.Outputs
	}
	if len(outs) == 0 && len(opts.Heads) == 0 {
		return nil, nil, fmt.Errorf("convert: model %s has no outputs", m.Name)
	}
	byName := map[string]*Layer{}
	for i := range m.Layers {
		byName[m.Layers[i].Name] = &m.Layers[i]
	}
	// Keep only the layers the outputs depend on.
	need := map[string]bool{}
	var visit func(string) error
	visit = func(n string) error {
		if need[n] {
			return nil
		}
		l, ok := byName[n]
		if !ok {
			return fmt.Errorf("convert: no layer %q in model %s", n, m.Name)
		}
		need[n] = true
		for _, in := range l.Inputs {
			if err := visit(in); err != nil {
				return err
			}
		}
		return nil
	}
	for _, o := range outs {
		if err := visit(o); err != nil {
			return nil, nil, err
		}
	}
	for _, h := range opts.Heads {
		if h.Op != "mean" && h.Op != "max" {
			return nil, nil, fmt.Errorf("convert: head on %s: op %q, want mean or max", h.Layer, h.Op)
		}
		if h.Grid < 0 {
			return nil, nil, fmt.Errorf("convert: head on %s: grid %d, want 0 (global) or more", h.Layer, h.Grid)
		}
		if err := visit(h.Layer); err != nil {
			return nil, nil, err
		}
	}
	b := &builder{m: m, vals: map[string]*value{}, uses: map[string]int{}, keep: map[string]bool{}}
	b.g.name = m.Name
	for _, o := range outs {
		b.keep[o] = true
	}
	for _, h := range opts.Heads {
		b.keep[h.Layer] = true
	}
	for _, l := range m.Layers {
		if need[l.Name] {
			for _, in := range l.Inputs {
				b.uses[in]++
			}
		}
	}
	for i := range m.Layers {
		l := &m.Layers[i]
		if !need[l.Name] {
			continue
		}
		if err := b.layer(l); err != nil {
			return nil, nil, fmt.Errorf("convert: layer %s (%s): %w", l.Name, l.ClassName, err)
		}
	}
	var info []Output
	for _, o := range outs {
		v := b.vals[o]
		if v.padded || v.name != o {
			return nil, nil, fmt.Errorf("convert: output %s is not computed by a node of its own (padding or dropout): pick the layer before or after it", o)
		}
		dims := []int{1, v.c, v.h, v.w}
		if v.flat {
			dims = []int{1, v.c}
		}
		b.g.outputs = append(b.g.outputs, valueInfo{name: o, dims: dims})
		info = append(info, Output{Layer: o, Shape: dims})
	}
	for _, h := range opts.Heads {
		v := b.vals[h.Layer]
		if v.padded || v.flat || v.name != h.Layer {
			return nil, nil, fmt.Errorf("convert: head on %s: not a feature map computed by a node of its own", h.Layer)
		}
		dims := []int{1, v.c, 1, 1}
		if h.Grid == 0 {
			op := map[string]string{"mean": "GlobalAveragePool", "max": "GlobalMaxPool"}[h.Op]
			b.node(op, h.Name(), []string{v.name})
		} else {
			kh, sh, okH := gridWindow(h.Grid, v.h)
			kw, sw, okW := gridWindow(h.Grid, v.w)
			if !okH || !okW {
				return nil, nil, fmt.Errorf("convert: head %s: a %dx%d grid over a %dx%d map has cells no single pooling window gives", h.Name(), h.Grid, h.Grid, v.h, v.w)
			}
			op := map[string]string{"mean": "AveragePool", "max": "MaxPool"}[h.Op]
			b.node(op, h.Name(), []string{v.name},
				intsAttr("kernel_shape", int64(kh), int64(kw)),
				intsAttr("strides", int64(sh), int64(sw)),
				intsAttr("pads", 0, 0, 0, 0))
			dims = []int{1, v.c, h.Grid, h.Grid}
		}
		b.g.outputs = append(b.g.outputs, valueInfo{name: h.Name(), dims: dims})
		info = append(info, Output{Layer: h.Name(), Shape: dims})
	}
	b.finish()
	return encodeModel(b.g, opts.Producer, opts.Version), info, nil
}

func (b *builder) input(l *Layer, i int) (*value, error) {
	if i >= len(l.Inputs) {
		return nil, fmt.Errorf("missing input %d", i)
	}
	v, ok := b.vals[l.Inputs[i]]
	if !ok {
		return nil, fmt.Errorf("input %s not converted", l.Inputs[i])
	}
	if v.padded && l.ClassName != "Conv2D" && l.ClassName != "DepthwiseConv2D" {
		return nil, fmt.Errorf("zero padding %s feeds a %s, not a convolution", l.Inputs[i], l.ClassName)
	}
	return v, nil
}

func (b *builder) weight(layer, name string, shape ...int) ([]float32, error) {
	t, ok := b.m.Weights[layer+"/"+name]
	if !ok {
		return nil, fmt.Errorf("weight %s/%s missing", layer, name)
	}
	if !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("weight %s/%s has shape %v, want %v", layer, name, t.Shape, shape)
	}
	return t.Data, nil
}

func (b *builder) node(op, name string, inputs []string, attrs ...attr) {
	b.ops = append(b.ops, onnxNode{op: op, name: name, inputs: inputs, outputs: []string{name}, attrs: attrs})
}

func (b *builder) init(name string, dims []int, data []float32) string {
	b.g.initializers = append(b.g.initializers, onnxInit{name: name, dims: dims, data: data})
	return name
}

func (b *builder) layer(l *Layer) error {
	c := &l.Config
	if c.DataFormat != "" && c.DataFormat != "channels_last" {
		return fmt.Errorf("data format %q not supported", c.DataFormat)
	}
	switch l.ClassName {
	case "InputLayer":
		s := c.BatchInputShape
		if len(s) != 4 || s[1] == nil || s[2] == nil || s[3] == nil {
			return fmt.Errorf("input shape must be (batch, H, W, C) with fixed H, W, C")
		}
		v := &value{name: l.Name, h: *s[1], w: *s[2], c: *s[3]}
		b.g.inputs = append(b.g.inputs, valueInfo{name: l.Name, dims: []int{1, v.c, v.h, v.w}})
		b.vals[l.Name] = v
	case "ZeroPadding2D":
		in, err := b.input(l, 0)
		if err != nil {
			return err
		}
		p, err := zeroPadding(c.Padding)
		if err != nil {
			return err
		}
		v := *in
		v.padded = true
		for i := range p {
			v.pad[i] += p[i]
		}
		v.conv = nil
		b.vals[l.Name] = &v
	case "Conv2D", "DepthwiseConv2D":
		return b.conv(l)
	case "BatchNormalization":
		return b.batchNorm(l)
	case "ReLU":
		if c.NegativeSlope != 0 || c.Threshold != 0 {
			return fmt.Errorf("ReLU with negative slope or threshold not supported")
		}
		in, err := b.input(l, 0)
		if err != nil {
			return err
		}
		b.activation(l.Name, in.name, "relu", c.MaxValue)
		b.vals[l.Name] = &value{name: l.Name, c: in.c, h: in.h, w: in.w, flat: in.flat}
	case "Activation":
		in, err := b.input(l, 0)
		if err != nil {
			return err
		}
		if c.Activation == "linear" {
			b.vals[l.Name] = in
			return nil
		}
		if err := b.activationKind(c.Activation); err != nil {
			return err
		}
		b.activation(l.Name, in.name, c.Activation, nil)
		b.vals[l.Name] = &value{name: l.Name, c: in.c, h: in.h, w: in.w, flat: in.flat}
	case "Add":
		if len(l.Inputs) < 2 {
			return fmt.Errorf("needs at least two inputs")
		}
		first, err := b.input(l, 0)
		if err != nil {
			return err
		}
		acc := first.name
		for i := 1; i < len(l.Inputs); i++ {
			v, err := b.input(l, i)
			if err != nil {
				return err
			}
			if v.c != first.c || v.h != first.h || v.w != first.w || v.flat != first.flat {
				return fmt.Errorf("inputs differ in shape")
			}
			name := l.Name
			if i < len(l.Inputs)-1 {
				name = fmt.Sprintf("%s/sum%d", l.Name, i)
			}
			b.node("Add", name, []string{acc, v.name})
			acc = name
		}
		b.vals[l.Name] = &value{name: l.Name, c: first.c, h: first.h, w: first.w, flat: first.flat}
	case "AveragePooling2D":
		in, err := b.input(l, 0)
		if err != nil {
			return err
		}
		if s, _ := c.Padding.(string); s != "valid" {
			return fmt.Errorf("padding %v not supported (only valid)", c.Padding)
		}
		if len(c.PoolSize) != 2 {
			return fmt.Errorf("pool size %v", c.PoolSize)
		}
		st := c.Strides
		if len(st) != 2 {
			st = c.PoolSize
		}
		b.node("AveragePool", l.Name, []string{in.name},
			intsAttr("kernel_shape", int64(c.PoolSize[0]), int64(c.PoolSize[1])),
			intsAttr("strides", int64(st[0]), int64(st[1])))
		b.vals[l.Name] = &value{name: l.Name, c: in.c, h: (in.h-c.PoolSize[0])/st[0] + 1, w: (in.w-c.PoolSize[1])/st[1] + 1}
	case "GlobalAveragePooling2D":
		in, err := b.input(l, 0)
		if err != nil {
			return err
		}
		b.node("GlobalAveragePool", l.Name+"/pool", []string{in.name})
		b.node("Flatten", l.Name, []string{l.Name + "/pool"}, intAttr("axis", 1))
		b.vals[l.Name] = &value{name: l.Name, c: in.c, h: 1, w: 1, flat: true}
	case "Flatten":
		in, err := b.input(l, 0)
		if err != nil {
			return err
		}
		if in.h*in.w != 1 {
			// Keras flattens NHWC, ONNX NCHW: the orders differ unless 1x1.
			return fmt.Errorf("flattening a %dx%d map is not supported (only 1x1)", in.h, in.w)
		}
		b.node("Flatten", l.Name, []string{in.name}, intAttr("axis", 1))
		b.vals[l.Name] = &value{name: l.Name, c: in.c, h: 1, w: 1, flat: true}
	case "Dropout":
		in, err := b.input(l, 0)
		if err != nil {
			return err
		}
		b.vals[l.Name] = in // identity at inference
	case "Dense":
		return b.dense(l)
	default:
		return fmt.Errorf("layer class not supported")
	}
	return nil
}

// zeroPadding reads Keras's padding: n, [h, w] or [[top, bottom], [left, right]].
func zeroPadding(p any) ([4]int, error) {
	num := func(x any) (int, bool) { f, ok := x.(float64); return int(f), ok && f >= 0 && f == math.Trunc(f) }
	if n, ok := num(p); ok {
		return [4]int{n, n, n, n}, nil
	}
	a, ok := p.([]any)
	if ok && len(a) == 2 {
		if h, ok1 := num(a[0]); ok1 {
			if w, ok2 := num(a[1]); ok2 {
				return [4]int{h, w, h, w}, nil
			}
		}
		hp, ok1 := a[0].([]any)
		wp, ok2 := a[1].([]any)
		if ok1 && ok2 && len(hp) == 2 && len(wp) == 2 {
			t, ok1 := num(hp[0])
			bo, ok2 := num(hp[1])
			le, ok3 := num(wp[0])
			r, ok4 := num(wp[1])
			if ok1 && ok2 && ok3 && ok4 {
				return [4]int{t, le, bo, r}, nil
			}
		}
	}
	return [4]int{}, fmt.Errorf("padding %v not understood", p)
}

func (b *builder) activationKind(a string) error {
	switch a {
	case "", "linear", "relu", "relu6", "softmax":
		return nil
	}
	return fmt.Errorf("activation %q not supported", a)
}

// activation appends the node for act from in to out; maxValue caps a ReLU
// (ReLU6 becomes a single-input Clip, the opset-9 form).
func (b *builder) activation(out, in, act string, maxValue *float64) {
	switch {
	case act == "relu6":
		b.node("Clip", out, []string{in}, floatAttr("min", 0), floatAttr("max", 6))
	case act == "relu" && maxValue != nil:
		b.node("Clip", out, []string{in}, floatAttr("min", 0), floatAttr("max", float32(*maxValue)))
	case act == "relu":
		b.node("Relu", out, []string{in})
	case act == "softmax":
		b.node("Softmax", out, []string{in}, intAttr("axis", 1))
	}
}

func (b *builder) conv(l *Layer) error {
	c := &l.Config
	in, err := b.input(l, 0)
	if err != nil {
		return err
	}
	if in.flat {
		return fmt.Errorf("input is not a feature map")
	}
	if err := b.activationKind(c.Activation); err != nil {
		return err
	}
	if len(c.KernelSize) != 2 || len(c.Strides) != 2 {
		return fmt.Errorf("kernel size %v, strides %v", c.KernelSize, c.Strides)
	}
	kh, kw, sh, sw := c.KernelSize[0], c.KernelSize[1], c.Strides[0], c.Strides[1]
	dh, dw := 1, 1
	if len(c.DilationRate) == 2 {
		dh, dw = c.DilationRate[0], c.DilationRate[1]
	}
	op := &convOp{name: l.Name, in: in.name, out: l.Name, kh: kh, kw: kw,
		strides: []int64{int64(sh), int64(sw)}, dilations: []int64{int64(dh), int64(dw)}}
	inC := in.c
	if l.ClassName == "Conv2D" {
		k, err := b.weight(l.Name, "kernel", kh, kw, inC, c.Filters)
		if err != nil {
			return err
		}
		op.outC, op.inPerG, op.group = c.Filters, inC, 1
		op.weight = make([]float32, c.Filters*inC*kh*kw)
		for y := range kh {
			for x := range kw {
				for i := range inC {
					for o := range c.Filters {
						op.weight[((o*inC+i)*kh+y)*kw+x] = k[((y*kw+x)*inC+i)*c.Filters+o]
					}
				}
			}
		}
	} else {
		mult := max(c.DepthMultiplier, 1)
		k, err := b.weight(l.Name, "depthwise_kernel", kh, kw, inC, mult)
		if err != nil {
			return err
		}
		op.outC, op.inPerG, op.group = inC*mult, 1, inC
		op.weight = make([]float32, inC*mult*kh*kw)
		for y := range kh {
			for x := range kw {
				for i := range inC {
					for m := range mult {
						op.weight[((i*mult+m)*kh+y)*kw+x] = k[((y*kw+x)*inC+i)*mult+m]
					}
				}
			}
		}
	}
	op.bias = make([]float32, op.outC)
	if c.UseBias {
		bias, err := b.weight(l.Name, "bias", op.outC)
		if err != nil {
			return err
		}
		copy(op.bias, bias)
	}
	// Explicit padding: the folded ZeroPadding2D, then Keras's "same" padding
	// (TensorFlow puts the odd pixel at the bottom and right).
	h, w := in.h+in.pad[0]+in.pad[2], in.w+in.pad[1]+in.pad[3]
	pads := in.pad
	switch mode, _ := c.Padding.(string); mode {
	case "valid":
	case "same":
		ph := max((ceilDiv(h, sh)-1)*sh+(kh-1)*dh+1-h, 0)
		pw := max((ceilDiv(w, sw)-1)*sw+(kw-1)*dw+1-w, 0)
		pads[0] += ph / 2
		pads[2] += ph - ph/2
		pads[1] += pw / 2
		pads[3] += pw - pw/2
		h, w = h+ph, w+pw
	default:
		return fmt.Errorf("padding %v not supported", c.Padding)
	}
	op.pads = []int64{int64(pads[0]), int64(pads[1]), int64(pads[2]), int64(pads[3])}
	outH, outW := (h-(kh-1)*dh-1)/sh+1, (w-(kw-1)*dw-1)/sw+1
	if outH < 1 || outW < 1 {
		return fmt.Errorf("input %dx%d too small for the kernel", in.h, in.w)
	}
	b.ops = append(b.ops, op)
	v := &value{name: l.Name, c: op.outC, h: outH, w: outW}
	if c.Activation == "" || c.Activation == "linear" {
		v.conv = op
	} else {
		op.out = l.Name + "/preact"
		b.activation(l.Name, op.out, c.Activation, nil)
	}
	b.vals[l.Name] = v
	return nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// batchNorm folds y = gamma*(x-mean)/sqrt(var+eps) + beta into the
// convolution before it when that convolution feeds nothing else, and emits
// a BatchNormalization node otherwise.
func (b *builder) batchNorm(l *Layer) error {
	c := &l.Config
	in, err := b.input(l, 0)
	if err != nil {
		return err
	}
	if ax, ok := c.Axis.(float64); ok && ax != -1 && ax != 3 {
		return fmt.Errorf("axis %v not supported (only channels)", c.Axis)
	}
	n := in.c
	gamma := ones(n)
	beta := make([]float32, n)
	if c.Scale == nil || *c.Scale {
		if gamma, err = b.weight(l.Name, "gamma", n); err != nil {
			return err
		}
	}
	if c.Center == nil || *c.Center {
		if beta, err = b.weight(l.Name, "beta", n); err != nil {
			return err
		}
	}
	mean, err := b.weight(l.Name, "moving_mean", n)
	if err != nil {
		return err
	}
	variance, err := b.weight(l.Name, "moving_variance", n)
	if err != nil {
		return err
	}
	eps := c.Epsilon
	if eps == 0 {
		eps = 1e-3
	}
	if op := in.conv; op != nil && b.uses[l.Inputs[0]] == 1 && !b.keep[l.Inputs[0]] {
		per := len(op.weight) / op.outC
		for o := range op.outC {
			s := float64(gamma[o]) / math.Sqrt(float64(variance[o])+eps)
			for j := range per {
				op.weight[o*per+j] = float32(float64(op.weight[o*per+j]) * s)
			}
			op.bias[o] = float32((float64(op.bias[o])-float64(mean[o]))*s + float64(beta[o]))
		}
		op.out = l.Name
		v := *in
		v.name = l.Name
		b.vals[l.Name] = &v
		return nil
	}
	b.node("BatchNormalization", l.Name, []string{in.name,
		b.init(l.Name+"/gamma", []int{n}, gamma), b.init(l.Name+"/beta", []int{n}, beta),
		b.init(l.Name+"/moving_mean", []int{n}, mean), b.init(l.Name+"/moving_variance", []int{n}, variance)},
		floatAttr("epsilon", float32(eps)))
	b.vals[l.Name] = &value{name: l.Name, c: in.c, h: in.h, w: in.w, flat: in.flat}
	return nil
}

func ones(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func (b *builder) dense(l *Layer) error {
	c := &l.Config
	in, err := b.input(l, 0)
	if err != nil {
		return err
	}
	if !in.flat {
		return fmt.Errorf("input must be flat (add a Flatten or a global pooling)")
	}
	if err := b.activationKind(c.Activation); err != nil {
		return err
	}
	k, err := b.weight(l.Name, "kernel", in.c, c.Units)
	if err != nil {
		return err
	}
	wt := make([]float32, c.Units*in.c) // (out, in)
	for i := range in.c {
		for o := range c.Units {
			wt[o*in.c+i] = k[i*c.Units+o]
		}
	}
	bias := make([]float32, c.Units)
	if c.UseBias {
		bb, err := b.weight(l.Name, "bias", c.Units)
		if err != nil {
			return err
		}
		copy(bias, bb)
	}
	out := l.Name
	if c.Activation != "" && c.Activation != "linear" {
		out = l.Name + "/preact"
	}
	b.node("Gemm", out, []string{in.name,
		b.init(l.Name+"/kernel", []int{c.Units, in.c}, wt), b.init(l.Name+"/bias", []int{c.Units}, bias)},
		intAttr("transB", 1))
	if out != l.Name {
		b.activation(l.Name, out, c.Activation, nil)
	}
	b.vals[l.Name] = &value{name: l.Name, c: c.Units, h: 1, w: 1, flat: true}
	return nil
}

// finish turns the ops into nodes, in order, now that folding is over.
func (b *builder) finish() {
	for _, o := range b.ops {
		switch op := o.(type) {
		case onnxNode:
			b.g.nodes = append(b.g.nodes, op)
		case *convOp:
			w := b.init(op.name+"/weight", []int{op.outC, op.inPerG, op.kh, op.kw}, op.weight)
			bias := b.init(op.name+"/bias", []int{op.outC}, op.bias)
			b.g.nodes = append(b.g.nodes, onnxNode{op: "Conv", name: op.out, inputs: []string{op.in, w, bias},
				outputs: []string{op.out}, attrs: []attr{
					intsAttr("kernel_shape", int64(op.kh), int64(op.kw)),
					intsAttr("strides", op.strides...),
					intsAttr("pads", op.pads...),
					intsAttr("dilations", op.dilations...),
					intAttr("group", int64(op.group)),
				}})
		}
	}
}
