package objects

import (
	"fmt"
	"slices"
	"time"

	"captioner/world"
)

// Cue is one timed text of a label track, shown over [Start, End): the
// Shapes world's, whose timeline scoring (world.TrackScorer) objects label
// tracks reuse.
type Cue = world.Cue

// NormalizeText prepares a cue text for comparison as world.NormalizeText
// does: markup removed, white space collapsed, lower case.
func NormalizeText(s string) string { return world.NormalizeText(s) }

// CaptionReport scores predicted captions against true descriptions
// (docs/OBJECTS.md, "Scoring captions"). Counts are summed over captions
// and the fractions computed from the sums; a fraction with nothing to
// count is 0, except as noted.
type CaptionReport struct {
	Captions      int `json:"captions"`
	ParseFailures int `json:"parse_failures"` // predicted captions that did not parse

	// ExactMatch: the fraction of captions that say what the truth says
	// (same classes and counts in any order, same relation read from
	// either object).
	ExactMatch float64 `json:"exact_match"`

	// Nouns: PredictedNouns are the classes the predictions name, less the
	// allowed ones that are not true (an unparsed caption counts as one
	// wrong noun); TrueNouns sums min(true classes, MaxGroups) over the
	// captions; MatchedNouns are the named classes that are true.
	PredictedNouns int     `json:"predicted_nouns"`
	TrueNouns      int     `json:"true_nouns"`
	MatchedNouns   int     `json:"matched_nouns"`
	Precision      float64 `json:"precision"` // MatchedNouns / PredictedNouns
	Recall         float64 `json:"recall"`    // MatchedNouns / TrueNouns
	F1             float64 `json:"f1"`

	// Counts are the matched classes; CountAccuracy the fraction of them
	// with the true count (counts over 3 clamped to Several).
	Counts        int     `json:"counts"`
	CountAccuracy float64 `json:"count_accuracy"`

	// Relations are the true descriptions with a relation;
	// RelationAccuracy the fraction of them whose prediction names the same
	// two classes with the same relation, read from either object.
	Relations        int     `json:"relations"`
	RelationAccuracy float64 `json:"relation_accuracy"`
}

// CaptionScorer accumulates caption scores over a corpus. The zero value is
// ready to use.
type CaptionScorer struct {
	captions, failures, exact int
	predicted, truth, matched int
	counts, countsRight       int
	relations, relationsRight int
}

// Add scores one predicted caption against the true description. The truth
// may name more than MaxGroups classes and counts over Several (a hand
// label of a photo); it panics if a class is unknown or named twice, a
// count is under 1, or it has a relation without exactly two groups of one.
func (c *CaptionScorer) Add(predicted string, truth Description) {
	c.AddAllowing(predicted, truth, nil)
}

// AddAllowing is Add where naming a class of allowed that is not in the
// truth (something small, partial or ambiguous in a hand-labelled photo) is
// neither right nor wrong: it does not count as a predicted noun.
func (c *CaptionScorer) AddAllowing(predicted string, truth Description, allowed []string) {
	checkTruth(truth)
	c.captions++
	c.truth += min(len(truth.Groups), MaxGroups)
	if truth.Relation != NoRelation {
		c.relations++
	}
	pred, err := ParseCaption(predicted)
	if err != nil {
		c.failures++
		c.predicted++
		return
	}
	for _, p := range pred.Groups {
		i := slices.IndexFunc(truth.Groups, func(t Group) bool { return t.Class == p.Class })
		if i < 0 {
			if !slices.Contains(allowed, p.Class) {
				c.predicted++
			}
			continue
		}
		c.predicted++
		c.matched++
		c.counts++
		c.countsRight += b2i(p.Count == min(truth.Groups[i].Count, Several))
	}
	relOK := truth.Relation != NoRelation && sameRelation(pred, truth)
	c.relationsRight += b2i(relOK)
	c.exact += b2i(sameGroups(pred, truth) && (relOK || pred.Relation == NoRelation && truth.Relation == NoRelation))
}

func checkTruth(d Description) {
	for i, g := range d.Groups {
		if !KnownClass(g.Class) || g.Count < 1 || slices.ContainsFunc(d.Groups[:i], func(h Group) bool { return h.Class == g.Class }) {
			panic(fmt.Sprintf("objects: invalid true description %+v", d))
		}
	}
	if d.Relation > Below || d.Relation != NoRelation && (len(d.Groups) != 2 || d.Groups[0].Count != 1 || d.Groups[1].Count != 1) {
		panic(fmt.Sprintf("objects: invalid true description %+v", d))
	}
}

// sameGroups reports whether p and t name the same classes with the same
// counts (t's clamped to Several), in any order.
func sameGroups(p, t Description) bool {
	if len(p.Groups) != len(t.Groups) {
		return false
	}
	for _, g := range t.Groups {
		if !slices.Contains(p.Groups, Group{Class: g.Class, Count: min(g.Count, Several)}) {
			return false
		}
	}
	return true
}

// sameRelation reports whether p relates t's two classes as t does, read
// from either object ("a cup below a clock" is "a clock above a cup").
func sameRelation(p, t Description) bool {
	if p.Relation == NoRelation || t.Relation == NoRelation {
		return false
	}
	a, b := p.Groups[0].Class, p.Groups[1].Class
	switch {
	case a == t.Groups[0].Class && b == t.Groups[1].Class:
		return p.Relation == t.Relation
	case a == t.Groups[1].Class && b == t.Groups[0].Class:
		return p.Relation.Flip() == t.Relation
	}
	return false
}

// Report returns the scores so far.
func (c *CaptionScorer) Report() CaptionReport {
	r := CaptionReport{
		Captions: c.captions, ParseFailures: c.failures, ExactMatch: frac(c.exact, c.captions),
		PredictedNouns: c.predicted, TrueNouns: c.truth, MatchedNouns: c.matched,
		Precision: frac(c.matched, c.predicted), Recall: frac(c.matched, c.truth),
		Counts: c.counts, CountAccuracy: frac(c.countsRight, c.counts),
		Relations: c.relations, RelationAccuracy: frac(c.relationsRight, c.relations),
	}
	r.F1 = f1(r.Precision, r.Recall)
	return r
}

// ScoreCaptions scores predicted[i] against truth[i] for every i.
func ScoreCaptions(predicted []string, truth []Description) (CaptionReport, error) {
	if len(predicted) != len(truth) {
		return CaptionReport{}, fmt.Errorf("objects: %d predicted captions for %d descriptions", len(predicted), len(truth))
	}
	var c CaptionScorer
	for i := range predicted {
		c.Add(predicted[i], truth[i])
	}
	return c.Report(), nil
}

// Presence is which classes are in view in each second of a video:
// Presence[s] lists, in class order, the classes in view during [s, s+1)
// seconds. A video of duration d has ceil(d / 1 s) seconds.
type Presence [][]string

func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// second returns the second that holds step k's sample.
func second(k int) int {
	return int((time.Duration(k)*StepInterval + StepInterval/2) / time.Second)
}

// PresenceFromTracks returns the true presence of a video of duration d: a
// class is in view in a second when some track of it has a box at a step
// whose sample falls in that second.
func PresenceFromTracks(tracks []ObjectTrack, d time.Duration) (Presence, error) {
	if err := checkTracks(tracks); err != nil {
		return nil, err
	}
	in := make([][NumClasses]bool, seconds(d))
	steps := Steps(d)
	for _, t := range tracks {
		for k := t.Start; k < min(t.End(), steps); k++ {
			in[second(k)][ClassIndex(t.Class)] = true
		}
	}
	return presence(in), nil
}

func presence(in [][NumClasses]bool) Presence {
	p := make(Presence, len(in))
	for s := range in {
		p[s] = []string{}
		for c, ok := range in[s] {
			if ok {
				p[s] = append(p[s], vocabulary[c].class)
			}
		}
	}
	return p
}

// PresenceFromLabels infers what is in view from a video's step labels,
// the only thing a label track says about it: a class is in view at a step
// while its count is above zero, where each run of equal labels (its first
// step) adds its count to its class when it appears, takes its count away
// (not below zero) when it disappears, and raises the class's count to at
// least its own when it moves. Objects in view from the start that never
// move are not seen. The presence of a second is that of its steps' samples
// (any).
func PresenceFromLabels(labels []Label, d time.Duration) Presence {
	in := make([][NumClasses]bool, seconds(d))
	var count [NumClasses]int
	for k, l := range labels[:min(len(labels), Steps(d))] {
		if l.Event != Still && (k == 0 || l != labels[k-1]) {
			c := ClassIndex(l.Class)
			switch l.Event {
			case Appear:
				count[c] += l.Count
			case Disappear:
				count[c] = max(count[c]-l.Count, 0)
			case Move:
				count[c] = max(count[c], l.Count)
			}
		}
		for c, n := range count {
			in[second(k)][c] = in[second(k)][c] || n > 0
		}
	}
	return presence(in)
}

// PresenceFromCues is PresenceFromLabels of the labels a predicted track
// shows at the steps' samples (LabelsFromCues).
func PresenceFromCues(cues []Cue, d time.Duration) Presence {
	return PresenceFromLabels(LabelsFromCues(cues, d), d)
}

// PresenceReport scores predicted presence against the truth over every
// (second, class) pair: a true positive is a class in view in a second in
// both. Over several videos the counts are summed.
type PresenceReport struct {
	Seconds        int     `json:"seconds"`
	TruePositives  int     `json:"true_positives"`
	FalsePositives int     `json:"false_positives"`
	FalseNegatives int     `json:"false_negatives"`
	Precision      float64 `json:"precision"` // 0 when nothing is predicted, 1 when nothing is true either
	Recall         float64 `json:"recall"`    // 1 when nothing is true
	F1             float64 `json:"f1"`
}

// PresenceScorer accumulates presence scores over videos. The zero value is
// ready to use.
type PresenceScorer struct {
	seconds, tp, fp, fn int
}

// Add scores one video's predicted presence against the truth, over the
// truth's seconds: predicted seconds past them are ignored, missing ones
// predict nothing.
func (s *PresenceScorer) Add(predicted, truth Presence) {
	s.seconds += len(truth)
	for i, t := range truth {
		var p []string
		if i < len(predicted) {
			p = predicted[i]
		}
		for _, c := range p {
			if slices.Contains(t, c) {
				s.tp++
			} else if !slices.Contains(p[:slices.Index(p, c)], c) {
				s.fp++
			}
		}
		for j, c := range t {
			if !slices.Contains(p, c) && !slices.Contains(t[:j], c) {
				s.fn++
			}
		}
	}
}

// Report returns the scores so far.
func (s *PresenceScorer) Report() PresenceReport {
	r := PresenceReport{Seconds: s.seconds, TruePositives: s.tp, FalsePositives: s.fp, FalseNegatives: s.fn}
	if s.tp+s.fp+s.fn == 0 {
		r.Precision, r.Recall, r.F1 = 1, 1, 1
		return r
	}
	r.Precision = frac(s.tp, s.tp+s.fp)
	r.Recall = 1
	if s.tp+s.fn > 0 {
		r.Recall = frac(s.tp, s.tp+s.fn)
	}
	r.F1 = f1(r.Precision, r.Recall)
	return r
}

// ScorePresence scores one video's predicted presence against the truth.
func ScorePresence(predicted, truth Presence) PresenceReport {
	var s PresenceScorer
	s.Add(predicted, truth)
	return s.Report()
}

// VideoReport scores predicted label tracks against true object tracks:
// the timeline scores of WORLD.md on the canonical label texts, and
// presence.
type VideoReport struct {
	Track    world.TrackReport `json:"track"`
	Presence PresenceReport    `json:"presence"`
}

// VideoScorer accumulates video scores. The zero value is ready to use.
type VideoScorer struct {
	track    world.TrackScorer
	presence PresenceScorer
}

// Add scores one video of duration d: its predicted cues against the label
// track and the presence that its true tracks give. Predicted texts that
// parse as labels are compared by their canonical text (CanonicalText).
func (s *VideoScorer) Add(predicted []Cue, truth []ObjectTrack, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("objects: scoring a video of duration %v", d)
	}
	labels, err := Labels(truth, Steps(d))
	if err != nil {
		return err
	}
	truePresence, err := PresenceFromTracks(truth, d)
	if err != nil {
		return err
	}
	pred := make([]Cue, len(predicted))
	for i, c := range predicted {
		pred[i] = Cue{Start: c.Start, End: c.End, Text: CanonicalText(c.Text)}
	}
	s.track.Add(pred, LabelCues(labels, d), d)
	s.presence.Add(PresenceFromCues(predicted, d), truePresence)
	return nil
}

// Report returns the scores so far.
func (s *VideoScorer) Report() VideoReport {
	return VideoReport{Track: s.track.Report(), Presence: s.presence.Report()}
}

// ScoreVideo scores one video (VideoScorer.Add).
func ScoreVideo(predicted []Cue, truth []ObjectTrack, d time.Duration) (VideoReport, error) {
	var s VideoScorer
	if err := s.Add(predicted, truth, d); err != nil {
		return VideoReport{}, err
	}
	return s.Report(), nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
