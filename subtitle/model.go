package subtitle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"captioner/rnn"
)

// T = steps (sampled frames), B = batch, F = feature dim, D = network
// input dim (see Config.Inputs), L = labels.

// Config is the labeller's shape, saved with its weights.
type Config struct {
	FeatureDim    int  `json:"feature_dim"`
	Hidden        int  `json:"hidden"` // units of each layer (an LSTM's per direction)
	Layers        int  `json:"layers"`
	Bidirectional bool `json:"bidirectional"`
	// Dense labellers have no memory: each layer is an rnn.Dense, which
	// labels every step from its own input alone, or, when Context is K,
	// from its input and its K neighbours' on each side (the first layer
	// reads the window, the others one step each). They are a comparison
	// for the recurrent labeller (DENSE.md), never bidirectional; a model
	// file without these keys holds an LSTM.
	Dense   bool `json:"dense,omitempty"`
	Context int  `json:"context,omitempty"`
	// Inputs lists the parts of the network's input (see InputFeatures
	// and the others), Grids where grid-pooled maps lie in the feature
	// vector, for the parts that need them.
	Inputs []string `json:"inputs"`
	Grids  []Grid   `json:"grids,omitempty"`
	// FPS is the sampling rate the labeller was trained at (steps per second).
	FPS float64 `json:"fps"`
	// Window is how many steps the network sees at once. Bidirectional
	// labellers run over overlapping windows of this length and keep the
	// middle of each, so memory does not grow with the video;
	// unidirectional ones carry their state from window to window.
	Window  int     `json:"window"`
	Dropout float64 `json:"dropout"` // on the inputs and between layers, in training
	// Factored labels are predicted by parts (see Schema); the model file
	// holds the schema. A factored model file without one predates saved
	// schemas and holds Shapes-world labels (the world's 145).
	Factored bool `json:"factored,omitempty"`
}

func (c Config) validate() error {
	if c.FeatureDim <= 0 || c.Hidden <= 0 || c.Layers <= 0 || c.FPS <= 0 || c.Window < 8 || c.Dropout < 0 || c.Dropout >= 1 {
		return fmt.Errorf("subtitle: bad labeller configuration %+v", c)
	}
	switch {
	case c.Dense && c.Bidirectional:
		return fmt.Errorf("subtitle: a dense labeller has no direction to read both ways (%+v)", c)
	case c.Context != 0 && !c.Dense:
		return fmt.Errorf("subtitle: a context of %d steps is for dense labellers (%+v)", c.Context, c)
	case c.Context < 0 || c.Context > c.Window/4:
		return fmt.Errorf("subtitle: context %d outside [0, %d] (a quarter of the window of %d)", c.Context, c.Window/4, c.Window)
	}
	return c.validateInputs()
}

// margin is how many steps at each side of a window are only context:
// their labels come from the neighbouring window. A bidirectional
// labeller's are a quarter window, a dense labeller's its context, a
// unidirectional LSTM's none (it carries its state on instead).
func (c Config) margin() int {
	switch {
	case c.Bidirectional:
		return c.Window / 4
	case c.Dense:
		return c.Context
	}
	return 0
}

// Model is the synced many-to-many labeller: an LSTM (stacked,
// bidirectional as configured) over the steps' features, with a linear
// head giving a distribution over Labels at every step. Configured dense,
// the LSTM's place is taken by stateless rnn.Dense layers.
type Model struct {
	Config Config
	Labels []string // label id -> text (normalised, see world.NormalizeText)
	Norm   *rnn.Standardizer
	Net    *rnn.Synced
	// Schema factors the labels (nil unless Config.Factored).
	Schema *Schema
	stack  *rnn.Stack
	grad   []float32
	buf    []float32
}

// NewModel makes an untrained labeller. A factored labeller made here has
// the Shapes world's labels, whatever labels says; NewSchemaModel makes one
// of any schema.
func NewModel(cfg Config, labels []string, rng *rand.Rand) (*Model, error) {
	var schema *Schema
	if cfg.Factored {
		labels, schema = worldLabels()
	}
	return NewSchemaModel(cfg, labels, schema, rng)
}

// NewSchemaModel makes an untrained labeller of labels, predicted by the
// parts schema gives them when schema is not nil (Config.Factored is then
// set), one output a label otherwise.
func NewSchemaModel(cfg Config, labels []string, schema *Schema, rng *rand.Rand) (*Model, error) {
	cfg.Factored = schema != nil
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	outputs := len(labels)
	if schema != nil {
		if err := schema.Validate(labels); err != nil {
			return nil, err
		}
		schema = schema.clone()
		outputs = schema.width()
	}
	if len(labels) < 2 {
		return nil, fmt.Errorf("subtitle: %d labels: a labeller needs at least 2", len(labels))
	}
	impl := rnn.NewOpenBLAS()
	var layers []rnn.Recurrent
	in := cfg.inDim()
	for i := range cfg.Layers {
		var l rnn.Recurrent
		switch {
		case cfg.Dense && i == 0:
			l = rnn.NewDense(impl, in, cfg.Hidden, cfg.Context, rng) // (T,B,D) -> (T,B,H), each step from its window
		case cfg.Dense:
			l = rnn.NewDense(impl, in, cfg.Hidden, 0, rng)
		default:
			l = rnn.NewLSTM(impl, in, cfg.Hidden, rng)
		}
		if cfg.Bidirectional {
			l = rnn.NewBidirectional(l, rnn.NewLSTM(impl, in, cfg.Hidden, rng))
		}
		layers = append(layers, l)
		in = l.OutDim()
	}
	var drop func() *rnn.Dropout
	if cfg.Dropout > 0 {
		drop = func() *rnn.Dropout { return rnn.NewDropout(float32(cfg.Dropout), rng) }
	}
	stack := rnn.NewStack(drop, layers...)
	return &Model{
		Config: cfg, Labels: labels, Norm: rnn.NewStandardizer(cfg.FeatureDim),
		Net: rnn.NewSynced(impl, stack, outputs, rng), stack: stack, Schema: schema,
	}, nil
}

// Loss runs the network on x (T,B,D) and the backward pass for labels
// (T,B), -1 at steps without one, and returns the mean cross-entropy (for
// a factored labeller, the sum over its groups).
func (m *Model) Loss(x []float32, T, B int, lengths []int, labels []int) float64 {
	if m.Schema == nil {
		return m.Net.Loss(x, T, B, lengths, labels)
	}
	logits := m.Net.Forward(x, T, B, lengths)
	m.grad = grow(m.grad, len(logits))
	loss := m.Schema.loss(logits, T*B, labels, m.grad, &m.buf)
	m.Net.Enc.Backward(m.Net.Head.Backward(m.grad), nil)
	return loss
}

// probs turns one step's head outputs into a distribution over the labels.
func (m *Model) probs(out []float32) []float32 {
	if m.Schema != nil {
		return m.Schema.probs(out)
	}
	return softmax(out)
}

// SetTrain switches dropout between layers on or off.
func (m *Model) SetTrain(train bool) { m.stack.SetTrain(train) }

// Probabilities labels one whole sequence of feature vectors: a
// distribution over the labels at every step, (T, L). It runs the same
// windows as a Stream, so both give the same numbers.
func (m *Model) Probabilities(feats [][]float32) [][]float32 {
	out := make([][]float32, 0, len(feats))
	s := m.NewStream(func(_ int, p []float32) { out = append(out, p) })
	for _, f := range feats {
		s.Push(f)
	}
	s.Flush()
	return out
}

// Stream labels a sequence pushed a step at a time, handing out each step's
// distribution, in order, as soon as the network has seen enough of what
// follows it: at once for a unidirectional labeller, a window later for a
// bidirectional or dense one. Memory is bounded by the window.
type Stream struct {
	m    *Model
	emit func(step int, probs []float32)
	buf  [][]float32 // features of steps [start, start+len(buf))
	prev []float32   // features of step start-1, for the change
	// start is the step buf begins at; emitted the steps handed out.
	start, emitted int
	state          [][]float32 // a unidirectional network's state after step start-1
	x              []float32
}

// NewStream starts labelling a sequence; emit receives each step's
// probabilities (a fresh slice of L values).
func (m *Model) NewStream(emit func(step int, probs []float32)) *Stream {
	return &Stream{m: m, emit: emit}
}

// Push adds the next step's feature vector (which the stream keeps).
func (s *Stream) Push(feat []float32) {
	s.buf = append(s.buf, feat)
	if len(s.buf) == s.m.Config.Window {
		s.run(false)
	}
}

// Flush labels the steps still held; call it after the last Push.
func (s *Stream) Flush() {
	if len(s.buf) > 0 {
		s.run(true)
	}
}

// run labels the window in buf and hands out its steps up to the right
// margin (or all at the end), then slides the window on.
func (s *Stream) run(last bool) {
	m := s.m
	T, D, W := len(s.buf), m.Config.inDim(), m.Net.Head.Out
	s.x = grow(s.x, T*D)
	m.inputs(s.x, T, 1, 0, s.buf, s.prev)
	y := m.Net.Enc.Forward(s.x, T, 1, nil, s.state)
	logits := m.Net.Head.Forward(y, T)
	margin := m.Config.margin()
	upto := T - margin // steps of this window handed out now
	if last {
		upto = T
	}
	for t := s.emitted - s.start; t < upto; t++ {
		s.emit(s.start+t, m.probs(logits[t*W:(t+1)*W]))
	}
	s.emitted = s.start + upto
	if margin == 0 { // a unidirectional LSTM or a one-step dense labeller
		s.state = copyState(m.Net.Enc.FinalState())
		s.prev = s.buf[T-1]
		s.start += T
		s.buf = s.buf[:0]
		return
	}
	// The next window starts margin steps before the first step not yet
	// handed out, which it sees with context on both sides (a dense
	// labeller's window of context whole, so that its labels are those of
	// one window over the whole sequence).
	keep := s.emitted - margin - s.start
	if keep <= 0 {
		return
	}
	s.prev = s.buf[keep-1]
	s.start += keep
	s.buf = append(s.buf[:0], s.buf[keep:]...)
}

func copyState(st [][]float32) [][]float32 {
	out := make([][]float32, len(st))
	for i, v := range st {
		out[i] = append([]float32(nil), v...)
	}
	return out
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// softmax returns a new slice with the softmax of logits.
func softmax(logits []float32) []float32 {
	mx := logits[0]
	for _, v := range logits {
		mx = max(mx, v)
	}
	out := make([]float32, len(logits))
	var sum float64
	for i, v := range logits {
		e := math.Exp(float64(v - mx))
		out[i] = float32(e)
		sum += e
	}
	for i := range out {
		out[i] = float32(float64(out[i]) / sum)
	}
	return out
}

// allParams are the network's parameters and the standardisation, as saved.
func (m *Model) allParams() []*rnn.Param { return append(m.Net.Params(), m.Norm.Params()...) }

const modelFormat = "captioner/subtitle-1"

// Save writes the weights in the safetensors layout, with the configuration,
// labels and, for a factored labeller, its schema in its metadata.
func (m *Model) Save() ([]byte, error) {
	cfg, err := json.Marshal(m.Config)
	if err != nil {
		return nil, err
	}
	labels, err := json.Marshal(m.Labels)
	if err != nil {
		return nil, err
	}
	meta := map[string]string{
		"format":  modelFormat,
		"config":  string(cfg),
		"labels":  string(labels),
		"network": "synced many-to-many LSTM (rnn.Synced)",
	}
	if m.Config.Dense {
		meta["network"] = "synced many-to-many, stateless per-step layers (rnn.Dense in rnn.Synced)"
	}
	if m.Schema != nil {
		schema, err := json.Marshal(m.Schema)
		if err != nil {
			return nil, err
		}
		meta["schema"] = string(schema)
	}
	var buf bytes.Buffer
	if err := rnn.SaveParams(&buf, m.allParams(), meta); err != nil {
		return nil, fmt.Errorf("subtitle: %w", err)
	}
	return buf.Bytes(), nil
}

// LoadModel reads weights written by Save; source names them in errors.
func LoadModel(data []byte, source string) (*Model, error) {
	meta, err := rnn.ReadSafetensorsMeta(data)
	if err != nil {
		return nil, fmt.Errorf("subtitle: %s: %w", source, err)
	}
	if meta["format"] != modelFormat {
		return nil, fmt.Errorf("subtitle: %s: not a subtitle labeller (format %q)", source, meta["format"])
	}
	var cfg Config
	if err := json.Unmarshal([]byte(meta["config"]), &cfg); err != nil {
		return nil, fmt.Errorf("subtitle: %s: config: %w", source, err)
	}
	var labels []string
	if err := json.Unmarshal([]byte(meta["labels"]), &labels); err != nil {
		return nil, fmt.Errorf("subtitle: %s: labels: %w", source, err)
	}
	var m *Model
	if raw, ok := meta["schema"]; ok && cfg.Factored {
		var schema Schema
		if err := json.Unmarshal([]byte(raw), &schema); err != nil {
			return nil, fmt.Errorf("subtitle: %s: schema: %w", source, err)
		}
		m, err = NewSchemaModel(cfg, labels, &schema, rand.New(rand.NewPCG(0, 0)))
	} else {
		m, err = NewModel(cfg, labels, rand.New(rand.NewPCG(0, 0))) // factored without a schema: Shapes-world labels
	}
	if err != nil {
		return nil, fmt.Errorf("subtitle: %s: %w", source, err)
	}
	if _, err := rnn.LoadParams(data, m.allParams()); err != nil {
		return nil, fmt.Errorf("subtitle: %s: %w", source, err)
	}
	m.SetTrain(false)
	return m, nil
}

// Shared returns a labeller with m's configuration, labels and weights
// (the same memory, not a copy) and working buffers of its own, so that
// goroutines may each label with their own at once while the weights are
// held once. Neither may be trained afterwards.
func (m *Model) Shared() (*Model, error) {
	s, err := NewSchemaModel(m.Config, m.Labels, m.Schema, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, err
	}
	src, dst := m.allParams(), s.allParams()
	if len(src) != len(dst) {
		return nil, fmt.Errorf("subtitle: shared labeller has %d parameters, not %d", len(dst), len(src))
	}
	for i, p := range dst {
		if len(p.W) != len(src[i].W) {
			return nil, fmt.Errorf("subtitle: shared labeller: parameter %s has %d values, not %d", p.Name, len(p.W), len(src[i].W))
		}
		p.W = src[i].W
	}
	s.SetTrain(false)
	return s, nil
}
