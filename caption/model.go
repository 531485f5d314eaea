package caption

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"captioner/rnn"
)

// F = feature dim, E = embedding dim, H = hidden, V = vocabulary,
// K = the image code (Config.Encoder), B = batch.

// Config is the shape of a captioner.
type Config struct {
	FeatureDim int     `json:"feature_dim"` // F, the CNN's vector length
	Embed      int     `json:"embed"`       // E
	Hidden     int     `json:"hidden"`      // H
	MaxLen     int     `json:"max_len"`     // the longest caption decoded, in words
	Dropout    float64 `json:"dropout"`     // on the feature vector, in training only
	// Condition is how the image enters the LSTM: "input" (the projected
	// feature is the first input, as in Show and Tell; the default),
	// "state" (it sets the initial state: h0 = tanh(Wh f + bh), c0 = Wc f + bc,
	// and the first input is the start token), or "mlp" (as "state", but
	// through a hidden layer: z = relu(We f + be), h0 = tanh(Wh z + bh),
	// c0 = Wc z + bc).
	Condition string `json:"condition,omitempty"`
	// Encoder is K, the width of the hidden layer of "mlp"; 0 otherwise.
	Encoder int `json:"encoder,omitempty"`
	// Inject, when not 0, is the width of the image's code that the LSTM
	// reads again at every step after the word's embedding ("par-inject":
	// code = Wi f + bi), whatever Condition says of the first step.
	Inject int `json:"inject,omitempty"`
}

// Model is the one-to-many captioner (Show and Tell): the image's feature
// vector, projected to E, is the LSTM's first input; every later input is
// the previous word's embedding; each hidden state is projected to a
// distribution over the vocabulary.
type Model struct {
	Config Config
	Vocab  *Vocab
	Net    *rnn.OneToMany
	// InitH and InitC (F -> H, or K -> H under "mlp") make the initial
	// state when Config.Condition is "state" or "mlp"; nil otherwise.
	InitH, InitC *rnn.Linear
	// Encoder (F -> K) is the hidden layer of "mlp"; nil otherwise.
	Encoder *rnn.Linear
	// Inject (F -> Config.Inject) makes the image's code every step reads;
	// nil when Config.Inject is 0.
	Inject *rnn.Linear
	// Norm standardises features before the network sees them, with the
	// mean and standard deviation of the training features.
	Norm *rnn.Standardizer
}

// NewModel makes an untrained model.
func NewModel(cfg Config, vocab *Vocab, rng *rand.Rand) (*Model, error) {
	if cfg.FeatureDim <= 0 || cfg.Embed <= 0 || cfg.Hidden <= 0 || cfg.MaxLen <= 0 || cfg.Dropout < 0 || cfg.Dropout >= 1 ||
		(cfg.Condition != "" && cfg.Condition != "input" && cfg.Condition != "state" && cfg.Condition != "mlp") ||
		(cfg.Condition == "mlp") != (cfg.Encoder > 0) || cfg.Encoder < 0 || cfg.Inject < 0 ||
		(cfg.Inject > 0 && (cfg.Condition == "" || cfg.Condition == "input")) {
		return nil, fmt.Errorf("caption: bad model configuration %+v", cfg)
	}
	net := rnn.NewOneToMany(rnn.NewOpenBLAS(), cfg.FeatureDim, vocab.Len(), cfg.Embed, cfg.Hidden, rng)
	m := &Model{Config: cfg, Vocab: vocab, Net: net, Norm: rnn.NewStandardizer(cfg.FeatureDim)}
	if cfg.Inject > 0 {
		net.Dec = rnn.NewContextDecoder(rnn.NewOpenBLAS(), vocab.Len(), cfg.Embed, cfg.Inject, cfg.Hidden, rng)
		m.Inject = rnn.NewLinear(rnn.NewOpenBLAS(), cfg.FeatureDim, cfg.Inject, rng) // (K,F)
		m.Inject.W.Name, m.Inject.B.Name = "inject.weight", "inject.bias"
	}
	if cfg.Condition == "state" || cfg.Condition == "mlp" {
		in := cfg.FeatureDim
		if cfg.Condition == "mlp" {
			m.Encoder = rnn.NewLinear(rnn.NewOpenBLAS(), cfg.FeatureDim, cfg.Encoder, rng) // (K,F)
			m.Encoder.W.Name, m.Encoder.B.Name = "encoder.weight", "encoder.bias"
			in = cfg.Encoder
		}
		m.InitH = rnn.NewLinear(rnn.NewOpenBLAS(), in, cfg.Hidden, rng) // (H,F) or (H,K)
		m.InitC = rnn.NewLinear(rnn.NewOpenBLAS(), in, cfg.Hidden, rng)
		for i, p := range append(m.InitH.Params(), m.InitC.Params()...) {
			p.Name = [...]string{"init_h.weight", "init_h.bias", "init_c.weight", "init_c.bias"}[i]
		}
	}
	return m, nil
}

// Params are the trainable parameters.
func (m *Model) Params() []*rnn.Param {
	ps := m.Net.Params()
	if m.Encoder != nil {
		ps = append(ps, m.Encoder.Params()...)
	}
	if m.InitH != nil {
		ps = append(append(ps, m.InitH.Params()...), m.InitC.Params()...)
	}
	if m.Inject != nil {
		ps = append(ps, m.Inject.Params()...)
	}
	return ps
}

// Loss runs teacher forcing on a batch of standardised features (B,F) and
// captions (word ids then End, without Start), accumulates the gradients and
// returns the mean cross-entropy per token.
func (m *Model) Loss(feats []float32, captions [][]int) float64 {
	if m.InitH == nil {
		return m.Net.Loss(feats, captions)
	}
	B, H := len(captions), m.Config.Hidden
	T := 0
	lengths := make([]int, B)
	for b, c := range captions {
		T, lengths[b] = max(T, len(c)), len(c)
	}
	ids := make([]int, T*B)     // inputs: Start, then the words but the last
	targets := make([]int, T*B) // the words, then End
	for t := range T {
		for b, c := range captions {
			ids[t*B+b], targets[t*B+b] = -1, -1
			if t < len(c) {
				targets[t*B+b] = c[t]
				ids[t*B+b] = Start
				if t > 0 {
					ids[t*B+b] = c[t-1]
				}
			}
		}
	}
	x := feats // (B,F), or the code z (B,K) under "mlp"
	if m.Encoder != nil {
		x = slices.Clone(m.Encoder.Forward(feats, B)) // z = relu(We f + be) (B,K)
		relu(x)
	}
	h0 := slices.Clone(m.InitH.Forward(x, B)) // (B,H)
	for i, v := range h0 {
		h0[i] = float32(math.Tanh(float64(v)))
	}
	c0 := m.InitC.Forward(x, B) // (B,H)
	var logits []float32
	if m.Inject != nil {
		code := m.Inject.Forward(feats, B) // (B,Inject)
		logits = m.Net.Dec.ForwardContext(code, ids, B, lengths, [][]float32{h0, c0})
	} else {
		logits = m.Net.Dec.Forward(nil, ids, B, lengths, [][]float32{h0, c0})
	}
	V := m.Net.Dec.Vocab()
	loss, _ := rnn.SoftmaxCrossEntropy(logits, T*B, V, targets, logits)
	var ds0 [][]float32
	if m.Inject != nil {
		var dcode []float32
		dcode, ds0 = m.Net.Dec.BackwardContext(logits, nil)
		m.Inject.Backward(dcode)
	} else {
		_, ds0 = m.Net.Dec.Backward(logits, nil)
	}
	dh := ds0[0]
	for i := range B * H {
		dh[i] *= 1 - h0[i]*h0[i] // tanh' = 1 - tanh²
	}
	dx := m.InitH.Backward(dh)
	if m.Encoder == nil {
		m.InitC.Backward(ds0[1])
		return loss
	}
	dz := slices.Clone(dx) // (B,K)
	for i, v := range m.InitC.Backward(ds0[1]) {
		dz[i] += v // z feeds both h0 and c0
	}
	for i, v := range x {
		if v <= 0 {
			dz[i] = 0 // z = relu(u)  =>  du = dz where u > 0
		}
	}
	m.Encoder.Backward(dz)
	return loss
}

// relu sets the negative values of x to zero, in place.
func relu(x []float32) {
	for i, v := range x {
		x[i] = max(v, 0)
	}
}

// SetNormalisation measures the mean and standard deviation of each value
// over feats (the training features) and standardises with them from now on.
func (m *Model) SetNormalisation(feats [][]float32) { m.Norm.Fit(feats) }

// Normalise writes the standardised feat into dst (F) and returns it.
func (m *Model) Normalise(feat, dst []float32) []float32 { return m.Norm.Apply(feat, dst) }

// allParams are the network's parameters and the normalisation, as saved.
func (m *Model) allParams() []*rnn.Param { return append(m.Params(), m.Norm.Params()...) }

// Save writes the weights in the safetensors layout, with the configuration
// and vocabulary in its metadata.
func (m *Model) Save() ([]byte, error) {
	var buf bytes.Buffer
	vocab, err := m.Vocab.MarshalJSON()
	if err != nil {
		return nil, err
	}
	meta := map[string]string{
		"format":  "captioner/caption-1",
		"config":  mustJSON(m.Config),
		"vocab":   string(vocab),
		"network": "one-to-many LSTM (rnn.OneToMany)",
	}
	if err := rnn.SaveParams(&buf, m.allParams(), meta); err != nil {
		return nil, fmt.Errorf("caption: %w", err)
	}
	return buf.Bytes(), nil
}

// LoadModel reads weights written by Save.
func LoadModel(data []byte, source string) (*Model, error) {
	meta, err := rnn.ReadSafetensorsMeta(data)
	if err != nil {
		return nil, fmt.Errorf("caption: %s: %w", source, err)
	}
	if meta["format"] != "captioner/caption-1" {
		return nil, fmt.Errorf("caption: %s: not a caption model (format %q)", source, meta["format"])
	}
	var cfg Config
	if err := unmarshalJSON(meta["config"], &cfg); err != nil {
		return nil, fmt.Errorf("caption: %s: config: %w", source, err)
	}
	var vocab Vocab
	if err := vocab.UnmarshalJSON([]byte(meta["vocab"])); err != nil {
		return nil, fmt.Errorf("caption: %s: %w", source, err)
	}
	m, err := NewModel(cfg, &vocab, nil) // no random start: every weight is loaded
	if err != nil {
		return nil, fmt.Errorf("caption: %s: %w", source, err)
	}
	if _, err := rnn.LoadParams(data, m.allParams()); err != nil {
		return nil, fmt.Errorf("caption: %s: %w", source, err)
	}
	return m, nil
}

// DecodeOptions choose how captions are decoded.
type DecodeOptions struct {
	Beam              int     // beam width; 1 is greedy
	NBest             int     // how many captions to return (at most Beam)
	LengthAlpha       float64 // length normalisation of beam scores
	RepetitionPenalty float32 // subtracted from a word's log-probability once it has been used
}

// DefaultDecodeOptions: beam 3, one caption, mean log-probability per token.
func DefaultDecodeOptions() DecodeOptions {
	return DecodeOptions{Beam: 3, NBest: 1, LengthAlpha: 1, RepetitionPenalty: 0.5}
}

// Result is one decoded caption.
type Result struct {
	Text  string   `json:"caption"`
	Words []string `json:"-"`
	// Score is the mean log-probability per token (the end token included):
	// 0 is certain; the lower, the less sure the model is of its words.
	Score float64 `json:"score"`
	// Novelty is how far the image's features lie from those the model was
	// trained on: the mean square of the standardised feature values, about
	// 1 for images like the training images and far more for others.
	Novelty float64 `json:"novelty"`
}

// Decoder captions feature vectors with one model. It owns its buffers: use
// one Decoder per goroutine.
type Decoder struct {
	m      *Model
	opts   DecodeOptions
	search *rnn.Searcher
	prefix []float32
	h0, c0 []float32   // the initial state, when the image sets it
	z      []float32   // the image's code under "mlp"
	binder *rnn.Binder // the decoder of one image's code, under Inject
	code   []float32   // the image's code every step reads, under Inject
	norm   []float32
}

// maxInputTable is the most values of precomputed input products a
// Decoder keeps (16 MB).
const maxInputTable = 1 << 22

// NewDecoder prepares decoding with opts.
func (m *Model) NewDecoder(opts DecodeOptions) (*Decoder, error) {
	if opts.Beam < 1 || opts.NBest < 1 || opts.NBest > opts.Beam {
		return nil, fmt.Errorf("caption: beam %d and n-best %d: want 1 <= n-best <= beam", opts.Beam, opts.NBest)
	}
	s := rnn.NewSearcher(m.Net.Dec, rnn.DecodeOptions{
		MaxLen: m.Config.MaxLen + 1, Start: Start, EOS: End, Beam: opts.Beam,
		LengthAlpha: opts.LengthAlpha, RepetitionPenalty: opts.RepetitionPenalty,
	})
	d := &Decoder{m: m, opts: opts, search: s}
	if m.Inject != nil {
		d.binder = rnn.NewBinder(m.Net.Dec)
		s.Dec = d.binder.Bind(make([]float32, m.Config.Inject))
	}
	// A small vocabulary's input products are computed once here (V×4H
	// values; the Shapes world's 29 words: 60,000) rather than at every step.
	if m.Vocab.Len()*4*m.Config.Hidden <= maxInputTable {
		s.PrecomputeInputs()
	}
	return d, nil
}

// Caption decodes one feature vector into its NBest captions, best first.
func (d *Decoder) Caption(feat []float32) ([]Result, error) {
	if len(feat) != d.m.Config.FeatureDim {
		return nil, fmt.Errorf("caption: feature vector of %d values, the model wants %d", len(feat), d.m.Config.FeatureDim)
	}
	d.norm = d.m.Normalise(feat, d.norm)
	novelty := rnn.Novelty(d.norm)
	// Beam search at width 1 is greedy decoding, and reports the
	// log-probability too.
	var hyps []rnn.Hypothesis
	if d.m.InitH != nil {
		x := d.norm
		if d.m.Encoder != nil {
			d.z = d.m.Encoder.Apply(d.norm, d.z)
			relu(d.z)
			x = d.z
		}
		d.h0 = d.m.InitH.Apply(x, d.h0)
		h0 := d.h0
		for i, v := range h0 {
			h0[i] = float32(math.Tanh(float64(v)))
		}
		d.c0 = d.m.InitC.Apply(x, d.c0)
		if d.binder != nil {
			d.code = d.m.Inject.Apply(d.norm, d.code)
			d.search.Dec = d.binder.Bind(d.code)
		}
		hyps = d.search.Beam(nil, [][]float32{h0, d.c0})
	} else {
		d.prefix = d.m.Net.Prefix(d.norm, d.prefix)
		hyps = d.search.Beam(d.prefix, nil)
	}
	var out []Result
	for _, h := range hyps {
		if len(out) == d.opts.NBest {
			break
		}
		words := d.m.Vocab.Decode(h.Tokens)
		// Never show <unk>: drop it rather than print a placeholder.
		clean := words[:0:0]
		for _, w := range words {
			if w != specials[Unk] {
				clean = append(clean, w)
			}
		}
		n := max(len(h.Tokens), 1)
		out = append(out, Result{Text: Detokenize(clean), Words: clean, Score: h.LogProb / float64(n), Novelty: novelty})
	}
	return out, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of numbers: cannot fail
	}
	return string(b)
}

func unmarshalJSON(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
