package describe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"captioner/caption"
	"captioner/rnn"
	"captioner/subtitle"
)

// T = steps (sampled frames), B = batch, F = feature dim, D = input dim
// (Config.InputDim), L = the labeller's labels, E = word embedding,
// H = hidden (encoder and decoder), V = vocabulary.

// InputLabels is the input part that is the Shapes labeller's label
// distribution at the step, spread over the words of the labels: for each
// word of Config.Words, the probability that the step's label has it
// ("red": a red object does something; "left": something moves left).
// Read by word, labels that share words share what the encoder learns of
// them, so it learns from far fewer examples than from one value a label.
// The other parts are subtitle's (subtitle.InputMotion and the others),
// computed from the CNN's features as the labeller computes them.
const InputLabels = "labels"

// Config is a describer's shape, saved with its weights.
type Config struct {
	FeatureDim int     `json:"feature_dim"` // F, the CNN's vector length
	FPS        float64 `json:"fps"`         // steps a second the model was trained at
	// Inputs lists the parts of a step's input row: InputLabels and any of
	// subtitle's parts; Grids is where the CNN's grid-pooled maps lie, for
	// the parts that need them.
	Inputs []string        `json:"inputs"`
	Grids  []subtitle.Grid `json:"grids,omitempty"`
	// Labels are the labeller's labels, in its order, when Inputs has
	// InputLabels: a describer reads only a labeller with these. Words
	// are the words of the labels, which that part spreads them over.
	Labels []string `json:"labels,omitempty"`
	Words  []string `json:"words,omitempty"`
	// Still is the label of a stretch in which nothing happens, the one
	// label that is not an event (the Shapes world's "nothing moves").
	Still     string  `json:"still"`
	Embed     int     `json:"embed"`      // E
	Hidden    int     `json:"hidden"`     // H
	MaxLen    int     `json:"max_len"`    // the longest description decoded, in words
	MaxEvents int     `json:"max_events"` // the most events a description names (a chapter's)
	Dropout   float64 `json:"dropout"`    // on the input rows, in training only
	// Pool makes the encoder read one row per run of the labeller's
	// smoothed track (the mean of the run's steps' rows, then the run's
	// length in seconds) instead of one a step.
	Pool bool `json:"pool,omitempty"`
}

// parts is the subtitle configuration that computes the CNN-derived parts.
func (c Config) parts() subtitle.Config {
	var in []string
	for _, p := range c.Inputs {
		if p != InputLabels {
			in = append(in, p)
		}
	}
	return subtitle.Config{FeatureDim: c.FeatureDim, Inputs: in, Grids: c.Grids}
}

// readsLabels says whether the rows hold the labeller's distribution.
func (c Config) readsLabels() bool { return slices.Contains(c.Inputs, InputLabels) }

// InputDim is D, the length of a step's input row.
func (c Config) InputDim() int {
	d := 0
	if p := c.parts(); len(p.Inputs) > 0 {
		d += p.InputDim()
	}
	if c.readsLabels() {
		d += len(c.Words)
	}
	if c.Pool {
		d++
	}
	return d
}

func (c Config) validate() error {
	if c.FeatureDim <= 0 || c.FPS <= 0 || c.Embed <= 0 || c.Hidden <= 0 || c.MaxLen <= 0 || c.MaxEvents <= 0 ||
		c.Dropout < 0 || c.Dropout >= 1 || c.Still == "" || len(c.Inputs) == 0 {
		return fmt.Errorf("describe: bad model configuration %+v", c)
	}
	if c.readsLabels() && (len(c.Labels) < 2 || len(c.Words) == 0) {
		return fmt.Errorf("describe: input part %q without the labeller's labels and their words", InputLabels)
	}
	for _, p := range c.Inputs {
		if p == InputLabels {
			continue
		}
		if _, err := subtitle.ParseInputs(p); err != nil {
			return fmt.Errorf("describe: %w", err)
		}
		if (p == subtitle.InputMotion || p == subtitle.InputMoving || p == subtitle.InputPresent) && len(c.Grids) == 0 {
			return fmt.Errorf("describe: input part %q needs the grids of the feature vector", p)
		}
	}
	return nil
}

// ParseInputs reads a comma-separated list of input parts: InputLabels
// and subtitle's.
func ParseInputs(list string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == InputLabels {
			out = append(out, p)
			continue
		}
		if _, err := subtitle.ParseInputs(p); err != nil {
			return nil, fmt.Errorf("describe: %w (or %s)", err, InputLabels)
		}
		out = append(out, p)
	}
	return out, nil
}

// Model is the encoder-decoder describer: an LSTM reads a span's input
// rows, last step first, and its final (h, c) starts an LSTM that writes
// the description's words (rnn.EncoderDecoder). Read backwards (as
// Sutskever et al. read source sentences), the first event, which the
// first words name, is the freshest in the encoder's state: on toy videos
// of up to three events that took the exact match of a small model from
// 0.87 to 0.93 (TestTrainLearnsToyVideos), the errors being events out
// of order.
type Model struct {
	Config Config
	Vocab  *caption.Vocab
	// Norm standardises the CNN's features (F) with the training
	// features' mean and deviation, for the CNN-derived parts and for
	// novelty.
	Norm *rnn.Standardizer
	Net  *rnn.EncoderDecoder // D -> H -> V
	// has[l] lists the indices in Config.Words of label l's words.
	has [][]int
}

// labelWords returns the words of labels, in order of first use, and for
// each label the indices of its words among them.
func labelWords(labels []string) ([]string, [][]int) {
	var words []string
	index := map[string]int{}
	has := make([][]int, len(labels))
	for l, text := range labels {
		for _, w := range caption.Tokenize(text) {
			i, ok := index[w]
			if !ok {
				i = len(words)
				index[w] = i
				words = append(words, w)
			}
			if !slices.Contains(has[l], i) {
				has[l] = append(has[l], i)
			}
		}
	}
	return words, has
}

// NewModel makes an untrained describer (rng nil: every weight is to be
// loaded).
func NewModel(cfg Config, vocab *caption.Vocab, rng *rand.Rand) (*Model, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Vocab: vocab, Norm: rnn.NewStandardizer(cfg.FeatureDim)}
	if cfg.readsLabels() {
		words, has := labelWords(cfg.Labels)
		if !slices.Equal(words, cfg.Words) {
			return nil, fmt.Errorf("describe: the words %v are not those of the labels (%v)", cfg.Words, words)
		}
		m.has = has
	}
	m.Net = rnn.NewEncoderDecoder(rnn.NewOpenBLAS(), cfg.InputDim(), vocab.Len(), cfg.Embed, cfg.Hidden, caption.Start, rng)
	return m, nil
}

// Rows returns the input row of every step of a video (T, D): the
// CNN-derived parts of feats (T, F), then the labeller's distribution
// probs (T, L) when the model reads it (feats may be nil when the model
// reads no CNN-derived part, probs when it does not read labels).
// Rows of a span of the video are a slice of these, so the first step
// of a span sees the change since the step before it.
func (m *Model) Rows(feats, probs [][]float32) [][]float32 {
	c := m.Config
	D := c.InputDim() - btoi(c.Pool) // pooling adds the run's length
	T := len(feats)
	if c.readsLabels() {
		T = len(probs)
	}
	rows := make([][]float32, T)
	var parts [][]float32
	if p := c.parts(); len(p.Inputs) > 0 {
		parts = p.BuildInputs(m.Norm, feats)
	}
	for t := range rows {
		row := make([]float32, 0, D)
		if parts != nil {
			row = append(row, parts[t]...)
		}
		if c.readsLabels() {
			n := len(row)
			row = row[:n+len(c.Words)]
			for l, p := range probs[t] {
				for _, w := range m.has[l] {
					row[n+w] += p
				}
			}
		}
		rows[t] = row
	}
	return rows
}

// pool returns the rows the encoder reads for a span of steps: rows
// itself, or, when the model pools, one row per run of equal run ids
// (runs[t] for step t): the mean of its rows, then its length in seconds.
func (m *Model) pool(rows [][]float32, runs []int) [][]float32 {
	if !m.Config.Pool {
		return rows
	}
	var out [][]float32
	n := 0
	for t, r := range rows {
		if t == 0 || runs[t] != runs[t-1] {
			out = append(out, make([]float32, len(r)+1))
			n = 0
		}
		p := out[len(out)-1]
		n++
		for i, v := range r {
			p[i] += (v - p[i]) / float32(n) // running mean
		}
		p[len(r)] = float32(n) / float32(m.Config.FPS)
	}
	return out
}

// Target is the decoder's target for a description: its words' ids, then
// End.
func (m *Model) Target(description string) []int {
	ids := m.Vocab.Encode(caption.Tokenize(description))
	return ids[1:] // without Start
}

// Loss runs teacher forcing on a batch of spans (x (T,B,D), time-major,
// each of lengths[b] steps) and their targets, accumulates the gradients
// and returns the mean cross-entropy per token.
func (m *Model) Loss(x []float32, T, B int, lengths []int, targets [][]int) float64 {
	return m.Net.Loss(x, T, B, lengths, targets)
}

// Params are the trainable parameters.
func (m *Model) Params() []*rnn.Param { return m.Net.Params() }

func (m *Model) allParams() []*rnn.Param { return append(m.Params(), m.Norm.Params()...) }

const modelFormat = "captioner/describe-1"

// Save writes the weights in the safetensors layout, with the
// configuration and vocabulary in its metadata.
func (m *Model) Save() ([]byte, error) {
	cfg, err := json.Marshal(m.Config)
	if err != nil {
		return nil, err
	}
	vocab, err := m.Vocab.MarshalJSON()
	if err != nil {
		return nil, err
	}
	meta := map[string]string{
		"format":  modelFormat,
		"config":  string(cfg),
		"vocab":   string(vocab),
		"network": "encoder-decoder LSTM (rnn.EncoderDecoder)",
	}
	var buf bytes.Buffer
	if err := rnn.SaveParams(&buf, m.allParams(), meta); err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	return buf.Bytes(), nil
}

// LoadModel reads weights written by Save; source names them in errors.
func LoadModel(data []byte, source string) (*Model, error) {
	meta, err := rnn.ReadSafetensorsMeta(data)
	if err != nil {
		return nil, fmt.Errorf("describe: %s: %w", source, err)
	}
	if meta["format"] != modelFormat {
		return nil, fmt.Errorf("describe: %s: not a describer (format %q)", source, meta["format"])
	}
	var cfg Config
	if err := json.Unmarshal([]byte(meta["config"]), &cfg); err != nil {
		return nil, fmt.Errorf("describe: %s: config: %w", source, err)
	}
	var vocab caption.Vocab
	if err := vocab.UnmarshalJSON([]byte(meta["vocab"])); err != nil {
		return nil, fmt.Errorf("describe: %s: %w", source, err)
	}
	m, err := NewModel(cfg, &vocab, nil)
	if err != nil {
		return nil, fmt.Errorf("describe: %s: %w", source, err)
	}
	if _, err := rnn.LoadParams(data, m.allParams()); err != nil {
		return nil, fmt.Errorf("describe: %s: %w", source, err)
	}
	return m, nil
}

// Result is one span's description.
type Result struct {
	Text string // canonical when it parses (see Parsed), else the words as decoded
	// Parsed says whether the words are a description in the grammar;
	// Events are then its events (none for Config.Still).
	Parsed bool
	Events []string
	// Score is the mean log-probability per token (the end included): 0
	// is certain.
	Score float64
}

// Decoder describes spans with one model. It owns its buffers and the
// model's: use one Decoder per model, one span at a time.
type Decoder struct {
	m      *Model
	search *rnn.Searcher
	x      []float32
}

// NewDecoder prepares beam search of width beam (1 is greedy).
func (m *Model) NewDecoder(beam int) (*Decoder, error) {
	if beam < 1 {
		return nil, fmt.Errorf("describe: beam %d: want at least 1", beam)
	}
	s := rnn.NewSearcher(m.Net.Dec, rnn.DecodeOptions{
		MaxLen: m.Config.MaxLen + 1, Start: caption.Start, EOS: caption.End, Beam: beam, LengthAlpha: 1,
	})
	return &Decoder{m: m, search: s}, nil
}

// Describe decodes the description of a span of input rows (T, D), read
// last step first: of the beam's hypotheses, the best that is a
// description of at most Config.MaxEvents events.
func (d *Decoder) Describe(rows [][]float32) Result {
	D := d.m.Config.InputDim()
	T := len(rows)
	if T == 0 {
		return Result{Text: d.m.Config.Still, Parsed: true, Score: 0}
	}
	d.x = d.x[:0]
	for _, r := range slices.Backward(rows) {
		if len(r) != D {
			panic(fmt.Sprintf("describe: Decoder.Describe: a row of %d values, want %d", len(r), D))
		}
		d.x = append(d.x, r...)
	}
	s0 := d.m.Net.Encode(d.x, T, 1, nil)
	// The best hypothesis in the grammar with at most MaxEvents events;
	// failing that, the best, its events cut to MaxEvents if it parses.
	var res Result
	for i, h := range d.search.Beam(nil, s0) {
		r := Result{Score: h.LogProb / float64(max(len(h.Tokens), 1))}
		r.Text, r.Events, r.Parsed = d.m.canonical(d.m.Vocab.Decode(h.Tokens))
		if r.Parsed && len(r.Events) <= d.m.Config.MaxEvents {
			return r
		}
		if i == 0 {
			res = r
		}
	}
	if res.Parsed {
		res.Events = res.Events[:d.m.Config.MaxEvents]
		res.Text = joinEvents(res.Events, d.m.Config.Still)
	}
	return res
}

// canonical reads decoded words as a description: its canonical text and
// events when they parse, else the words as they are.
func (m *Model) canonical(words []string) (string, []string, bool) {
	raw := strings.Join(words, " ")
	evs, err := parseEvents(raw)
	if err != nil {
		return raw, nil, false
	}
	return joinEvents(evs, m.Config.Still), evs, true
}

// Confidence is how sure the decoder was of the words, in (0, 1]: exp of
// the mean log-probability per token.
func (r Result) Confidence() float64 { return confidence(r.Score) }

// confidence turns a mean log-probability per token into (0, 1].
func confidence(score float64) float64 { return math.Exp(score) }
