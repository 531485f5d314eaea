package describe

import (
	"context"
	"fmt"
	"slices"

	"captioner/caption"
	"captioner/internal/featcache"
	"captioner/subtitle"
	"captioner/world"
)

// Scores are the scores of docs/DESCRIBE.md over some clips.
type Scores struct {
	Clips int `json:"clips"`
	world.DescriptionReport
	BLEU   caption.BLEU `json:"bleu"`    // BLEU-1..4 against the canonical description
	BLEU4  float64      `json:"bleu4"`   // BLEU[3]
	CIDErD float64      `json:"cider_d"` // against the canonical description
	// Labeller is the exact match of the labeller's own events (its
	// smoothed track read in order): what the chapters were planned on.
	Labeller float64 `json:"labeller_exact_match"`
}

// Report scores a describer on clips: all of them, and apart the clips
// with at most Config.MaxEvents true events (described whole) and those
// with more (described by chapters).
type Report struct {
	Split     string `json:"split,omitempty"` // set by the caller
	Total     int    `json:"total,omitempty"` // clips in the split, read or not
	All       Scores `json:"all"`
	Short     Scores `json:"short"`     // at most MaxEvents true events
	Long      Scores `json:"long"`      // more
	Chaptered int    `json:"chaptered"` // clips cut into more than one chapter
	Chapters  int    `json:"chapters"`  // chapters over all clips
	// LowConfidence is how many clips were flagged; Novelty the mean
	// novelty.
	LowConfidence int     `json:"low_confidence"`
	Novelty       float64 `json:"novelty"`
}

// Evaluated is one clip's description against the truth.
type Evaluated struct {
	Video string `json:"video"`
	Truth string `json:"truth"`
	Exact bool   `json:"exact"`
	Description
}

// TrueEvents reads a clip's events from its label track: the cues' texts
// other than still, in order.
func TrueEvents(track, still string) ([]string, error) {
	cues, err := subtitle.ReadTrack(track)
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	var evs []string
	for _, c := range cues {
		if t := world.NormalizeText(c.Text); t != still {
			evs = append(evs, t)
		}
	}
	return evs, nil
}

// Evaluate describes the clips (seqs: the features of examples' videos,
// nil vectors where a video could not be read, which is left out) and
// scores the descriptions against the events of the examples' tracks,
// which must be in the Shapes world's language.
func Evaluate(ctx context.Context, d *Describer, examples []subtitle.Example, seqs []featcache.Sequence) (*Report, []Evaluated, error) {
	still := d.Model.Config.Still
	type acc struct {
		sc          world.DescriptionScorer
		cands       [][]string
		refs        [][][]string
		labeller, n int
	}
	var all, short, long acc
	rep := &Report{}
	var evs []Evaluated
	for i, e := range examples {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		seq := seqs[i]
		if len(seq.Vectors) == 0 {
			continue
		}
		truth, err := TrueEvents(e.Track, still)
		if err != nil {
			return nil, nil, err
		}
		labels := make([]world.Label, len(truth))
		for j, t := range truth {
			if labels[j], err = world.ParseLabel(t); err != nil {
				return nil, nil, fmt.Errorf("describe: %s: %w", e.Track, err)
			}
		}
		desc := d.Describe(seq.Times, seq.Vectors, seq.Duration)
		truthText := joinEvents(truth, still)
		ev := Evaluated{Video: e.Video, Truth: truthText, Description: desc}
		part := &short
		if len(truth) > d.Model.Config.MaxEvents {
			part = &long
		}
		for _, a := range []*acc{&all, part} {
			ev.Exact = a.sc.Add(desc.Text, labels)
			a.cands = append(a.cands, caption.Tokenize(desc.Text))
			a.refs = append(a.refs, [][]string{caption.Tokenize(truthText)})
			if slices.Equal(desc.Labelled, truth) {
				a.labeller++
			}
			a.n++
		}
		if len(desc.Chapters) > 1 {
			rep.Chaptered++
		}
		rep.Chapters += len(desc.Chapters)
		if desc.Unsure {
			rep.LowConfidence++
		}
		rep.Novelty += desc.Novelty
		evs = append(evs, ev)
	}
	if all.n > 0 {
		rep.Novelty /= float64(all.n)
	}
	for _, x := range []struct {
		a   *acc
		dst *Scores
	}{{&all, &rep.All}, {&short, &rep.Short}, {&long, &rep.Long}} {
		s := x.dst
		s.Clips = x.a.n
		s.DescriptionReport = x.a.sc.Report()
		if x.a.n == 0 {
			continue
		}
		b, err := caption.CorpusBLEU(x.a.cands, x.a.refs)
		if err != nil {
			return nil, nil, fmt.Errorf("describe: %w", err)
		}
		s.BLEU, s.BLEU4 = b, b[3]
		if s.CIDErD, _, err = caption.CIDErD(x.a.cands, x.a.refs); err != nil {
			return nil, nil, fmt.Errorf("describe: %w", err)
		}
		s.Labeller = float64(x.a.labeller) / float64(x.a.n)
	}
	return rep, evs, nil
}
