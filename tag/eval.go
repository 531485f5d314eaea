package tag

import (
	"slices"
)

// TagScore is one tag's scores over a set of videos.
type TagScore struct {
	Tag       string  `json:"tag"`
	Support   int     `json:"support"`   // videos that have it
	Predicted int     `json:"predicted"` // videos said to have it
	Correct   int     `json:"correct"`   // both
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Report scores a tagger's tags against the true ones.
type Report struct {
	Split  string `json:"split,omitempty"`
	Total  int    `json:"total,omitempty"` // videos in the split
	Videos int    `json:"videos"`          // videos scored (the others could not be read)
	// ExactMatch is the fraction of videos whose predicted tag set is
	// exactly the true one (the main score).
	ExactMatch float64 `json:"exact_match"`
	// Micro: precision, recall and F1 over every (video, tag) decision;
	// Macro: their means over the tags that some video has or is said to
	// have.
	Micro TagScore `json:"micro"`
	Macro struct {
		Precision float64 `json:"precision"`
		Recall    float64 `json:"recall"`
		F1        float64 `json:"f1"`
	} `json:"macro"`
	PerTag        []TagScore `json:"per_tag"`
	LowConfidence int        `json:"low_confidence"` // videos flagged as unsure
	Novelty       float64    `json:"novelty"`        // mean over the videos
	Threshold     float64    `json:"threshold"`
	Model         string     `json:"model,omitempty"`
}

// Scored is one video's answer beside its truth.
type Scored struct {
	Video     string   `json:"video"`
	Truth     []string `json:"truth"`
	Predicted []string `json:"predicted"`
	Unsure    bool     `json:"unsure"`
	Novelty   float64  `json:"novelty"`
}

// Score makes the report of a set of scored videos; tags lists the tags
// reported per tag first (the model's), any other tag of the truth after
// them.
func Score(tags []string, videos []Scored) *Report {
	r := &Report{Videos: len(videos)}
	order := slices.Clone(tags)
	idx := map[string]int{}
	for i, t := range order {
		idx[t] = i
	}
	add := func(t string) int {
		if i, ok := idx[t]; ok {
			return i
		}
		idx[t] = len(order)
		order = append(order, t)
		return idx[t]
	}
	per := make([]TagScore, len(order))
	at := func(i int) *TagScore {
		for len(per) <= i {
			per = append(per, TagScore{})
		}
		return &per[i]
	}
	exact := 0
	for _, v := range videos {
		if slices.Equal(v.Truth, v.Predicted) || (len(v.Truth) == 0 && len(v.Predicted) == 0) {
			exact++
		}
		for _, t := range v.Truth {
			s := at(add(t))
			s.Support++
			if slices.Contains(v.Predicted, t) {
				s.Correct++
			}
		}
		for _, t := range v.Predicted {
			at(add(t)).Predicted++
		}
		if v.Unsure {
			r.LowConfidence++
		}
		r.Novelty += v.Novelty
	}
	if len(videos) > 0 {
		r.ExactMatch = float64(exact) / float64(len(videos))
		r.Novelty /= float64(len(videos))
	}
	var n int
	for i := range order {
		s := at(i)
		s.Tag = order[i]
		s.fill()
		r.Micro.Support += s.Support
		r.Micro.Predicted += s.Predicted
		r.Micro.Correct += s.Correct
		if s.Support > 0 || s.Predicted > 0 {
			r.Macro.Precision += s.Precision
			r.Macro.Recall += s.Recall
			r.Macro.F1 += s.F1
			n++
		}
	}
	if n > 0 {
		r.Macro.Precision /= float64(n)
		r.Macro.Recall /= float64(n)
		r.Macro.F1 /= float64(n)
	}
	r.Micro.Tag = "all"
	r.Micro.fill()
	r.PerTag = per
	return r
}

// fill computes precision, recall and F1 from the counts. A tag never
// said has precision 0 when some video has it (it was missed) and 1 when
// none has (nothing was said wrongly); a tag no video has has recall 1.
func (s *TagScore) fill() {
	s.Precision, s.Recall = 1, 1
	if s.Predicted == 0 && s.Support > 0 {
		s.Precision = 0
	}
	if s.Predicted > 0 {
		s.Precision = float64(s.Correct) / float64(s.Predicted)
	}
	if s.Support > 0 {
		s.Recall = float64(s.Correct) / float64(s.Support)
	}
	s.F1 = 0
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
}
