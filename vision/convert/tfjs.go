package convert

import (
	"archive/tar"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"strings"
)

// Model is a TensorFlow.js layers model: a Keras functional model's topology
// and its dequantised weights, by name, in Keras layouts.
type Model struct {
	Name   string
	Layers []Layer
	// Outputs are the names of the model's output layers.
	Outputs []string
	// Weights holds every weight entry of the manifest, dequantised
	// (value = q*scale + min), in Keras layout: Conv2D kernels (kh, kw, in, out),
	// DepthwiseConv2D kernels (kh, kw, in, multiplier), Dense kernels (in, out).
	Weights map[string]Tensor
}

// Layer is one Keras layer: its class, its raw config and its inputs.
type Layer struct {
	Name      string
	ClassName string
	Config    layerConfig
	Inputs    []string // names of inbound layers, in order
}

// Tensor is a float32 tensor with its shape.
type Tensor struct {
	Shape []int
	Data  []float32
}

// layerConfig is the union of the Keras config fields the converter reads.
type layerConfig struct {
	BatchInputShape []*int   `json:"batch_input_shape"`
	Filters         int      `json:"filters"`
	KernelSize      []int    `json:"kernel_size"`
	Strides         []int    `json:"strides"`
	Padding         any      `json:"padding"` // "same"/"valid", or ZeroPadding2D's [[t,b],[l,r]]
	DataFormat      string   `json:"data_format"`
	DilationRate    []int    `json:"dilation_rate"`
	Activation      string   `json:"activation"`
	UseBias         bool     `json:"use_bias"`
	DepthMultiplier int      `json:"depth_multiplier"`
	Epsilon         float64  `json:"epsilon"`
	Center          *bool    `json:"center"`
	Scale           *bool    `json:"scale"`
	Axis            any      `json:"axis"`
	MaxValue        *float64 `json:"max_value"`
	NegativeSlope   float64  `json:"negative_slope"`
	Threshold       float64  `json:"threshold"`
	PoolSize        []int    `json:"pool_size"`
	Units           int      `json:"units"`
	Rate            float64  `json:"rate"`
	DType           string   `json:"dtype"`
}

// tfjsFile is the object a model.json (or a model.min.js wrapper) holds.
type tfjsFile struct {
	ModelTopology struct {
		ModelConfig struct {
			ClassName string `json:"class_name"`
			Config    struct {
				Name   string `json:"name"`
				Layers []struct {
					Name         string          `json:"name"`
					ClassName    string          `json:"class_name"`
					Config       json.RawMessage `json:"config"`
					InboundNodes [][][]any       `json:"inbound_nodes"`
				} `json:"layers"`
				OutputLayers [][]any `json:"output_layers"`
			} `json:"config"`
		} `json:"model_config"`
	} `json:"modelTopology"`
	WeightsManifest []weightGroup `json:"weightsManifest"`
}

// weightGroup is one entry of a TF.js model's weightsManifest: shard files
// holding, back to back, the weights it lists.
type weightGroup struct {
	Paths   []string `json:"paths"`
	Weights []struct {
		Name         string `json:"name"`
		Shape        []int  `json:"shape"`
		DType        string `json:"dtype"`
		Quantization *struct {
			DType string  `json:"dtype"`
			Scale float64 `json:"scale"`
			Min   float64 `json:"min"`
		} `json:"quantization"`
	} `json:"weights"`
}

// ReadPackageModel reads the TF.js layers model in folder dir (for nsfwjs:
// "package/dist/models/mobilenet_v2") of an npm package tarball (.tgz). The
// model file is model.json or model.min.js; shards are the manifest's paths,
// each as a binary file or as a .min.js wrapper around one base64 string.
func ReadPackageModel(tgz io.Reader, dir string) (*Model, error) {
	files, err := readTarFolder(tgz, dir)
	if err != nil {
		return nil, err
	}
	return ParseModel(func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("convert: %s/%s: not in the package", dir, name)
	})
}

// ReadPackageFiles returns the regular files directly inside folder dir of
// a gzipped tarball (an npm package: dir "package"), by base name.
func ReadPackageFiles(tgz io.Reader, dir string) (map[string][]byte, error) {
	return readTarFolder(tgz, dir)
}

// readTarFolder returns the regular files directly inside dir of a gzipped tar.
func readTarFolder(tgz io.Reader, dir string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(tgz)
	if err != nil {
		return nil, fmt.Errorf("convert: package: %w", err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("convert: package: %w", err)
		}
		if h.Typeflag != tar.TypeReg || path.Dir(path.Clean(h.Name)) != path.Clean(dir) {
			continue
		}
		if h.Size > 1<<30 {
			return nil, fmt.Errorf("convert: package: %s: too large (%d bytes)", h.Name, h.Size)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("convert: package: %s: %w", h.Name, err)
		}
		files[path.Base(h.Name)] = b
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("convert: package has no folder %s", dir)
	}
	return files, nil
}

// ParseModel reads a TF.js layers model through open, which returns the bytes
// of a file of the model's folder by name.
func ParseModel(open func(name string) ([]byte, error)) (*Model, error) {
	var f tfjsFile
	if b, err := open("model.json"); err == nil {
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("convert: model.json: %w", err)
		}
	} else {
		b, err := open("model.min.js")
		if err != nil {
			return nil, fmt.Errorf("convert: no model.json or model.min.js: %w", err)
		}
		if err := unwrapJSModel(b, &f); err != nil {
			return nil, fmt.Errorf("convert: model.min.js: %w", err)
		}
	}
	cfg := f.ModelTopology.ModelConfig
	if cfg.ClassName != "Model" && cfg.ClassName != "Functional" {
		return nil, fmt.Errorf("convert: model class %q is not a Keras functional model", cfg.ClassName)
	}
	m := &Model{Name: cfg.Config.Name, Weights: map[string]Tensor{}}
	for _, l := range cfg.Config.Layers {
		layer := Layer{Name: l.Name, ClassName: l.ClassName}
		if err := json.Unmarshal(l.Config, &layer.Config); err != nil {
			return nil, fmt.Errorf("convert: layer %s: config: %w", l.Name, err)
		}
		if len(l.InboundNodes) > 1 {
			return nil, fmt.Errorf("convert: layer %s is shared (%d inbound nodes): not supported", l.Name, len(l.InboundNodes))
		}
		for _, node := range l.InboundNodes {
			for _, in := range node {
				name, ok := in[0].(string)
				if len(in) == 0 || !ok {
					return nil, fmt.Errorf("convert: layer %s: bad inbound node", l.Name)
				}
				layer.Inputs = append(layer.Inputs, name)
			}
		}
		m.Layers = append(m.Layers, layer)
	}
	for _, o := range cfg.Config.OutputLayers {
		if name, ok := o[0].(string); len(o) > 0 && ok {
			m.Outputs = append(m.Outputs, name)
		}
	}
	for gi, group := range f.WeightsManifest {
		var data []byte
		for _, p := range group.Paths {
			b, err := readShard(open, p)
			if err != nil {
				return nil, err
			}
			data = append(data, b...)
		}
		off := 0
		for _, w := range group.Weights {
			n := 1
			for _, d := range w.Shape {
				n *= d
			}
			t := Tensor{Shape: w.Shape, Data: make([]float32, n)}
			switch {
			case w.DType != "float32":
				return nil, fmt.Errorf("convert: weight %s: dtype %q not supported", w.Name, w.DType)
			case w.Quantization == nil:
				if off+4*n > len(data) {
					return nil, fmt.Errorf("convert: weight group %d: shards too short for %s", gi, w.Name)
				}
				for i := range t.Data {
					t.Data[i] = leFloat32(data[off+4*i:])
				}
				off += 4 * n
			case w.Quantization.DType == "uint8":
				if off+n > len(data) {
					return nil, fmt.Errorf("convert: weight group %d: shards too short for %s", gi, w.Name)
				}
				s, mn := w.Quantization.Scale, w.Quantization.Min
				for i := range t.Data {
					t.Data[i] = float32(float64(data[off+i])*s + mn)
				}
				off += n
			default:
				return nil, fmt.Errorf("convert: weight %s: quantisation %q not supported", w.Name, w.Quantization.DType)
			}
			m.Weights[w.Name] = t
		}
		if off != len(data) {
			return nil, fmt.Errorf("convert: weight group %d: %d bytes of shards, manifest uses %d", gi, len(data), off)
		}
	}
	return m, nil
}

// unwrapJSModel finds the object assigned to exports in a minified UMD
// wrapper and decodes it into f.
func unwrapJSModel(b []byte, f *tfjsFile) error {
	src := string(b)
	i := strings.Index(src, "exports={")
	if i < 0 {
		return errors.New("no exports={...} object")
	}
	v, _, err := parseJSLiteral(src, i+len("exports="))
	if err != nil {
		return err
	}
	j, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(j, f)
}

var jsShard = regexp.MustCompile(`exports="([A-Za-z0-9+/=]*)"`)

// readShard returns a weight shard's bytes: the binary file p, or the base64
// string inside p.min.js.
func readShard(open func(string) ([]byte, error), p string) ([]byte, error) {
	if b, err := open(p); err == nil {
		return b, nil
	}
	js, err := open(p + ".min.js")
	if err != nil {
		return nil, fmt.Errorf("convert: shard %s: %w", p, err)
	}
	m := jsShard.FindSubmatch(js)
	if m == nil {
		return nil, fmt.Errorf("convert: shard %s.min.js: no exports=\"base64\" string", p)
	}
	b, err := base64.StdEncoding.DecodeString(string(m[1]))
	if err != nil {
		return nil, fmt.Errorf("convert: shard %s.min.js: %w", p, err)
	}
	return b, nil
}

func leFloat32(b []byte) float32 {
	return math.Float32frombits(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
}
