package caption

import (
	"context"
	"fmt"
	"sort"

	"captioner/world"
)

// Report is what an evaluation measured.
type Report struct {
	// Split is the part of the dataset scored ("test", or "all"), set by
	// the caller; Images the images scored, of Total in that part (those
	// that could not be read are left out).
	Split  string  `json:"split,omitempty"`
	Total  int     `json:"total,omitempty"`
	Images int     `json:"images"`
	BLEU   BLEU    `json:"bleu"`    // BLEU-1..4 against the reference captions
	CIDErD float64 `json:"cider_d"` // CIDEr-D
	// Scene holds the Shapes-world scores (WORLD.md) when the references
	// are Shapes-world captions.
	Scene *world.CaptionReport `json:"scene,omitempty"`
	// LowConfidence counts captions scored under the model's threshold.
	LowConfidence int `json:"low_confidence"`
	// Slices are the Shapes-world scores of each slice the examples name
	// (Example.Slices), in order of name.
	Slices []SliceReport `json:"slices,omitempty"`
}

// SliceReport is the Shapes-world scores of one slice of an evaluation.
type SliceReport struct {
	Name   string              `json:"name"` // "kind=value"
	Images int                 `json:"images"`
	Scene  world.CaptionReport `json:"scene"`
}

// Evaluate captions feats (one vector per example; nil vectors are skipped)
// and scores the captions against the examples' references.
func Evaluate(ctx context.Context, m *Model, unsure func(Result) bool, examples []Example, feats [][]float32, opts DecodeOptions) (*Report, []Result, error) {
	dec, err := m.NewDecoder(opts)
	if err != nil {
		return nil, nil, err
	}
	var cands [][]string
	var refs [][][]string
	var preds []string
	var raw [][]string
	var slices [][]string
	results := make([]Result, len(examples))
	r := &Report{}
	for i, e := range examples {
		if feats[i] == nil {
			continue
		}
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		res, err := dec.Caption(feats[i])
		if err != nil {
			return nil, nil, err
		}
		results[i] = res[0]
		if unsure != nil && unsure(res[0]) {
			r.LowConfidence++
		}
		cands = append(cands, res[0].Words)
		var rs [][]string
		for _, c := range e.Captions {
			rs = append(rs, Tokenize(c))
		}
		refs = append(refs, rs)
		preds = append(preds, res[0].Text)
		raw = append(raw, e.Captions)
		slices = append(slices, e.Slices)
	}
	r.Images = len(cands)
	if r.Images == 0 {
		return nil, nil, fmt.Errorf("caption: no image to evaluate")
	}
	if r.BLEU, err = CorpusBLEU(cands, refs); err != nil {
		return nil, nil, err
	}
	if r.CIDErD, _, err = CIDErD(cands, refs); err != nil {
		return nil, nil, err
	}
	r.Scene = sceneReport(preds, raw)
	if r.Scene != nil {
		r.Slices = sliceReports(preds, raw, slices)
	}
	return r, results, nil
}

// sliceReports scores each slice named in slices (one list per prediction)
// with the Shapes world's scorer, in order of name.
func sliceReports(preds []string, refs [][]string, slices [][]string) []SliceReport {
	members := map[string][]int{}
	for i, ss := range slices {
		for _, s := range ss {
			members[s] = append(members[s], i)
		}
	}
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []SliceReport
	for _, n := range names {
		var p []string
		var r [][]string
		for _, i := range members[n] {
			p, r = append(p, preds[i]), append(r, refs[i])
		}
		if rep := sceneReport(p, r); rep != nil {
			out = append(out, SliceReport{Name: n, Images: len(p), Scene: *rep})
		}
	}
	return out
}

// sceneReport scores predictions with the Shapes world's scorer when every
// example has exactly one reference and it parses as a Shapes-world caption.
func sceneReport(preds []string, refs [][]string) *world.CaptionReport {
	truth := make([]world.Scene, len(refs))
	for i, rs := range refs {
		if len(rs) != 1 {
			return nil
		}
		s, err := world.ParseCaption(rs[0])
		if err != nil {
			return nil
		}
		truth[i] = s
	}
	rep, err := world.ScoreCaptions(preds, truth)
	if err != nil {
		return nil
	}
	return &rep
}
