package convert

// A direct Go evaluation of the Keras layers the converter handles, in
// Keras's own layout (NHWC without N: (H, W, C)), used as the reference the
// converted ONNX model is checked against. It reads the dequantised weights
// exactly as the converter does, but shares no code with it.

import (
	"fmt"
	"math"
)

// hwc is a feature map (H, W, C) or, with h = w = 1, a vector.
type hwc struct {
	h, w, c int
	v       []float64
}

func (t hwc) at(y, x, c int) float64 { return t.v[(y*t.w+x)*t.c+c] }

// evalKeras runs m on input x and returns every layer's output by name.
func evalKeras(m *Model, x hwc) (map[string]hwc, error) {
	out := map[string]hwc{}
	w := func(name string) []float64 {
		t := m.Weights[name]
		f := make([]float64, len(t.Data))
		for i, v := range t.Data {
			f[i] = float64(v)
		}
		return f
	}
	for _, l := range m.Layers {
		c := l.Config
		var in hwc
		if len(l.Inputs) > 0 {
			in = out[l.Inputs[0]]
		}
		var y hwc
		switch l.ClassName {
		case "InputLayer":
			y = x
		case "ZeroPadding2D":
			p, _ := zeroPadding(c.Padding) // top, left, bottom, right
			y = hwc{h: in.h + p[0] + p[2], w: in.w + p[1] + p[3], c: in.c}
			y.v = make([]float64, y.h*y.w*y.c)
			for yy := range in.h {
				for xx := range in.w {
					for ch := range in.c {
						y.v[((yy+p[0])*y.w+xx+p[1])*y.c+ch] = in.at(yy, xx, ch)
					}
				}
			}
		case "Conv2D", "DepthwiseConv2D":
			y = refConv(l, in, w)
		case "BatchNormalization":
			g, b, mu, va := w(l.Name+"/gamma"), w(l.Name+"/beta"), w(l.Name+"/moving_mean"), w(l.Name+"/moving_variance")
			y = hwc{h: in.h, w: in.w, c: in.c, v: make([]float64, len(in.v))}
			for i, v := range in.v {
				ch := i % in.c
				y.v[i] = g[ch]*(v-mu[ch])/math.Sqrt(va[ch]+c.Epsilon) + b[ch]
			}
		case "ReLU":
			y = apply(in, func(v float64) float64 {
				v = math.Max(v, 0)
				if c.MaxValue != nil {
					v = math.Min(v, *c.MaxValue)
				}
				return v
			})
		case "Add":
			y = hwc{h: in.h, w: in.w, c: in.c, v: make([]float64, len(in.v))}
			for _, name := range l.Inputs {
				for i, v := range out[name].v {
					y.v[i] += v
				}
			}
		case "AveragePooling2D":
			k, s := c.PoolSize, c.Strides
			y = hwc{h: (in.h-k[0])/s[0] + 1, w: (in.w-k[1])/s[1] + 1, c: in.c}
			y.v = make([]float64, y.h*y.w*y.c)
			for oy := range y.h {
				for ox := range y.w {
					for ch := range in.c {
						var sum float64
						for dy := range k[0] {
							for dx := range k[1] {
								sum += in.at(oy*s[0]+dy, ox*s[1]+dx, ch)
							}
						}
						y.v[(oy*y.w+ox)*y.c+ch] = sum / float64(k[0]*k[1])
					}
				}
			}
		case "GlobalAveragePooling2D":
			y = hwc{h: 1, w: 1, c: in.c, v: make([]float64, in.c)}
			for i, v := range in.v {
				y.v[i%in.c] += v / float64(in.h*in.w)
			}
		case "Flatten":
			y = hwc{h: 1, w: 1, c: len(in.v), v: in.v}
		case "Dropout":
			y = in
		case "Dense":
			k := w(l.Name + "/kernel") // (in, out)
			y = hwc{h: 1, w: 1, c: c.Units, v: make([]float64, c.Units)}
			if c.UseBias {
				copy(y.v, w(l.Name+"/bias"))
			}
			for i, xv := range in.v {
				for o := range c.Units {
					y.v[o] += xv * k[i*c.Units+o]
				}
			}
			y = activate(y, c.Activation)
		default:
			return nil, fmt.Errorf("reference: layer class %s", l.ClassName)
		}
		out[l.Name] = y
	}
	return out, nil
}

func apply(t hwc, f func(float64) float64) hwc {
	y := hwc{h: t.h, w: t.w, c: t.c, v: make([]float64, len(t.v))}
	for i, v := range t.v {
		y.v[i] = f(v)
	}
	return y
}

func activate(t hwc, act string) hwc {
	switch act {
	case "relu":
		return apply(t, func(v float64) float64 { return math.Max(v, 0) })
	case "softmax":
		var sum float64
		y := apply(t, math.Exp)
		for _, v := range y.v {
			sum += v
		}
		return apply(y, func(v float64) float64 { return v / sum })
	}
	return t
}

// refConv is Keras's Conv2D and DepthwiseConv2D, with TensorFlow's "same"
// padding (the odd pixel at the bottom and right).
func refConv(l Layer, in hwc, w func(string) []float64) hwc {
	c := l.Config
	kh, kw, sh, sw := c.KernelSize[0], c.KernelSize[1], c.Strides[0], c.Strides[1]
	var oh, ow, pt, pl int
	if p, _ := c.Padding.(string); p == "same" {
		oh, ow = (in.h+sh-1)/sh, (in.w+sw-1)/sw
		pt = max((oh-1)*sh+kh-in.h, 0) / 2
		pl = max((ow-1)*sw+kw-in.w, 0) / 2
	} else {
		oh, ow = (in.h-kh)/sh+1, (in.w-kw)/sw+1
	}
	depthwise := l.ClassName == "DepthwiseConv2D"
	outC := c.Filters
	var k []float64
	mult := max(c.DepthMultiplier, 1)
	if depthwise {
		outC = in.c * mult
		k = w(l.Name + "/depthwise_kernel") // (kh, kw, in, mult)
	} else {
		k = w(l.Name + "/kernel") // (kh, kw, in, out)
	}
	y := hwc{h: oh, w: ow, c: outC, v: make([]float64, oh*ow*outC)}
	var bias []float64
	if c.UseBias {
		bias = w(l.Name + "/bias")
	}
	for oy := range oh {
		for ox := range ow {
			for o := range outC {
				var sum float64
				if bias != nil {
					sum = bias[o]
				}
				for dy := range kh {
					for dx := range kw {
						iy, ix := oy*sh+dy-pt, ox*sw+dx-pl
						if iy < 0 || ix < 0 || iy >= in.h || ix >= in.w {
							continue
						}
						if depthwise {
							i, m := o/mult, o%mult
							sum += in.at(iy, ix, i) * k[((dy*kw+dx)*in.c+i)*mult+m]
							continue
						}
						for i := range in.c {
							sum += in.at(iy, ix, i) * k[((dy*kw+dx)*in.c+i)*outC+o]
						}
					}
				}
				y.v[(oy*ow+ox)*outC+o] = sum
			}
		}
	}
	return activate(y, c.Activation)
}
