package tag

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"captioner/rnn"
	"captioner/subtitle"
	"captioner/world"
)

// TrainOptions configure Train. Zero values take the defaults noted.
type TrainOptions struct {
	Data     *Data
	Sampler  *subtitle.Sampler // the bundle's CNN, sampling at Config.FPS
	Out      string            // the model bundle folder to write
	Base     fs.FS             // the bundle whose CNN computes the features (copied into Out)
	BaseName string

	// Config: Arch (default ArchLSTM), Hidden (default 128), Readout
	// (default last), Inputs (default DefaultInputs), Grids (default the
	// sampler's finest). FeatureDim and FPS come from the sampler.
	Config   Config
	Seed     uint64
	Epochs   int     // at most this many passes over the data; default 30
	Batch    int     // videos a step; default 32
	LR       float64 // Adam's learning rate, cosine-decayed; default 2e-3
	Dropout  float64 // on the inputs, in training
	Patience int     // stop after this many epochs without a better validation score; default 8
	// ValVideos is how many videos (the last ones) validate; default a
	// tenth of the data, at least 1 and at most 50.
	ValVideos int
	// FitVideos is how many training videos (the first ones) the feature
	// standardisation is measured on; default 256.
	FitVideos int
	// Videos, when above 0, limits training and validation to the first
	// Videos trainable videos of the data, in path order.
	Videos int
	// Named gives the network which objects the base bundle's captioner
	// names in each frame (Config.Named).
	Named bool
	// NamedEvery names the objects of one step in NamedEvery (NamedConfig.Every).
	NamedEvery int
	// CaptionCode gives the network the base bundle's captioner's image
	// code of every frame (Config.Code).
	CaptionCode bool
	// EveryStep teaches the LSTM the video's tags at every step, not only
	// at its last (Model.LossEveryStep).
	EveryStep bool
	// KeepLast keeps the last epoch's weights rather than the best on
	// the validation videos (for a tagger of a few videos, which cannot
	// be validated).
	KeepLast bool
	// Training is recorded in the manifest entry's training beside what
	// Train records itself (e.g. the recipe).
	Training map[string]any

	// Log receives one line per stage and per epoch; Progress the feature
	// extraction's progress (videos done). Either may be nil.
	Log      func(format string, a ...any)
	Progress func(done, total int)
}

// DefaultInputs is what a tagger sees at each step when training is not
// told: what is in view anywhere (present), what changed and which way
// (motion), and what the moving thing looks like (moving), over the CNN's
// finest grids.
var DefaultInputs = []string{subtitle.InputPresent, subtitle.InputMotion, subtitle.InputMoving}

func (o *TrainOptions) defaults() {
	if o.Config.Arch == "" {
		o.Config.Arch = ArchLSTM
	}
	if o.Config.Hidden == 0 {
		o.Config.Hidden = 128
	}
	if len(o.Config.Inputs) == 0 {
		o.Config.Inputs = DefaultInputs
	}
	if o.Epochs == 0 {
		o.Epochs = 30
	}
	if o.Batch == 0 {
		o.Batch = 32
	}
	if o.LR == 0 {
		o.LR = 2e-3
	}
	if o.Patience == 0 {
		o.Patience = 8
	}
	if o.ValVideos == 0 {
		n := len(o.Data.Trainable())
		if o.Videos > 0 {
			n = min(n, o.Videos)
		}
		o.ValVideos = min(max(n/10, 1), 50)
	}
	if o.FitVideos == 0 {
		o.FitVideos = 256
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
}

// TrainResult is what training produced.
type TrainResult struct {
	Epochs    int     `json:"epochs"`
	BestEpoch int     `json:"best_epoch"`
	Report    *Report `json:"validation"` // the best weights' at their threshold
}

// clip is one video's network inputs and tag targets.
type clip struct {
	in      [][]float32 // (T, D)
	targets []float32   // (C)
	tags    []string
	novelty float64
	video   string
}

// Train fits a tagger to o.Data and writes the best weights (by exact
// tag-set match on the validation videos, then their loss) as a model
// bundle in o.Out.
func Train(ctx context.Context, o TrainOptions) (*TrainResult, error) {
	o.defaults()
	began := time.Now()
	ex := o.Data.Trainable() // never the test part
	if o.Videos > 0 && o.Videos < len(ex) {
		ex = ex[:o.Videos]
	}
	if len(ex) < 2 {
		return nil, fmt.Errorf("tag: %d tagged videos: need at least 2 (training and validation)", len(ex))
	}
	nVal := min(o.ValVideos, len(ex)-1)
	nTrain := len(ex) - nVal
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	o.Log("%d training videos, %d validation videos", nTrain, nVal)
	var tags []string
	for _, e := range ex[:nTrain] {
		for _, t := range e.Tags {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	tags = world.SortTags(tags)
	if len(tags) < 2 {
		return nil, fmt.Errorf("tag: the training videos have %d distinct tags: need at least 2", len(tags))
	}
	cfg := o.Config
	cfg.FeatureDim = o.Sampler.Extractor.Dim()
	cfg.FPS = o.Sampler.FPS
	if cfg.FPS == 0 {
		cfg.FPS = subtitle.DefaultFPS
	}
	if cfg.Grids == nil {
		cfg.Grids = finestGrids(o.Sampler.Grids)
	}
	if o.CaptionCode {
		code, err := captionCode(o.Base, o.BaseName, nil)
		if err != nil {
			return nil, err
		}
		cfg.Code = code
	}
	var nm *namer
	if o.Named {
		n, sha, err := newNamer(o.Base, o.BaseName, "")
		if err != nil {
			return nil, err
		}
		nm, cfg.Named = n, &NamedConfig{From: sha, Every: o.NamedEvery}
	}
	rng := rand.New(rand.NewPCG(o.Seed, 1))
	m, err := NewModel(cfg, tags, rng)
	if err != nil {
		return nil, err
	}
	m.namer = nm
	if o.CaptionCode {
		if _, err := captionCode(o.Base, o.BaseName, m); err != nil {
			return nil, err
		}
	}
	clips, err := o.load(ctx, m, ex, nTrain)
	if err != nil {
		return nil, err
	}
	var train, val []*clip
	for i, c := range clips {
		switch {
		case c == nil:
		case i < nTrain:
			train = append(train, c)
		default:
			val = append(val, c)
		}
	}
	if len(train) == 0 || len(val) == 0 {
		return nil, fmt.Errorf("tag: %d training and %d validation videos could be read: need some of each", len(train), len(val))
	}
	steps := 0
	for _, c := range train {
		steps += len(c.in)
	}
	o.Log("%d tags; %d training steps; model %+v", len(tags), steps, m.Config)

	best, bestEpoch, epochs, err := o.fit(ctx, m, train, val)
	if err != nil {
		return nil, err
	}
	if _, err := rnn.LoadParams(best, m.allParams()); err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	// The threshold and the low-confidence limits that suit the best
	// weights on the validation videos.
	probs := make([][]float32, len(val))
	for i, c := range val {
		probs[i] = m.Probabilities(c.in)
	}
	m.Config.Threshold = chooseThreshold(m.Tags, val, probs)
	lowConf, novLimit := limits(m, val, probs)
	rep := Score(m.Tags, scoreClips(m, val, probs, &Entry{LowConfidence: lowConf, NoveltyLimit: novLimit}))
	rep.Threshold = m.Config.Threshold
	o.Log("threshold %g: validation exact %.4f, micro F1 %.4f", m.Config.Threshold, rep.ExactMatch, rep.Micro.F1)
	weights, err := m.Save()
	if err != nil {
		return nil, err
	}
	training := map[string]any{
		"data": o.Data.Dir, "training_videos": len(train), "validation_videos": len(val), "steps": steps,
		"tags": len(tags), "seed": o.Seed, "epochs": epochs, "best_epoch": bestEpoch, "batch": o.Batch,
		"lr": o.LR, "dropout": o.Dropout, "keep_last": o.KeepLast, "every_step": o.EveryStep, "standardised_on": fmt.Sprintf("the first %d training videos", min(o.FitVideos, nTrain)),
		"minutes": math.Round(time.Since(began).Minutes()*10) / 10, "source": o.Data.Source,
	}
	for k, v := range o.Training {
		training[k] = v
	}
	entry := Entry{
		LowConfidence: lowConf, NoveltyLimit: novLimit, Training: training,
		Scores: map[string]any{"validation": rep},
	}
	if err := WriteBundle(o.Out, o.Base, o.BaseName, weights, entry); err != nil {
		return nil, err
	}
	return &TrainResult{Epochs: epochs, BestEpoch: bestEpoch, Report: rep}, nil
}

// load reads every video's features (through the sampler's cache) a chunk
// at a time and keeps only the network's inputs, so that memory holds the
// CNN's vectors of one chunk, not of the whole data. The standardisation
// is measured on the first o.FitVideos training videos before any input
// is built. A video that cannot be read is logged and left nil.
func (o *TrainOptions) load(ctx context.Context, m *Model, ex []Example, nTrain int) ([]*clip, error) {
	const chunk = 64
	clips := make([]*clip, len(ex))
	nFit := min(o.FitVideos, nTrain)
	var pending []int          // videos read, waiting for the standardisation
	var pendingF [][][]float32 // their features
	fitted := false
	failed := 0
	build := func(i int, feats [][]float32) {
		c := &clip{in: m.Inputs(feats), tags: ex[i].Tags, video: ex[i].Video, targets: make([]float32, len(m.Tags))}
		for k, t := range m.Tags {
			if slices.Contains(c.tags, t) {
				c.targets[k] = 1
			}
		}
		var z []float32
		for _, f := range feats {
			z = m.Norm.Apply(f, z)
			c.novelty += rnn.Novelty(z)
		}
		c.novelty /= float64(max(len(feats), 1))
		clips[i] = c
	}
	for lo := 0; lo < len(ex); lo += chunk {
		hi := min(lo+chunk, len(ex))
		paths := make([]string, hi-lo)
		for i := range paths {
			paths[i] = ex[lo+i].Video
		}
		seqs, errs := o.Sampler.Sequences(ctx, paths, func(done, _ int) {
			if o.Progress != nil {
				o.Progress(lo+done, len(ex))
			}
		})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for j, s := range seqs {
			i := lo + j
			if errs[j] != nil || len(s.Vectors) == 0 {
				if failed < 5 {
					o.Log("skipping %s: %v", ex[i].Video, errs[j])
				}
				failed++
				continue
			}
			if !fitted {
				pending, pendingF = append(pending, i), append(pendingF, s.Vectors)
				continue
			}
			build(i, s.Vectors)
		}
		if !fitted && (hi >= nFit || hi == len(ex)) {
			var fit [][]float32
			for k, i := range pending {
				if i < nFit {
					fit = append(fit, pendingF[k]...)
				}
			}
			m.Norm.Fit(fit)
			for k, i := range pending {
				build(i, pendingF[k])
			}
			pending, pendingF, fitted = nil, nil, true
		}
	}
	if failed > 0 {
		o.Log("%d videos could not be read and are left out", failed)
	}
	return clips, nil
}

// fit is the training loop: shuffled batches of o.Batch videos (Adam, the
// cosine schedule over all the epochs, gradients clipped at 5, dropout on
// the inputs), the validation videos scored after each epoch, and an
// early stop after o.Patience epochs without a better score. It returns
// the best weights (as Save writes them), their epoch and the epochs run.
func (o *TrainOptions) fit(ctx context.Context, m *Model, train, val []*clip) ([]byte, int, int, error) {
	perEpoch := (len(train) + o.Batch - 1) / o.Batch
	tr := &rnn.Trainer{
		Params:   m.Params(),
		Opt:      rnn.NewAdam(o.LR),
		Schedule: rnn.Cosine{Base: o.LR, Min: o.LR / 20, Warmup: min(50, perEpoch), Total: o.Epochs * perEpoch},
		ClipNorm: 5,
	}
	var best []byte
	bestEpoch, epoch := 0, 0
	bestScore := math.Inf(-1)
	var x, g []float32
	order := make([]int, len(train))
	for epoch = 1; epoch <= o.Epochs; epoch++ {
		start := time.Now()
		rng := rand.New(rand.NewPCG(o.Seed, uint64(100+epoch)))
		for i := range order {
			order[i] = i
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var lossSum float64
		for b := 0; b < len(order); b += o.Batch {
			if err := ctx.Err(); err != nil {
				return nil, 0, 0, err
			}
			idx := order[b:min(b+o.Batch, len(order))]
			seqs := make([][][]float32, len(idx))
			targets := make([]float32, 0, len(idx)*len(m.Tags))
			for k, i := range idx {
				seqs[k] = train[i].in
				targets = append(targets, train[i].targets...)
			}
			if o.Dropout > 0 {
				seqs = dropped(seqs, o.Dropout, rng)
			}
			st, err := tr.Step(func() (float64, error) {
				if o.EveryStep {
					return m.LossEveryStep(seqs, targets, &x, &g), nil
				}
				return m.Loss(seqs, targets, &x), nil
			})
			if err != nil {
				return nil, 0, 0, fmt.Errorf("tag: epoch %d: %w", epoch, err)
			}
			lossSum += st.Loss
		}
		exact, vloss := validate(m, val)
		score := exact - vloss*1e-3 // exact match first, the loss breaks ties
		mark := ""
		if score > bestScore || o.KeepLast {
			w, err := m.Save()
			if err != nil {
				return nil, 0, 0, err
			}
			best, bestScore, bestEpoch, mark = w, score, epoch, " *"
		}
		o.Log("epoch %d: loss %.4f, validation exact %.4f loss %.4f (%s)%s", epoch, lossSum/float64(perEpoch), exact, vloss, time.Since(start).Round(time.Millisecond), mark)
		if epoch-bestEpoch >= o.Patience {
			break
		}
	}
	return best, bestEpoch, min(epoch, o.Epochs), nil
}

// dropped returns copies of seqs with each input value zeroed with
// probability p and the rest scaled by 1/(1-p).
func dropped(seqs [][][]float32, p float64, rng *rand.Rand) [][][]float32 {
	out := make([][][]float32, len(seqs))
	for i, s := range seqs {
		out[i] = make([][]float32, len(s))
		for t, row := range s {
			r := slices.Clone(row)
			rnn.DropInPlace(r, p, rng)
			out[i][t] = r
		}
	}
	return out
}

// validate returns the exact tag-set match at threshold 0.5 and the mean
// loss over the validation videos.
func validate(m *Model, val []*clip) (exact, loss float64) {
	ok := 0
	for _, c := range val {
		p := m.Probabilities(c.in)
		same := true
		for k, v := range p {
			if (v >= 0.5) != (c.targets[k] == 1) {
				same = false
			}
			loss -= float64(c.targets[k])*math.Log(max(float64(v), 1e-7)) + float64(1-c.targets[k])*math.Log(max(1-float64(v), 1e-7))
		}
		if same && allKnown(m, c.tags) {
			ok++
		}
	}
	return float64(ok) / float64(len(val)), loss / float64(len(val))
}

// allKnown says whether the model has every one of tags.
func allKnown(m *Model, tags []string) bool {
	for _, t := range tags {
		if !slices.Contains(m.Tags, t) {
			return false
		}
	}
	return true
}

// thresholds are the tag thresholds training chooses among.
var thresholds = []float64{0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9}

// chooseThreshold returns the threshold with the best exact match on the
// validation videos, the one nearest 0.5 among equals.
func chooseThreshold(tags []string, val []*clip, probs [][]float32) float64 {
	best, bestExact := 0.5, -1.0
	for _, th := range thresholds {
		ok := 0
		for i, c := range val {
			if slices.Equal(decide(tags, probs[i], th), c.tags) {
				ok++
			}
		}
		exact := float64(ok) / float64(len(val))
		if exact > bestExact || (exact == bestExact && math.Abs(th-0.5) < math.Abs(best-0.5)) {
			best, bestExact = th, exact
		}
	}
	return best
}

// decide returns the tags whose probability reaches threshold, in the
// model's order.
func decide(tags []string, p []float32, threshold float64) []string {
	out := []string{}
	for k, v := range p {
		if float64(v) >= threshold {
			out = append(out, tags[k])
		}
	}
	return out
}

// Confidence is how sure a video's answer is: the probability of the
// least sure of its decisions (p for a tag said, 1 - p for one not said).
func Confidence(p []float32, threshold float64) float64 {
	c := 1.0
	for _, v := range p {
		d := float64(v)
		if d < threshold {
			d = 1 - d
		}
		c = min(c, d)
	}
	return c
}

// limits sets the flags of unsure answers from the validation videos: a
// confidence well under the lowest (80 % of it), and a novelty well above
// the highest (half as much again).
func limits(m *Model, val []*clip, probs [][]float32) (lowConf, highNovelty float64) {
	lowConf = 1
	for i, c := range val {
		lowConf = min(lowConf, Confidence(probs[i], m.Config.Threshold))
		highNovelty = max(highNovelty, c.novelty)
	}
	return 0.8 * lowConf, 1.5 * highNovelty
}

// scoreClips pairs each validation video's answer with its truth.
func scoreClips(m *Model, val []*clip, probs [][]float32, e *Entry) []Scored {
	out := make([]Scored, len(val))
	for i, c := range val {
		out[i] = Scored{Video: c.video, Truth: c.tags, Predicted: decide(m.Tags, probs[i], m.Config.Threshold),
			Novelty: c.novelty, Unsure: e.Unsure(Confidence(probs[i], m.Config.Threshold), c.novelty)}
	}
	return out
}

// finestGrids keeps the grids of the largest side.
func finestGrids(grids []subtitle.Grid) []subtitle.Grid {
	side := 0
	for _, g := range grids {
		side = max(side, g.Side)
	}
	var out []subtitle.Grid
	for _, g := range grids {
		if g.Side == side {
			out = append(out, g)
		}
	}
	return out
}
