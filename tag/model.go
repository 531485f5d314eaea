package tag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"

	"captioner/rnn"
	"captioner/subtitle"
)

// T = steps (sampled frames), B = batch (videos), F = feature dim,
// D = network input dim (see Config.Inputs), H = hidden units, C = tags.

// The architectures of a tagger.
const (
	// ArchLSTM is the many-to-one recurrent tagger: an LSTM over the
	// steps, read out once for the whole video (Config.Readout).
	ArchLSTM = "lstm"
	// ArchDense is the no-memory baseline: a dense network (one hidden
	// ReLU layer) gives each step its tag probabilities from that step's
	// input alone, and the video's are their mean.
	ArchDense = "dense"
)

// Config is a tagger's shape, saved with its weights.
type Config struct {
	Arch       string `json:"arch"`
	FeatureDim int    `json:"feature_dim"`
	// Inputs and Grids say what the network sees of each step, as the
	// subtitle labeller's do (subtitle.Config.BuildInputs).
	Inputs  []string        `json:"inputs"`
	Grids   []subtitle.Grid `json:"grids,omitempty"`
	FPS     float64         `json:"fps"`    // the sampling rate it was trained at
	Hidden  int             `json:"hidden"` // LSTM units, or the dense network's hidden layer
	Readout rnn.Readout     `json:"readout,omitempty"`
	// Leading, when above 0, adds the first Leading standardised values
	// of each frame's feature vector to its step's input, after the
	// parts of Inputs: for the embedded CNN, 1,216 are the grids of 3x3
	// cells the captioner reads (what is where, in what colour).
	Leading int `json:"leading,omitempty"`
	// Named, when not nil, adds which objects the bundle's captioner
	// names in each frame, after every other part (NamedConfig).
	Named *NamedConfig `json:"named,omitempty"`
	// Code, when Hidden is above 0, adds the captioner's image code of
	// each frame: what a captioner trained on 40,000 still images makes
	// of it (which objects, what colour and shape), after the other
	// parts.
	Code CodeConfig `json:"code,omitempty"`
	// Salient, when above 0, adds for each grid the Salient cells that
	// stand out most from the frame's background (the per-channel median
	// over the grid's cells), most salient first, each as its channels'
	// standardised values less that median: what the things in view look
	// like, colour and shape together, wherever they are.
	Salient int `json:"salient,omitempty"`
	// Clip, when above 0, bounds every input value to [-Clip, Clip]: a
	// feature that hardly varied in training (standardised by up to 1000)
	// can otherwise reach thousands on a frame unlike the training ones.
	Clip float64 `json:"clip,omitempty"`
	// Threshold is the probability from which a tag is said (chosen on
	// the validation videos).
	Threshold float64 `json:"threshold"`
}

func (c Config) inputs() subtitle.Config {
	return subtitle.Config{FeatureDim: c.FeatureDim, Inputs: c.Inputs, Grids: c.Grids}
}

// InputDim is how many values one step of the network's input takes.
func (c Config) InputDim() int {
	return c.inputs().InputDim() + c.Leading + c.salientDim() + c.Code.Hidden + c.namedDim()
}

func (c Config) namedDim() int {
	if c.Named == nil {
		return 0
	}
	return len(namedTags())
}

// CodeConfig is the captioner's image code as a step's input: the
// captioner's standardisation of the first Features values of the frame's
// feature vector, then its layer that sets the LSTM's initial hidden state
// (Hidden values, through tanh), copied from the captioner when training
// starts and kept as it is (its weights are saved with the tagger's).
type CodeConfig struct {
	Features int    `json:"features,omitempty"` // F: the captioner's input width
	Hidden   int    `json:"hidden,omitempty"`   // its hidden state's width; 0: no code
	From     string `json:"from,omitempty"`     // the captioner's weights file's sha256
}

// salientDim is how many values the salient cells take a step.
func (c Config) salientDim() int {
	channels := 0
	for _, g := range c.Grids {
		channels += g.Channels
	}
	return c.Salient * channels
}

func (c Config) validate() error {
	if (c.Arch != ArchLSTM && c.Arch != ArchDense) || c.FeatureDim <= 0 || c.Hidden <= 0 || c.FPS <= 0 ||
		c.Threshold <= 0 || c.Threshold >= 1 || len(c.Inputs) == 0 {
		return fmt.Errorf("tag: bad tagger configuration %+v", c)
	}
	if c.Salient < 0 || (c.Salient > 0 && len(c.Grids) == 0) {
		return fmt.Errorf("tag: salient cells need the grids of the feature vector")
	}
	if c.Leading < 0 || c.Leading > c.FeatureDim {
		return fmt.Errorf("tag: leading %d of a feature vector of %d values", c.Leading, c.FeatureDim)
	}
	if _, err := rnn.ParseReadout(string(c.Readout)); err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	for _, p := range c.Inputs {
		if _, err := subtitle.ParseInputs(p); err != nil {
			return fmt.Errorf("tag: %w", err)
		}
	}
	return nil
}

// Model is a tagger: its tags, the standardisation of its features and
// the network (Net for ArchLSTM, Dense for ArchDense).
type Model struct {
	Config Config
	Tags   []string // output k -> tag
	Norm   *rnn.Standardizer
	Net    *rnn.ManyToOne
	Dense  *Dense
	// CodeNorm (F) and Code (F -> Hidden) make the captioner's image code
	// (Config.Code); nil without one. They are not trained.
	CodeNorm *rnn.Standardizer
	Code     *rnn.Linear
	// namer names each frame's objects for Config.Named (set by
	// LoadBundle and Train: it is the bundle's captioner).
	namer *namer
}

// AttachNamer loads the captioner of the bundle in fsys for a tagger
// whose input has the named part (Config.Named); it does nothing for one
// without.
func (m *Model) AttachNamer(fsys fs.FS, name string) error {
	if m.Config.Named == nil {
		return nil
	}
	n, _, err := newNamer(fsys, name, m.Config.Named.From)
	if err != nil {
		return err
	}
	m.namer = n
	return nil
}

// NewModel makes an untrained tagger of tags.
func NewModel(cfg Config, tags []string, rng *rand.Rand) (*Model, error) {
	if cfg.Threshold == 0 {
		cfg.Threshold = 0.5
	}
	if cfg.Arch == ArchLSTM && cfg.Readout == "" {
		cfg.Readout = rnn.ReadLast
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(tags) < 1 {
		return nil, fmt.Errorf("tag: a tagger needs at least one tag")
	}
	m := &Model{Config: cfg, Tags: tags, Norm: rnn.NewStandardizer(cfg.FeatureDim)}
	impl := rnn.NewOpenBLAS()
	if cfg.Code.Hidden > 0 {
		m.CodeNorm = rnn.NewStandardizer(cfg.Code.Features)
		m.CodeNorm.Mean.Name, m.CodeNorm.Scale.Name = "code.norm.mean", "code.norm.scale"
		m.Code = rnn.NewLinear(impl, cfg.Code.Features, cfg.Code.Hidden, nil)
		m.Code.W.Name, m.Code.B.Name = "code.weight", "code.bias"
	}
	D := cfg.InputDim()
	if cfg.Arch == ArchLSTM {
		lstm := rnn.NewLSTM(impl, D, cfg.Hidden, rng)
		// The LSTM starts its input weights at U(±1/√H), PyTorch's rule;
		// over D = 896 standardised inputs that puts every gate's
		// pre-activation at a standard deviation of about 1.5, saturated.
		// Scaled by √(H/D) they start at U(±1/√D), as a Linear layer's do.
		k := float32(math.Sqrt(float64(cfg.Hidden) / float64(D)))
		for i := range lstm.Wx.W {
			lstm.Wx.W[i] *= k
		}
		m.Net = rnn.NewManyToOne(impl, lstm, len(tags), rng)
		m.Net.Readout = cfg.Readout
	} else {
		m.Dense = NewDense(impl, D, cfg.Hidden, len(tags), rng)
	}
	return m, nil
}

// Params are the trained parameters.
func (m *Model) Params() []*rnn.Param {
	if m.Net != nil {
		return m.Net.Params()
	}
	return m.Dense.Params()
}

func (m *Model) allParams() []*rnn.Param {
	ps := append(m.Params(), m.Norm.Params()...)
	if m.Code != nil {
		ps = append(append(ps, m.CodeNorm.Params()...), m.Code.Params()...)
	}
	return ps
}

// Inputs returns the network input of every step of a video's feature
// vectors (T rows of D values).
func (m *Model) Inputs(feats [][]float32) [][]float32 { return m.inputsAt(feats, 0) }

// inputsAt is Inputs for feats that begin at step first of their video
// (the named part names one step in NamedConfig.Every, counted from the
// video's first).
func (m *Model) inputsAt(feats [][]float32, first int) [][]float32 {
	rows := m.Config.inputs().BuildInputs(m.Norm, feats)
	named := m.Config.Named != nil
	if named && m.namer == nil {
		panic("tag: a tagger with the named part has no captioner attached (AttachNamer)")
	}
	if n, k, h := m.Config.Leading, m.Config.Salient, m.Config.Code.Hidden; n > 0 || k > 0 || h > 0 || named {
		base := m.Config.inputs().InputDim()
		var z, cz []float32
		for t, row := range rows {
			r := make([]float32, m.Config.InputDim())
			copy(r, row)
			if n > 0 {
				m.Norm.Apply(feats[t][:n], r[base:base])
			}
			if k > 0 {
				z = m.Norm.Apply(feats[t], z)
				salient(r[base+n:], z, m.Config.Grids, k)
			}
			if h > 0 {
				// code = tanh(Code(CodeNorm(f[:F]))), as the captioner's h0
				at := base + n + m.Config.salientDim()
				cz = m.CodeNorm.Apply(feats[t][:m.Config.Code.Features], cz)
				code := m.Code.Apply(cz, r[at:at])
				for i, v := range code {
					code[i] = float32(math.Tanh(float64(v)))
				}
			}
			if named && (first+t)%max(m.Config.Named.Every, 1) == 0 {
				m.namer.name(r[len(r)-m.Config.namedDim():], feats[t])
			}
			rows[t] = r
		}
	}
	if c := float32(m.Config.Clip); c > 0 {
		for _, row := range rows {
			for i, v := range row {
				row[i] = min(max(v, -c), c)
			}
		}
	}
	return rows
}

// pack lays the inputs of a batch of videos out as x (T,B,D), T the
// longest, with their lengths.
func pack(x []float32, seqs [][][]float32, D int) ([]float32, int, []int) {
	T := 0
	for _, s := range seqs {
		T = max(T, len(s))
	}
	B := len(seqs)
	if cap(x) < T*B*D {
		x = make([]float32, T*B*D)
	}
	x = x[:T*B*D]
	clear(x)
	lengths := make([]int, B)
	for b, s := range seqs {
		lengths[b] = len(s)
		for t, row := range s {
			copy(x[(t*B+b)*D:(t*B+b+1)*D], row)
		}
	}
	return x, T, lengths
}

// Loss runs the network over a batch of videos' inputs and the backward
// pass for their targets (B,C: 1 where the tag applies, else 0),
// accumulating gradients, and returns the mean binary cross-entropy a
// video (summed over tags).
func (m *Model) Loss(seqs [][][]float32, targets []float32, x *[]float32) float64 {
	var T int
	var lengths []int
	*x, T, lengths = pack(*x, seqs, m.Config.InputDim())
	if m.Net != nil {
		return m.Net.LossMulti(*x, T, len(seqs), lengths, targets)
	}
	return m.Dense.Loss(*x, T, len(seqs), lengths, targets)
}

// LossEveryStep is Loss with the LSTM's head read at every real step of a
// video, not only at its last: each step is taught the video's tags, and
// the last step, the only one read when tagging, counts as much as all
// the others together,
//
//	loss_b = BCE(z_{n-1}, y_b) + Σ_{t<n} BCE(z_t, y_b) / n,   z_t = Head(h_t)
//
// averaged over the batch. One label a video gives an LSTM one gradient a
// video; this gives it one a step, as the dense baseline has, while the
// answer is still read once, at the end. For ArchDense it is Loss.
func (m *Model) LossEveryStep(seqs [][][]float32, targets []float32, x *[]float32, grad *[]float32) float64 {
	if m.Net == nil {
		return m.Loss(seqs, targets, x)
	}
	var T int
	var lengths []int
	*x, T, lengths = pack(*x, seqs, m.Config.InputDim())
	B, C := len(seqs), len(m.Tags)
	enc, head := m.Net.Enc, m.Net.Head
	y := enc.Forward(*x, T, B, lengths, nil) // (T,B,H)
	z := head.Forward(y, T*B)                // (T*B,C)
	*grad = grow(*grad, T*B*C)
	g := *grad
	var loss float64
	for b := range B {
		n := lengths[b]
		for t := range T {
			rows := (t*B + b) * C
			if t >= n {
				clear(g[rows : rows+C])
				continue
			}
			w := 1 / float64(n)
			if t == n-1 {
				w++
			}
			l := rnn.SigmoidBinaryCrossEntropy(z[rows:rows+C], 1, C, targets[b*C:(b+1)*C], g[rows:rows+C])
			loss += w * l
			k := float32(w / float64(B))
			for i := rows; i < rows+C; i++ {
				g[i] *= k
			}
		}
	}
	// z = Head(y)  =>  dy = Head.Backward(dz), then back through the LSTM
	enc.Backward(head.Backward(g), nil)
	return loss / float64(B)
}

// Probabilities returns each tag's probability for a video, given its
// steps' inputs (see Inputs); a video without steps gets zeros.
func (m *Model) Probabilities(in [][]float32) []float32 {
	if len(in) == 0 {
		return make([]float32, len(m.Tags))
	}
	x, T, lengths := pack(nil, [][][]float32{in}, m.Config.InputDim())
	if m.Net != nil {
		return m.Net.Probabilities(x, T, 1, lengths)
	}
	return m.Dense.Probabilities(x, T, 1, lengths)
}

const modelFormat = "captioner/tag-1"

// Save writes the weights in the safetensors layout, with the
// configuration and tags in its metadata.
func (m *Model) Save() ([]byte, error) {
	cfg, err := json.Marshal(m.Config)
	if err != nil {
		return nil, err
	}
	tags, err := json.Marshal(m.Tags)
	if err != nil {
		return nil, err
	}
	network := "many-to-one LSTM (rnn.ManyToOne), sigmoid a tag"
	if m.Dense != nil {
		network = "dense classifier of each step, probabilities averaged over the steps (no memory)"
	}
	meta := map[string]string{"format": modelFormat, "config": string(cfg), "tags": string(tags), "network": network}
	var buf bytes.Buffer
	if err := rnn.SaveParams(&buf, m.allParams(), meta); err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	return buf.Bytes(), nil
}

// LoadModel reads weights written by Save; source names them in errors.
func LoadModel(data []byte, source string) (*Model, error) {
	meta, err := rnn.ReadSafetensorsMeta(data)
	if err != nil {
		return nil, fmt.Errorf("tag: %s: %w", source, err)
	}
	if meta["format"] != modelFormat {
		return nil, fmt.Errorf("tag: %s: not a tagger (format %q)", source, meta["format"])
	}
	var cfg Config
	if err := json.Unmarshal([]byte(meta["config"]), &cfg); err != nil {
		return nil, fmt.Errorf("tag: %s: config: %w", source, err)
	}
	var tags []string
	if err := json.Unmarshal([]byte(meta["tags"]), &tags); err != nil {
		return nil, fmt.Errorf("tag: %s: tags: %w", source, err)
	}
	m, err := NewModel(cfg, tags, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, fmt.Errorf("tag: %s: %w", source, err)
	}
	if _, err := rnn.LoadParams(data, m.allParams()); err != nil {
		return nil, fmt.Errorf("tag: %s: %w", source, err)
	}
	return m, nil
}

// salient writes, for each grid, its k cells farthest (summed absolute
// difference over the channels) from the grid's per-channel median over
// the cells, most distant first, each as its channels' values less the
// median (k*channels values a grid).
func salient(dst, z []float32, grids []subtitle.Grid, k int) {
	off := 0
	for _, g := range grids {
		n := g.Side * g.Side
		med := make([]float32, g.Channels)
		col := make([]float32, n)
		for c := range g.Channels {
			copy(col, z[g.Offset+c*n:g.Offset+(c+1)*n])
			slices.Sort(col)
			med[c] = col[n/2]
		}
		dist := make([]float32, n)
		for c := range g.Channels {
			for cell := range n {
				d := z[g.Offset+c*n+cell] - med[c]
				dist[cell] += max(d, -d)
			}
		}
		cells := make([]int, n)
		for i := range cells {
			cells[i] = i
		}
		// Most distant first; ties by cell index.
		slices.SortStableFunc(cells, func(a, b int) int {
			switch {
			case dist[a] > dist[b]:
				return -1
			case dist[a] < dist[b]:
				return 1
			}
			return 0
		})
		for j := range min(k, n) {
			cell := cells[j]
			for c := range g.Channels {
				dst[off+j*g.Channels+c] = z[g.Offset+c*n+cell] - med[c]
			}
		}
		off += k * g.Channels
	}
}
