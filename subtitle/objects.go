package subtitle

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"captioner/internal/featcache"
	"captioner/objects"
)

// The objects domain's labeller (docs/OBJECTS.md, "Video labels"): the
// same synced many-to-many LSTM as the Shapes world's, over the objects
// featurizer's per-frame vector of the detector's detections (and its
// change since the step before) at 2 steps a second, with the objects
// label grammar as its schema: what happens (7) x the class (80) x the
// count (4). It learns from generated videos (objects.Generator: true
// tracks and what the detector would report of them); the targets are
// objects.Labels of the true tracks.

// The objects groups' values: what happens, and the counts.
var (
	objectsEvents = []string{objects.NothingMoves, "appear", "disappear", "move left", "move right", "move up", "move down"}
	objectsCounts = []string{"1", "2", "3", "several"}
)

// objectsNone is the class and the count of "nothing moves". Every objects
// label has a value in every group, so that the product of its parts'
// probabilities compares labels fairly: with "nothing moves" left out of
// the class and count groups, it would be scored by its event alone,
// while any other label is also scored by a class spread over 80 values,
// and nothing but "nothing moves" would ever win.
const objectsNone = "none"

// ObjectsSchema returns every objects label over classes ("nothing moves",
// then each event of each class and count) and their schema: what happens
// (7), the class (none, then classes) and the count (none, 1, 2, 3,
// several).
func ObjectsSchema(classes []string) ([]string, *Schema) {
	labels := []string{objects.NothingMoves}
	s := &Schema{
		Groups: []SchemaGroup{
			{Name: "event", Values: slices.Clone(objectsEvents)},
			{Name: "class", Values: append([]string{objectsNone}, classes...)},
			{Name: "count", Values: append([]string{objectsNone}, objectsCounts...)},
		},
		Parts: [][]int{{0, 0, 0}},
	}
	evs := []objects.Label{
		{Event: objects.Appear}, {Event: objects.Disappear},
		{Event: objects.Move, Direction: objects.Left}, {Event: objects.Move, Direction: objects.Right},
		{Event: objects.Move, Direction: objects.Up}, {Event: objects.Move, Direction: objects.Down},
	}
	for c, class := range classes {
		for n := 1; n <= objects.Several; n++ {
			for e, ev := range evs {
				l := ev
				l.Group = objects.Group{Class: class, Count: n}
				labels = append(labels, l.String())
				s.Parts = append(s.Parts, []int{e + 1, c + 1, n})
			}
		}
	}
	return labels, s
}

// ObjectsCueOptions are the cue rules of objects tracks: DefaultOptions
// with cues of at least 1 s (2 steps).
func ObjectsCueOptions() Options {
	o := DefaultOptions()
	o.MinDuration = time.Second
	return o
}

// ObjectsVideo is one video in the detector's space: what the detector
// reported at each step (relative boxes) and, for a generated one, the
// true tracks.
type ObjectsVideo struct {
	Dets     [][]objects.Detection
	Tracks   []objects.ObjectTrack
	Duration time.Duration
}

// stepTimes are the samples of n steps: (k + 0.5) * StepInterval.
func stepTimes(n int) []time.Duration {
	ts := make([]time.Duration, n)
	for k := range ts {
		ts[k] = time.Duration(k)*objects.StepInterval + objects.StepInterval/2
	}
	return ts
}

// GenerateObjects draws videos from..from+n-1 of gen.
func GenerateObjects(ctx context.Context, gen *objects.Generator, from, n int) ([]ObjectsVideo, error) {
	out := make([]ObjectsVideo, n)
	for i := range out {
		v, err := gen.Video(ctx, from+i)
		if err != nil {
			return nil, err
		}
		ov := ObjectsVideo{Duration: time.Duration(len(v.Steps)) * objects.StepInterval}
		for _, st := range v.Steps {
			ov.Dets = append(ov.Dets, st.Dets)
		}
		for _, t := range v.Tracks {
			if len(t.Boxes) > 0 {
				ov.Tracks = append(ov.Tracks, objects.ObjectTrack{Class: t.Class, Start: t.Start, Boxes: t.Boxes})
			}
		}
		out[i] = ov
	}
	return out, nil
}

// ObjectsSequences turns videos into labelled sequences: each step's
// featurizer vector, the label texts of the true tracks and their track.
func ObjectsSequences(videos []ObjectsVideo, fz *objects.Featurizer) (SequenceSet, error) {
	var set SequenceSet
	for i, v := range videos {
		steps := len(v.Dets)
		seq := featcache.Sequence{Times: stepTimes(steps), Duration: v.Duration}
		for _, d := range v.Dets {
			seq.Vectors = append(seq.Vectors, fz.Vector(d))
		}
		labels, err := objects.Labels(v.Tracks, steps)
		if err != nil {
			return SequenceSet{}, fmt.Errorf("subtitle: objects video %d: %w", i, err)
		}
		texts := make([]string, steps)
		for k, l := range labels {
			texts[k] = l.String()
		}
		set.Seqs = append(set.Seqs, seq)
		set.Labels = append(set.Labels, texts)
		set.Truth = append(set.Truth, objects.LabelCues(labels, v.Duration))
	}
	return set, nil
}

// DenseLabels is the per-frame baseline with no memory: each step's
// detections scoring at least minScore described on their own, in the
// label grammar, against the step before's. A class seen more times than
// before appears (the difference), fewer times disappears, as many times
// moves when the mean centre of its boxes moved at least objects.MoveOn a
// second (the larger component's direction); the step's label is chosen
// among these as objects.Labels chooses (appear, disappear, move; the
// larger box; the lower class; left, right, up, down). Step 0 has nothing
// before it: nothing moves.
func DenseLabels(dets [][]objects.Detection, minScore float64) []objects.Label {
	type seen struct {
		n      int
		cx, cy float64
		area   float64
	}
	frame := func(ds []objects.Detection) map[string]*seen {
		m := map[string]*seen{}
		for _, d := range ds {
			if d.Score < minScore || !objects.KnownClass(d.Class) {
				continue
			}
			s := m[d.Class]
			if s == nil {
				s = &seen{}
				m[d.Class] = s
			}
			x, y := d.Box.Center()
			s.n++
			s.cx += x
			s.cy += y
			s.area = max(s.area, d.Box.Area())
		}
		for _, s := range m {
			s.cx /= float64(s.n)
			s.cy /= float64(s.n)
		}
		return m
	}
	type cand struct {
		l    objects.Label
		area float64
	}
	dt := objects.StepInterval.Seconds()
	out := make([]objects.Label, len(dets))
	var prev map[string]*seen
	for k, ds := range dets {
		now := frame(ds)
		var cs []cand
		if k > 0 {
			for c, s := range now {
				p := prev[c]
				switch {
				case p == nil || s.n > p.n:
					n := s.n
					if p != nil {
						n -= p.n
					}
					cs = append(cs, cand{objects.Label{Event: objects.Appear, Group: objects.Group{Class: c, Count: min(n, objects.Several)}}, s.area})
				case s.n < p.n:
					cs = append(cs, cand{objects.Label{Event: objects.Disappear, Group: objects.Group{Class: c, Count: min(p.n-s.n, objects.Several)}}, p.area})
				default:
					vx, vy := (s.cx-p.cx)/dt, (s.cy-p.cy)/dt
					if max(math.Abs(vx), math.Abs(vy)) >= objects.MoveOn {
						cs = append(cs, cand{objects.Label{Event: objects.Move, Group: objects.Group{Class: c, Count: min(s.n, objects.Several)}, Direction: direction(vx, vy)}, s.area})
					}
				}
			}
			for c, p := range prev {
				if now[c] == nil {
					cs = append(cs, cand{objects.Label{Event: objects.Disappear, Group: objects.Group{Class: c, Count: min(p.n, objects.Several)}}, p.area})
				}
			}
		}
		out[k] = objects.Label{Event: objects.Still}
		if len(cs) > 0 {
			out[k] = slices.MinFunc(cs, func(a, b cand) int {
				return cmp.Or(cmp.Compare(a.l.Event, b.l.Event), cmp.Compare(b.area, a.area),
					cmp.Compare(objects.ClassIndex(a.l.Class), objects.ClassIndex(b.l.Class)), cmp.Compare(a.l.Direction, b.l.Direction))
			}).l
		}
		prev = now
	}
	return out
}

// direction names the larger component of a velocity as objects.Labels
// does (y downwards; ties horizontal).
func direction(vx, vy float64) objects.Direction {
	switch {
	case math.Abs(vx) >= math.Abs(vy) && vx < 0:
		return objects.Left
	case math.Abs(vx) >= math.Abs(vy):
		return objects.Right
	case vy < 0:
		return objects.Up
	default:
		return objects.Down
	}
}

// LabelTrackCues turns one label a step (steps sampled at times) into cues
// by the cue rules, as a labeller's smoothed labels are: runs of equal
// labels become segments, then BuildCues.
func LabelTrackCues(labels []objects.Label, times []time.Duration, d time.Duration, o Options) ([]Cue, error) {
	return labelTrackCues(labels, nil, times, d, o)
}

// labelTrackCues is LabelTrackCues with each step's confidence in its
// label (nil: 1).
func labelTrackCues(labels []objects.Label, conf []float32, times []time.Duration, d time.Duration, o Options) ([]Cue, error) {
	if len(labels) == 0 {
		return nil, nil
	}
	texts := []string{}
	id := map[string]int{}
	ids := make([]int, len(labels))
	probs := make([][]float32, len(labels))
	for k, l := range labels {
		t := l.String()
		i, ok := id[t]
		if !ok {
			i = len(texts)
			id[t] = i
			texts = append(texts, t)
		}
		ids[k] = i
	}
	for k := range probs {
		probs[k] = make([]float32, len(texts))
		probs[k][ids[k]] = 1
		if conf != nil {
			probs[k][ids[k]] = conf[k]
		}
	}
	segs := Segments(times, ids, probs, d)
	return BuildCues(segs, func(l int) string { return texts[l] }, d, o)
}

// CueChanges counts the places where a track's text changes: from one cue
// to the next when their texts differ (a gap between equal texts is no
// change). Per minute of video it is the track's flicker.
func CueChanges(cues []Cue) int {
	n := 0
	for i := 1; i < len(cues); i++ {
		if cues[i].Text() != cues[i-1].Text() {
			n++
		}
	}
	return n
}

// PresenceRule reads which classes are in view at each step from what a
// labeller has: its labels (objects.PresenceFromLabels: what appeared and
// has not disappeared, what moves) and the featurizer's own evidence,
// since a still object is never named by a label. A class is in view by
// the evidence at a step when its best detection scores at least MinScore
// at no fewer than Share of the steps of the Window steps centred on it.
// Labels says whether the labels' presence is added to the evidence's.
type PresenceRule struct {
	MinScore float64 `json:"min_score"`
	Window   int     `json:"window"`
	Share    float64 `json:"share"`
	Labels   bool    `json:"labels"`
}

// bestScores are each step's best score of each class, from the
// featurizer's vectors (value 0 of a class's part).
func bestScores(vectors [][]float32, classes int) [][]float32 {
	out := make([][]float32, len(vectors))
	for k, v := range vectors {
		out[k] = make([]float32, classes)
		for c := range classes {
			out[k][c] = v[c*objects.FeaturesPerClass]
		}
	}
	return out
}

// Presence returns the presence of a video of duration d whose steps had
// the labels (may be nil when Labels is false) and the best scores of
// classes (one row a step, scores[k][c] for classes[c]).
func (r PresenceRule) Presence(labels []objects.Label, scores [][]float32, classes []string, d time.Duration) objects.Presence {
	steps := min(len(scores), objects.Steps(d))
	var pres objects.Presence
	if r.Labels && labels != nil {
		pres = objects.PresenceFromLabels(labels, d)
	}
	seconds := int((d + time.Second - 1) / time.Second)
	in := make([]map[string]bool, seconds)
	for s := range in {
		in[s] = map[string]bool{}
		if s < len(pres) {
			for _, c := range pres[s] {
				in[s][c] = true
			}
		}
	}
	half := r.Window / 2
	for c, class := range classes {
		if !objects.KnownClass(class) {
			continue
		}
		for k := range steps {
			lo, hi := max(k-half, 0), min(k+half+1, steps)
			n := 0
			for j := lo; j < hi; j++ {
				if float64(scores[j][c]) >= r.MinScore {
					n++
				}
			}
			if n > 0 && float64(n) >= r.Share*float64(hi-lo) {
				s := int((time.Duration(k)*objects.StepInterval + objects.StepInterval/2) / time.Second)
				in[s][class] = true
			}
		}
	}
	return presenceOf(in)
}

// presenceOf lists, for each second, the classes in[s] holds, in the
// classes' order.
func presenceOf(in []map[string]bool) objects.Presence {
	out := make(objects.Presence, len(in))
	for s := range out {
		out[s] = []string{}
		for _, class := range objects.Classes() {
			if in[s][class] {
				out[s] = append(out[s], class)
			}
		}
	}
	return out
}
