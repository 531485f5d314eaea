//go:build choices

package subtitle

// TestChoices trains labellers of several designs on one folder of labelled
// videos whose features are already in a cache (from `captioner train
// subtitle --cache DIR`), and prints per-part validation accuracy (event,
// colour, shape of the true label's parts), whole-label accuracy and the
// track scores, every 5 epochs. It is how subtitle/CHOICES.md was measured:
//
//	go test -tags choices -run TestChoices -v -timeout 60m ./subtitle -args \
//	    -data DIR -cache DIR -variants "features+change motion+moving motion+moving:uni"
//
// A variant is input parts joined by "+", then options after ":": uni
// (forward only), hN (hidden units), dP (dropout), wd (AdamW decay 0.05),
// lN (layers), gNAME (the grids of -gridsets NAME).
// The last 40 videos validate; -ntrain keeps the first N for training.

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"captioner/internal/featcache"
	"captioner/media"
	"captioner/rnn"
)

var expData = flag.String("data", "", "folder of labelled Shapes-world videos")
var expCache = flag.String("cache", "", "feature cache that holds their features")
var expVariants = flag.String("variants", "motion+moving", "designs to train, space-separated")
var expEpochs = flag.Int("epochs", 20, "epochs per design")
var expNTrain = flag.Int("ntrain", 0, "training videos (0: all but the last 40)")
var expDim = flag.Int("dim", 1216, "length of the cached feature vectors")
var expGrids = flag.String("grids", "0,96,3 864,32,3", "the grids variants read by default (offset,channels,side ...); gN options pick other sets")
var expGridSets = flag.String("gridsets", "", "named grid sets for gNAME options: NAME=offset,channels,side/offset,channels,side;...")

// cachedOnly stands in for the CNN: every feature must come from the cache.
type cachedOnly struct{}

func (cachedOnly) Features(context.Context, []media.Frame) ([][]float32, error) {
	return nil, fmt.Errorf("features missing from the cache")
}
func (cachedOnly) Dim() int { return *expDim }

// parseGrids reads grids written "offset,channels,side" separated by spaces or slashes.
func parseGrids(t *testing.T, s string) []Grid {
	var out []Grid
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '/' }) {
		var g Grid
		if _, err := fmt.Sscanf(f, "%d,%d,%d", &g.Offset, &g.Channels, &g.Side); err != nil {
			t.Fatalf("grid %q: %v", f, err)
		}
		out = append(out, g)
	}
	return out
}

func TestChoices(t *testing.T) {
	if *expData == "" || *expCache == "" {
		t.Skip("needs -data and -cache")
	}
	ctx := context.Background()
	d, err := OpenData(ctx, *expData)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(*expCache)
	c, err := featcache.Open(*expCache, entries[0].Name(), *expDim)
	if err != nil {
		t.Fatal(err)
	}
	s := &Sampler{Extractor: cachedOnly{}, Width: 224, Height: 224, Fit: media.Stretch, Cache: c}
	seqs := make([]featcache.Sequence, len(d.Examples))
	for i, e := range d.Examples {
		seqs[i], err = s.Sequence(ctx, e.Video)
		if err != nil {
			t.Fatal(err)
		}
	}
	dim := len(seqs[0].Vectors[0])
	nVal := 40
	trainEx, valEx := d.Examples[:len(d.Examples)-nVal], d.Examples[len(d.Examples)-nVal:]
	labels, _ := worldLabels()
	id := map[string]int{}
	for i, l := range labels {
		id[l] = i
	}
	toSeq := func(ex []Example, sq []featcache.Sequence) []sequence {
		var out []sequence
		for i, e := range ex {
			cues, _ := ReadTrack(e.Track)
			txt := LabelsAt(cues, sq[i].Times)
			ls := make([]int, len(txt))
			for k, tx := range txt {
				ls[k] = id[tx]
			}
			out = append(out, sequence{feats: sq[i].Vectors, labels: ls})
		}
		return out
	}
	train := toSeq(trainEx, seqs[:len(trainEx)])
	if *expNTrain > 0 {
		train = train[:*expNTrain]
	}
	val := toSeq(valEx, seqs[len(trainEx):])
	var all [][]float32
	for _, s := range train {
		all = append(all, s.feats...)
	}
	for _, v := range strings.Fields(*expVariants) {
		cfg := Config{FeatureDim: dim, Hidden: 128, Layers: 1, Bidirectional: true, FPS: 4, Window: 64, Dropout: 0.2, Factored: true,
			Grids: parseGrids(t, *expGrids)}
		epochs, lr, batch, wd := *expEpochs, 2e-3, 16, 0.0
		name := v
		if i := strings.Index(v, ":"); i >= 0 {
			for _, opt := range strings.Split(v[i+1:], ":") {
				switch {
				case opt == "uni":
					cfg.Bidirectional = false
				case opt == "wd":
					wd = 0.05
				case strings.HasPrefix(opt, "g"):
					for _, set := range strings.Split(*expGridSets, ";") {
						if name, grids, ok := strings.Cut(set, "="); ok && name == opt[1:] {
							cfg.Grids = parseGrids(t, grids)
						}
					}
				case strings.HasPrefix(opt, "l"):
					cfg.Layers, _ = strconv.Atoi(opt[1:])
				case strings.HasPrefix(opt, "h"):
					cfg.Hidden, _ = strconv.Atoi(opt[1:])
				case strings.HasPrefix(opt, "d"):
					cfg.Dropout, _ = strconv.ParseFloat(opt[1:], 64)
				}
			}
			v = v[:i]
		}
		cfg.Inputs = strings.Split(v, "+")
		v = name
		m, err := NewModel(cfg, nil, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(v, err)
		}
		m.Norm.Fit(all)
		opt := rnn.NewAdamW(lr, wd)
		if wd == 0 {
			opt = rnn.NewAdam(lr)
		}
		steps := (len(cut(train, cfg.Window, rand.New(rand.NewPCG(0, 0)))) + batch - 1) / batch
		tr := &rnn.Trainer{Params: m.Net.Params(), Opt: opt, Schedule: rnn.Cosine{Base: lr, Min: lr / 20, Warmup: 100, Total: epochs * steps}, ClipNorm: 5}
		var x []float32
		start := time.Now()
		for ep := 1; ep <= epochs; ep++ {
			rng := rand.New(rand.NewPCG(1, uint64(ep)))
			ws := cut(train, cfg.Window, rng)
			rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
			m.SetTrain(true)
			loss := 0.0
			for b := 0; b < len(ws); b += batch {
				bw := ws[b:min(b+batch, len(ws))]
				xb, T, lengths, lab := m.batch(x, bw)
				x = xb
				rnn.DropInPlace(xb, cfg.Dropout, rng)
				st, _ := tr.Step(func() (float64, error) { return m.Loss(xb, T, len(bw), lengths, lab), nil })
				loss += st.Loss
			}
			m.SetTrain(false)
			if ep%5 == 0 || ep == epochs {
				g := groupAcc(m, val)
				rep, _, _ := Evaluate(ctx, m, 2, DefaultOptions(), valEx, seqs[len(trainEx):])
				fmt.Printf("%s ep %d loss %.3f | val event %.3f colour %.3f shape %.3f label %.3f | step %.3f F1 %.3f | train label %.3f | %s\n", v, ep, loss/float64(steps), g[0], g[1], g[2], g[3], rep.StepAccuracy, rep.F1, groupAcc(m, train[:40])[3], time.Since(start).Round(time.Second))
			}
		}
	}
}

// groupAcc: per-step argmax accuracy of event, colour (object steps), shape, full label.
func groupAcc(m *Model, data []sequence) [4]float64 {
	var right, n [4]int
	_, f := worldLabels()
	for _, s := range data {
		probs := m.Probabilities(s.feats)
		for t, p := range probs {
			best := 0
			for l := range p {
				if p[l] > p[best] {
					best = l
				}
			}
			truth := s.labels[t]
			tp, pp := f.Parts[truth], f.Parts[best]
			for g := 0; g < 3; g++ {
				if tp[g] >= 0 {
					n[g]++
					if tp[g] == pp[g] {
						right[g]++
					}
				}
			}
			n[3]++
			if best == truth {
				right[3]++
			}
		}
	}
	var out [4]float64
	for i := range out {
		out[i] = float64(right[i]) / float64(max(n[i], 1))
	}
	return out
}
