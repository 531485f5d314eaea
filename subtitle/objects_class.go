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
	"captioner/rnn"
	"captioner/world"
)

// The per-class labeller: one small synced many-to-many network, the same
// for every class, run over each class's own sequence of values (what the
// detector reported of that class at each step, and how its boxes moved
// from the step before). It labels what that class does at each step
// (appears, disappears, moves which way, how many), and the video's label
// at a step is the one objects.Labels would choose among the classes'
// (appearing before disappearing before moving, then the larger box, then
// the lower class). Sharing the network across classes means "a thing
// moves left" is learnt from every class that moves, not 80 times over.

// ClassValues is the number of values a class has at a step:
//
//	0-3    its four best scores, best first (0 where fewer)
//	4      the side (square root of the area) of its largest box
//	5, 6   how many of its boxes score at least 0.3, and at all
//	7, 8   the centre x, y of its best box
//	9      how many of its boxes match one of the step before's (nearest
//	       centre, similar size)
//	10-13  the scores of the matched boxes that moved at least
//	       classMoveMin left, right, up or down (the larger component),
//	       summed by direction
//	14, 15 the move of its largest matched box, x and y (x 10)
//	16, 17 the scores of its boxes with no match at the step before
//	       (new) and of the step before's with none now (lost), summed
//	18, 19 the move of its largest box matched two steps back, a step's
//	       worth (x 10)
//	20, 21 how much its best box overlaps a box of another class: their
//	       intersection over union, and over its own area, the largest
//	       (a second class on the same box, a part of a larger thing: the
//	       detector's usual false positives)
const ClassValues = 22

// classMoveMin is the least move, in frame units a step, that counts a
// matched box as moving in values 10-13: half objects.MoveOn a step.
const classMoveMin = objects.MoveOn * 0.5 * 0.5

// classDet is one detection of a class, as the values read it.
type classDet struct {
	x, y, side, score float64
	box               objects.Box
}

func classDets(dets []objects.Detection, class string, floor float64) []classDet {
	var out []classDet
	for _, d := range dets {
		if d.Class != class || !(d.Score >= floor) {
			continue
		}
		x, y := d.Box.Center()
		out = append(out, classDet{x, y, math.Sqrt(max(d.Box.Area(), 0)), min(d.Score, 1), d.Box})
	}
	slices.SortStableFunc(out, func(a, b classDet) int { return cmp.Compare(b.score, a.score) })
	return out
}

// matchDets pairs boxes of two steps, nearest centres first, where the
// centres are closer than about a box's side and the sizes within a factor
// of two: match[i] is the index in prev of now[i]'s match, or -1.
func matchDets(prev, now []classDet) []int {
	type pair struct {
		i, j int
		cost float64
	}
	var ps []pair
	for i, a := range now {
		for j, b := range prev {
			if math.Abs(math.Log(max(a.side, 1e-4)/max(b.side, 1e-4))) > math.Ln2 {
				continue
			}
			c := math.Hypot(a.x-b.x, a.y-b.y) / (0.5*(a.side+b.side) + 0.05)
			if c < 1 {
				ps = append(ps, pair{i, j, c})
			}
		}
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return cmp.Compare(a.cost, b.cost) })
	match := make([]int, len(now))
	for i := range match {
		match[i] = -1
	}
	used := make([]bool, len(prev))
	for _, p := range ps {
		if match[p.i] < 0 && !used[p.j] {
			match[p.i], used[p.j] = p.j, true
		}
	}
	return match
}

// ClassSequence returns the values of class at each step of a video whose
// steps' detections are dets, counting detections scoring at least floor.
func ClassSequence(dets [][]objects.Detection, class string, floor float64) [][]float32 {
	steps := make([][]classDet, len(dets))
	for k, ds := range dets {
		steps[k] = classDets(ds, class, floor)
	}
	out := make([][]float32, len(dets))
	for k, now := range steps {
		v := make([]float32, ClassValues)
		out[k] = v
		largest := -1
		for i, d := range now {
			if i < 4 {
				v[i] = float32(d.score)
			}
			if largest < 0 || d.side > now[largest].side {
				largest = i
			}
			if d.score >= 0.3 {
				v[5]++
			}
		}
		v[6] = float32(len(now))
		if len(now) > 0 {
			v[4] = float32(now[largest].side)
			v[7], v[8] = float32(now[0].x), float32(now[0].y)
			v[20], v[21] = overlaps(now[0], dets[k], class, floor)
		}
		if k == 0 {
			continue
		}
		prev := steps[k-1]
		match := matchDets(prev, now)
		used := make([]bool, len(prev))
		for i, j := range match {
			d := now[i]
			if j < 0 {
				v[16] += float32(d.score)
				continue
			}
			used[j] = true
			v[9]++
			p := prev[j]
			dx, dy := d.x-p.x, d.y-p.y
			s := float32(min(d.score, p.score))
			switch {
			case math.Abs(dx) >= math.Abs(dy) && dx <= -classMoveMin:
				v[10] += s
			case math.Abs(dx) >= math.Abs(dy) && dx >= classMoveMin:
				v[11] += s
			case math.Abs(dy) > math.Abs(dx) && dy <= -classMoveMin:
				v[12] += s
			case math.Abs(dy) > math.Abs(dx) && dy >= classMoveMin:
				v[13] += s
			}
			if i == largest {
				v[14], v[15] = float32(10*dx), float32(10*dy)
			}
		}
		for j, p := range prev {
			if !used[j] {
				v[17] += float32(p.score)
			}
		}
		if k >= 2 && largest >= 0 {
			back := steps[k-2]
			if m2 := matchDets(back, now[largest:largest+1]); m2[0] >= 0 {
				p := back[m2[0]]
				v[18], v[19] = float32(5*(now[largest].x-p.x)), float32(5*(now[largest].y-p.y))
			}
		}
	}
	return out
}

// overlaps returns the largest intersection over union of d's box with a
// box of another class, and the largest share of d's box inside one.
func overlaps(d classDet, dets []objects.Detection, class string, floor float64) (float32, float32) {
	var iou, inside float64
	for _, o := range dets {
		if o.Class == class || !(o.Score >= floor) {
			continue
		}
		b, a := o.Box, d.box
		w := min(a.X1, b.X1) - max(a.X0, b.X0)
		h := min(a.Y1, b.Y1) - max(a.Y0, b.Y0)
		if w <= 0 || h <= 0 {
			continue
		}
		in := w * h
		iou = max(iou, in/(a.Area()+b.Area()-in))
		if a.Area() > 0 {
			inside = max(inside, in/a.Area())
		}
	}
	return float32(iou), float32(inside)
}

// The per-class label set: what one class does at a step, without the
// class ("appear 1", "move left 2", "nothing moves").
var classEvents = []objects.Label{
	{Event: objects.Appear}, {Event: objects.Disappear},
	{Event: objects.Move, Direction: objects.Left}, {Event: objects.Move, Direction: objects.Right},
	{Event: objects.Move, Direction: objects.Up}, {Event: objects.Move, Direction: objects.Down},
}

// classLabel is what one class does at a step, without the class, and
// whether it is in view there.
type classLabel struct {
	objects.Label
	view bool
}

// ClassSchema returns the per-class labeller's labels and their parts:
// what happens (7), the count (none, 1, 2, 3, several) and whether the
// class is in view (a class that appears or moves is; one that disappears
// may still be, when another of it stays; a still one may be or not).
func ClassSchema() ([]string, *Schema) {
	s := &Schema{
		Groups: []SchemaGroup{
			{Name: "event", Values: slices.Clone(objectsEvents)},
			{Name: "count", Values: append([]string{objectsNone}, objectsCounts...)},
			{Name: "view", Values: []string{"out of view", "in view"}},
		},
	}
	var labels []string
	for _, cl := range classLabelSet() {
		labels = append(labels, classLabelText(cl))
		e := 0
		if cl.Event != objects.Still {
			e = 1 + slices.IndexFunc(classEvents, func(l objects.Label) bool {
				return l.Event == cl.Event && l.Direction == cl.Direction
			})
		}
		s.Parts = append(s.Parts, []int{e, cl.Count, b2i(cl.view)})
	}
	return labels, s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// classLabelSet is every per-class label, in ClassSchema's order.
func classLabelSet() []classLabel {
	out := []classLabel{{Label: objects.Label{Event: objects.Still}}, {Label: objects.Label{Event: objects.Still}, view: true}}
	for n := 1; n <= objects.Several; n++ {
		for _, ev := range classEvents {
			l := ev
			l.Count = n
			out = append(out, classLabel{l, ev.Event != objects.Disappear})
			if ev.Event == objects.Disappear {
				out = append(out, classLabel{l, true})
			}
		}
	}
	return out
}

// classLabelText is a per-class label's text: "nothing moves", "in view",
// "appear 2", "disappear 1", "disappear 1 in view" (another of the class
// stays), "move left 1".
func classLabelText(cl classLabel) string {
	l := cl.Label
	switch {
	case l.Event == objects.Still && cl.view:
		return "in view"
	case l.Event == objects.Still:
		return objects.NothingMoves
	case l.Event == objects.Move:
		return fmt.Sprintf("move %v %d", l.Direction, l.Count)
	case l.Event == objects.Disappear && cl.view:
		return fmt.Sprintf("%v %d in view", l.Event, l.Count)
	}
	return fmt.Sprintf("%v %d", l.Event, l.Count)
}

// parseClassLabels reads a per-class label set back.
func parseClassLabels(texts []string) ([]classLabel, error) {
	known := map[string]classLabel{}
	for _, cl := range classLabelSet() {
		known[classLabelText(cl)] = cl
	}
	out := make([]classLabel, len(texts))
	for i, t := range texts {
		cl, ok := known[t]
		if !ok {
			return nil, fmt.Errorf("subtitle: per-class label %q is not one of the objects labels", t)
		}
		out[i] = cl
	}
	return out, nil
}

// classTruth is what class truly does at each of steps steps, and whether
// it is in view, from the true tracks of every object.
func classTruth(tracks []objects.ObjectTrack, class string, steps int) ([]classLabel, error) {
	own := classTracks(tracks, class)
	labels, err := objects.Labels(own, steps)
	if err != nil {
		return nil, err
	}
	out := make([]classLabel, steps)
	for k, l := range labels {
		out[k].Label = l
	}
	for _, t := range own {
		for k := t.Start; k < min(t.End(), steps); k++ {
			out[k].view = true
		}
	}
	return out, nil
}

// ClassTracks are the tracks of one class.
func classTracks(tracks []objects.ObjectTrack, class string) []objects.ObjectTrack {
	var out []objects.ObjectTrack
	for _, t := range tracks {
		if t.Class == class {
			out = append(out, t)
		}
	}
	return out
}

// videoClasses are the classes a per-class labeller looks at in a video:
// those with a detection at or above floor at some step, in the order of
// classes.
func videoClasses(dets [][]objects.Detection, classes []string, floor float64) []int {
	seen := map[string]bool{}
	for _, ds := range dets {
		for _, d := range ds {
			if d.Score >= floor {
				seen[d.Class] = true
			}
		}
	}
	var out []int
	for i, c := range classes {
		if seen[c] {
			out = append(out, i)
		}
	}
	return out
}

// ClassSequences turns videos into the per-class labeller's sequences:
// one for each class a video's detections show (and each class of its
// true tracks), labelled with what that class truly does.
func ClassSequences(videos []ObjectsVideo, classes []string, floor float64) (SequenceSet, error) {
	var set SequenceSet
	for i, v := range videos {
		steps := len(v.Dets)
		idx := videoClasses(v.Dets, classes, floor)
		for _, t := range v.Tracks {
			if c := slices.Index(classes, t.Class); c >= 0 && !slices.Contains(idx, c) {
				idx = append(idx, c)
			}
		}
		for _, c := range idx {
			labels, err := classTruth(v.Tracks, classes[c], steps)
			if err != nil {
				return SequenceSet{}, fmt.Errorf("subtitle: objects video %d: %w", i, err)
			}
			texts := make([]string, steps)
			for k, l := range labels {
				texts[k] = classLabelText(l)
			}
			set.Seqs = append(set.Seqs, featcache.Sequence{Times: stepTimes(steps), Duration: v.Duration, Vectors: ClassSequence(v.Dets, classes[c], floor)})
			set.Labels = append(set.Labels, texts)
			set.Truth = append(set.Truth, textCues(texts, v.Duration))
		}
	}
	return set, nil
}

// textCues is the track of one text a step: step k shows texts[k] over
// [k, k+1) * StepInterval, cut at d, equal neighbours joined.
func textCues(texts []string, d time.Duration) []world.Cue {
	var out []world.Cue
	for k, t := range texts {
		start, end := time.Duration(k)*objects.StepInterval, min(time.Duration(k+1)*objects.StepInterval, d)
		if start >= end {
			break
		}
		if n := len(out); n > 0 && out[n-1].Text == t && out[n-1].End == start {
			out[n-1].End = end
			continue
		}
		out = append(out, world.Cue{Start: start, End: end, Text: t})
	}
	return out
}

// composeLabels chooses each step's label among the classes' (labels[i]
// is class idx[i]'s label at every step, sides[i] its largest box's side)
// as objects.Labels chooses among groups: appearing before disappearing
// before moving, then the larger box, then the lower class index, then
// left, right, up, down. conf[i][k] is the probability class i's labeller
// gave its label; the composed step's confidence is that of the chosen
// label, or, where nothing moves, the least probability of "nothing
// moves" among the classes.
func composeLabels(classes []string, idx []int, labels [][]objects.Label, sides [][]float32, conf [][]float32, steps int) ([]objects.Label, []float32) {
	out := make([]objects.Label, steps)
	outConf := make([]float32, steps)
	for k := range out {
		best := -1
		stillConf := float32(1)
		for i := range idx {
			l := labels[i][k]
			if l.Event == objects.Still {
				stillConf = min(stillConf, conf[i][k])
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			b := labels[best][k]
			if c := cmp.Or(cmp.Compare(l.Event, b.Event), cmp.Compare(sides[best][k], sides[i][k]),
				cmp.Compare(idx[i], idx[best]), cmp.Compare(l.Direction, b.Direction)); c < 0 {
				best = i
			}
		}
		if best < 0 {
			out[k], outConf[k] = objects.Label{Event: objects.Still}, stillConf
			continue
		}
		l := labels[best][k]
		l.Class = classes[idx[best]]
		out[k], outConf[k] = l, conf[best][k]
	}
	return out, outConf
}

// heldSides is a class's largest box side at each step, carried over the
// steps where it is not seen (forwards, then backwards before the first),
// so that a disappearing class keeps its last size.
func heldSides(vals [][]float32) []float32 {
	out := make([]float32, len(vals))
	last := float32(-1)
	for k, v := range vals {
		if v[4] > 0 {
			last = v[4]
		}
		out[k] = last
	}
	next := float32(0)
	for k := len(out) - 1; k >= 0; k-- {
		if out[k] < 0 {
			out[k] = next
		} else {
			next = out[k]
		}
	}
	return out
}

// classOut is what a per-class labeller made of a video: the classes it
// looked at (indices into the featurizer's classes), their values and
// their label probabilities at every step, and the mean novelty of the
// values.
type classOut struct {
	idx     []int
	vals    [][][]float32
	probs   [][][]float32
	novelty float64
}

// classProbs runs the per-class labeller over every class dets show.
func (l *ObjectsLabeller) classProbs(dets [][]objects.Detection) classOut {
	f := l.Entry.Featurizer
	out := classOut{idx: videoClasses(dets, f.Classes, f.Floor)}
	var z []float32
	rows := 0
	for _, c := range out.idx {
		vals := ClassSequence(dets, f.Classes[c], f.Floor)
		for _, v := range vals {
			z = l.Model.Norm.Apply(v, z)
			out.novelty += rnn.Novelty(z)
			rows++
		}
		out.vals = append(out.vals, vals)
		out.probs = append(out.probs, l.Model.Probabilities(vals))
	}
	if rows > 0 {
		out.novelty /= float64(rows)
	}
	return out
}

// classLabels decodes a per-class labeller's probabilities into one label
// a step, with its confidence: each class's labels smoothed with the
// penalty (its "nothing moves" weighted by bias first, where bias > 0),
// then composed.
func (l *ObjectsLabeller) classLabels(c classOut, steps int, penalty, bias float64) ([]objects.Label, []float32, [][]bool, error) {
	set, err := parseClassLabels(l.Model.Labels)
	if err != nil {
		return nil, nil, nil, err
	}
	still := slices.Index(l.Model.Labels, objects.NothingMoves)
	labels := make([][]objects.Label, len(c.idx))
	sides := make([][]float32, len(c.idx))
	conf := make([][]float32, len(c.idx))
	view := make([][]bool, len(c.idx))
	for i, probs := range c.probs {
		if bias > 0 && bias != 1 && still >= 0 {
			biased := make([][]float32, len(probs))
			for k, p := range probs {
				biased[k] = slices.Clone(p)
				biased[k][still] *= float32(bias)
			}
			probs = biased
		}
		ids := Smooth(probs, penalty)
		labels[i] = make([]objects.Label, steps)
		conf[i] = make([]float32, steps)
		view[i] = make([]bool, steps)
		for k, id := range ids {
			labels[i][k], view[i][k], conf[i][k] = set[id].Label, set[id].view, min(c.probs[i][k][id], 1)
		}
		sides[i] = heldSides(c.vals[i])
	}
	out, outConf := composeLabels(l.Entry.Featurizer.Classes, c.idx, labels, sides, conf, steps)
	return out, outConf, view, nil
}

// viewPresence is the presence of a video of duration d whose classes
// idx were in view at the steps where view[i] says so: a class is in view
// in a second when it is at one of the steps whose samples fall in it.
func viewPresence(classes []string, idx []int, view [][]bool, d time.Duration) objects.Presence {
	seconds := int((d + time.Second - 1) / time.Second)
	in := make([]map[string]bool, seconds)
	for s := range in {
		in[s] = map[string]bool{}
	}
	for i, c := range idx {
		for k, ok := range view[i] {
			s := int((time.Duration(k)*objects.StepInterval + objects.StepInterval/2) / time.Second)
			if ok && s < seconds && objects.KnownClass(classes[c]) {
				in[s][classes[c]] = true
			}
		}
	}
	return presenceOf(in)
}

// chooseClassDecoding is chooseDecoding for a per-class labeller: the
// smoothing penalty and still bias with the best mean of step accuracy,
// boundary F1 and time accuracy of the composed tracks.
func (l *ObjectsLabeller) chooseClassDecoding(ctx context.Context, videos []ObjectsVideo) (float64, float64) {
	var runs []decodingRun
	for _, v := range videos {
		if ctx.Err() != nil {
			break
		}
		labels, err := objects.Labels(v.Tracks, objects.Steps(v.Duration))
		if err != nil || len(v.Dets) == 0 {
			continue
		}
		c, steps := l.classProbs(v.Dets), len(v.Dets)
		runs = append(runs, decodingRun{d: v.Duration, truth: objects.LabelCues(labels, v.Duration),
			cues: func(p, b float64) ([]Cue, error) {
				labels, conf, _, err := l.classLabels(c, steps, p, b)
				if err != nil {
					return nil, err
				}
				return labelTrackCues(labels, conf, stepTimes(steps), v.Duration, l.cue())
			}})
	}
	return bestDecoding(runs, []float64{1, 1.5, 2, 3, 5}, l.Entry.Penalty)
}
