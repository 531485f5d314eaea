package vision

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
)

// Spec describes a CNN that OpenCV's dnn module reads and how a frame becomes
// its feature vector: the preprocessing that turns RGB pixels into the
// network's input blob, and the layers whose outputs, pooled, are
// concatenated into the vector. It is written as JSON:
//
//	{
//	  "format": "onnx",
//	  "model": "mobilenet_v2.onnx",
//	  "input": {"width": 224, "height": 224, "channels": "rgb",
//	            "mean": [0, 0, 0], "scale": 0.00392156862745098, "fit": "stretch"},
//	  "outputs": [{"layer": "block_12_add", "pool": "grid", "grid": 3},
//	              {"layer": "out_relu", "pool": "global"}]
//	}
//
// Each input value is (pixel - mean) * scale, with mean given for R, G, B
// whatever the channel order the network wants.
type Spec struct {
	// Format is onnx, caffe, tensorflow or darknet.
	Format string `json:"format"`
	// Model is the weights file: .onnx, .caffemodel, .pb or .weights. A
	// relative path is relative to the spec file's folder.
	Model string `json:"model"`
	// Config is the Caffe .prototxt (required), the TensorFlow .pbtxt
	// (optional) or the Darknet .cfg (required).
	Config string `json:"config,omitempty"`
	// Input says how frames become the input blob.
	Input InputSpec `json:"input"`
	// Outputs are the layers that make up the feature vector, in order. A
	// spec with a detector may list none (detect.go says which it reads).
	Outputs []OutputSpec `json:"outputs"`
	// Detector, when set, makes the network an object detector (detect.go).
	Detector *DetectorSpec `json:"detector,omitempty"`

	// ModelData and ConfigData, when set, are used instead of reading Model
	// and Config (the embedded default model comes this way).
	ModelData  []byte `json:"-"`
	ConfigData []byte `json:"-"`
	// Source names where the spec came from, for error messages.
	Source string `json:"-"`
}

// InputSpec is a network's input and its preprocessing.
type InputSpec struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	// Channels is the channel order the network wants: "rgb" or "bgr".
	Channels string `json:"channels"`
	// Mean is subtracted from the R, G and B values (0-255) before scaling.
	Mean [3]float64 `json:"mean"`
	// Scale multiplies the values after the mean is subtracted (1/255 maps
	// pixels to [0, 1]); 0 means 1.
	Scale float64 `json:"scale"`
	// Fit is how a frame of another aspect ratio meets the input size:
	// "stretch" (the default; keeps relative positions), "crop" (centre crop)
	// or "letterbox" (pad with black).
	Fit string `json:"fit,omitempty"`
}

// Pooling modes of an output layer.
const (
	PoolGlobal = "global" // average over all positions: C values
	PoolGrid   = "grid"   // average over each cell of a Grid x Grid partition: C*Grid*Grid values
	PoolNone   = "none"   // every value as it is: C*H*W values
)

// OutputSpec is one layer of the feature vector and how its (C, H, W) output
// is reduced.
type OutputSpec struct {
	Layer string `json:"layer"`
	// Pool is "global", "grid" or "none"; empty means global.
	Pool string `json:"pool,omitempty"`
	// Grid is the number of cells per side for grid pooling.
	Grid int `json:"grid,omitempty"`
	// Stat is what a pooled value is: "mean" (the default) or "max" of its window.
	Stat string `json:"stat,omitempty"`
}

// Statistics of a pooling window.
const (
	StatMean = "mean"
	StatMax  = "max"
)

// ErrSpec marks a spec that is malformed or refers to files that cannot be read.
var ErrSpec = errors.New("bad model spec")

// LoadSpec reads a spec from a JSON file and checks it; model and config
// paths are resolved against the file's folder.
func LoadSpec(path string) (Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Spec{}, fmt.Errorf("vision: model spec: %w", err)
	}
	return ParseSpec(data, path, filepath.Dir(path))
}

// ParseSpec reads a spec from JSON. source names it in errors; relative model
// and config paths are resolved against dir.
func ParseSpec(data []byte, source, dir string) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("vision: model spec %s: %w: %w", source, ErrSpec, err)
	}
	s.Source = source
	if s.Model != "" && !filepath.IsAbs(s.Model) {
		s.Model = filepath.Join(dir, s.Model)
	}
	if s.Config != "" && !filepath.IsAbs(s.Config) {
		s.Config = filepath.Join(dir, s.Config)
	}
	if s.Detector != nil {
		if err := s.Detector.loadLabels(dir); err != nil {
			return Spec{}, fmt.Errorf("vision: model spec %s: %w: detector: %w", source, ErrSpec, err)
		}
	}
	if err := s.Check(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// Check reports the first problem with the spec, naming its source.
func (s *Spec) Check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("vision: model spec %s: %w: %s", s.name(), ErrSpec, fmt.Sprintf(format, args...))
	}
	switch s.Format {
	case "onnx", "tensorflow":
	case "caffe", "darknet":
		if s.Config == "" && s.ConfigData == nil {
			return bad("format %s needs a config file", s.Format)
		}
	default:
		return bad("format %q: want onnx, caffe, tensorflow or darknet", s.Format)
	}
	if s.Model == "" && s.ModelData == nil {
		return bad("no model file")
	}
	in := s.Input
	if in.Width < 1 || in.Height < 1 || in.Width > 4096 || in.Height > 4096 {
		return bad("input size %dx%d out of range (1 to 4096)", in.Width, in.Height)
	}
	if in.Channels != "rgb" && in.Channels != "bgr" {
		return bad("input channels %q: want rgb or bgr", in.Channels)
	}
	if _, err := parseFit(in.Fit); err != nil {
		return bad("%v", err)
	}
	if s.Detector != nil {
		if err := s.Detector.check(); err != nil {
			return bad("detector: %v", err)
		}
	}
	if len(s.Outputs) == 0 && s.Detector == nil {
		return bad("no outputs")
	}
	seen := map[OutputSpec]bool{}
	for i, o := range s.Outputs {
		if o.Layer == "" {
			return bad("output %d has no layer", i)
		}
		if seen[o] {
			return bad("output %s listed twice with the same pooling", o.Layer)
		}
		seen[o] = true
		switch o.Pool {
		case "", PoolGlobal, PoolNone:
		case PoolGrid:
			if o.Grid < 1 || o.Grid > 64 {
				return bad("output %s: grid %d out of range (1 to 64)", o.Layer, o.Grid)
			}
		default:
			return bad("output %s: pool %q: want global, grid or none", o.Layer, o.Pool)
		}
		if o.Stat != "" && o.Stat != StatMean && o.Stat != StatMax {
			return bad("output %s: stat %q: want mean or max", o.Layer, o.Stat)
		}
	}
	return nil
}

func (s *Spec) name() string {
	if s.Source != "" {
		return s.Source
	}
	return "(unnamed)"
}

// scale returns the input scale, 1 when unset.
func (in InputSpec) scale() float64 {
	if in.Scale == 0 {
		return 1
	}
	return in.Scale
}

// readFiles returns the model and config bytes, from memory or from disk.
func (s *Spec) readFiles() (model, config []byte, err error) {
	model, config = s.ModelData, s.ConfigData
	if model == nil {
		if model, err = os.ReadFile(s.Model); err != nil {
			return nil, nil, fmt.Errorf("vision: model spec %s: model: %w", s.name(), err)
		}
	}
	if config == nil && s.Config != "" {
		if config, err = os.ReadFile(s.Config); err != nil {
			return nil, nil, fmt.Errorf("vision: model spec %s: config: %w", s.name(), err)
		}
	}
	return model, config, nil
}

// modelName names the model file in errors.
func (s *Spec) modelName() string {
	if s.Model != "" {
		return s.Model
	}
	return s.name()
}

// Size returns the input size as a point (width, height).
func (in InputSpec) Size() image.Point { return image.Pt(in.Width, in.Height) }
