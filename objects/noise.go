package objects

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// The noise model: what the real detector (vision's embedded CenterNet)
// reports for a true scene, with its failure modes as measured in
// CALIBRATION.md: scores spread low, small objects score lower and are
// missed more, objects vanish for a step or a few (flicker), boxes jitter,
// a second class sits on the same box (person→backpack, truck→bus,
// bird→kite), a part of an object is called something (a person's feet
// "skis"), and things that are not there are reported at low scores, in a
// video often for several steps in a row.

// ScoreDist is a piecewise-uniform distribution over [Edges[0], Edges[-1]]:
// bin i, [Edges[i], Edges[i+1]), has weight Weights[i]. The zero value
// always gives 1.
type ScoreDist struct {
	Edges   []float64
	Weights []float64
}

// Sample draws a value.
func (d ScoreDist) Sample(r *rand.Rand) float64 {
	if len(d.Weights) == 0 {
		return 1
	}
	i := pick(r, d.Weights)
	return d.Edges[i] + r.Float64()*(d.Edges[i+1]-d.Edges[i])
}

// Weighted is a class and its weight in a draw.
type Weighted struct {
	Class  string
	Weight float64
}

// pick returns index i with probability w[i]/sum(w).
func pick(r *rand.Rand, w []float64) int {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	u := r.Float64() * sum
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

func pickClass(r *rand.Rand, ws []Weighted) string {
	if len(ws) == 0 {
		return ""
	}
	w := make([]float64, len(ws))
	for i, c := range ws {
		w[i] = c.Weight
	}
	return ws[pick(r, w)].Class
}

// poisson draws from a Poisson distribution of mean m (Knuth's method;
// the means here are small).
func poisson(r *rand.Rand, m float64) int {
	if m <= 0 {
		return 0
	}
	l, k, p := math.Exp(-m), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// Noise holds every parameter of the noise model. The zero value is a
// perfect detector: every object reported once, exactly, with score 1, and
// nothing else. DefaultNoise gives the calibrated values.
type Noise struct {
	// MinScore: detections scoring under it are not reported.
	MinScore float64

	// TrueScore is the score distribution of a detected object by its
	// box's area: under TinyArea, under SmallArea, and larger.
	TrueScore           [3]ScoreDist
	TinyArea, SmallArea float64
	ScoreStepSD         float64 // per-step change of an object's score in a video (sd)

	// Misses: an object seen at one step is missed at the next with
	// probability MissStart (times TinyMiss for tiny objects), and a gap
	// goes on with probability GapContinue a step (mean gap 1/(1-GapContinue)).
	// A photo misses an object with the chain's stationary probability
	// MissStart / (MissStart + 1 - GapContinue).
	MissStart, GapContinue, TinyMiss float64

	// Box jitter: the centre moves by normal noise of sd JitterX box
	// widths and JitterY box heights; the width and height are scaled by
	// exp of normal noise of sd JitterW, JitterH.
	JitterX, JitterY, JitterW, JitterH float64

	// Same-box duplicates: with probability DupRate a step, a detected
	// object comes with a second detection of another class on nearly the
	// same box, scoring DupRatio times its score. The class is drawn from
	// Confusions[class], or else from FPClasses; in a video each object
	// keeps its duplicate's class.
	DupRate    float64
	DupRatio   ScoreDist
	Confusions map[string][]Weighted

	// Part boxes: an object whose class is in Parts comes, with
	// probability PartRate a step, with a detection of a part of it (the
	// bottom quarter of its box) called one of Parts[class], scoring like a
	// false positive.
	PartRate float64
	Parts    map[string][]Weighted

	// False positives: FreeFPs a frame on average (Poisson), and in a
	// video Phantoms (Poisson mean) things that stay in place and come and
	// go: on at the next step with probability PhantomStay when on,
	// PhantomStart when off. Classes from FPClasses, scores from FPScore,
	// areas log-uniform in [FPAreaMin, FPAreaMax].
	FreeFPs, Phantoms         float64
	PhantomStay, PhantomStart float64
	FPClasses                 []Weighted
	FPScore                   ScoreDist
	FPAreaMin, FPAreaMax      float64
}

// DefaultNoise returns the noise model calibrated on the real detector at
// min score 0.15 (CALIBRATION.md, "The noise model's defaults").
func DefaultNoise() Noise {
	return Noise{
		MinScore: 0.15,
		// True-detection scores by box area, pooled over the 27 photos,
		// vtest.avi and cockatoo.mp4 (CALIBRATION.md, "Scores by size"):
		// tiny boxes (n 448) almost all 0.15-0.25; small ones (n 1817)
		// spread to 0.7; large ones (n 283) mostly 0.25-0.3 and 0.4-0.7.
		TrueScore: [3]ScoreDist{
			{Edges: ScoreEdges, Weights: []float64{0.754, 0.176, 0.025, 0.011, 0.004, 0.022, 0.007, 0, 0}},
			{Edges: ScoreEdges, Weights: []float64{0.154, 0.097, 0.054, 0.061, 0.167, 0.172, 0.16, 0.123, 0.013}},
			{Edges: ScoreEdges, Weights: []float64{0.074, 0.053, 0.417, 0.085, 0.025, 0.113, 0.12, 0.106, 0.007}},
		},
		TinyArea:  0.001,
		SmallArea: 0.01,
		// vtest.avi people at 0.3: median |score change| a step 0.036,
		// which is 0.954 sd for the difference of two independent draws.
		ScoreStepSD: 0.035,
		// vtest.avi people: missed at 3.2 % (0.3) to 9.1 % (0.15) of the
		// steps where seen before and after; gaps of 1 to 5 steps, mean
		// about 2.
		MissStart:   0.04,
		GapContinue: 0.5,
		TinyMiss:    3,
		// vtest.avi people at 0.3: robust sd of the centre's second
		// difference 0.080 widths, 0.022 heights (6 sd² for independent
		// jitter); of the change of log width 0.065, log height 0.036
		// (2 sd²).
		JitterX: 0.033,
		JitterY: 0.009,
		JitterW: 0.046,
		JitterH: 0.025,
		// A tenth of true detections at 0.15 have a same-box second class
		// (photos 0.065, vtest.avi 0.123 (mostly person→backpack), cockatoo
		// 0.136) now that the detector keeps one class a cell; its score
		// over the true one's is mostly 0.25-0.5 in vtest.avi, 0.5-1.5 in
		// the photos.
		DupRate:    0.1,
		DupRatio:   ScoreDist{Edges: []float64{0.15, 0.25, 0.5, 0.75, 1, 1.5}, Weights: []float64{0.07, 0.6, 0.13, 0.12, 0.08}},
		Confusions: defaultConfusions(),
		// 21 % of people in vtest.avi have a part box (mostly "skis" at
		// the feet); 5 % of photo detections.
		PartRate: 0.15,
		Parts: map[string][]Weighted{
			"person":     {{"skis", 10}, {"snowboard", 1.3}, {"skateboard", 0.8}, {"backpack", 0.5}, {"remote", 0.3}, {"sports ball", 0.2}, {"handbag", 0.1}},
			"motorcycle": {{"book", 1}},
		},
		// Free false positives: 1.4 a photo, 0.6 a step on cockatoo.mp4,
		// 4.8 on vtest.avi, there mostly things that stay for runs of 2 to 7
		// steps (traffic light 6.5, airplane 6.7, fire hydrant 4.5, sports
		// ball 3.4 on average).
		FreeFPs:      0.8,
		Phantoms:     3,
		PhantomStay:  0.75,
		PhantomStart: 0.25,
		FPClasses:    defaultFPClasses(),
		FPScore:      ScoreDist{Edges: ScoreEdges, Weights: []float64{0.575, 0.25, 0.112, 0.041, 0.016, 0.006, 0.001, 0, 0}},
		FPAreaMin:    0.0003,
		FPAreaMax:    0.05,
	}
}

// defaultConfusions are the same-box second classes seen on the real media
// (CALIBRATION.md) and their obvious kin among COCO's classes.
func defaultConfusions() map[string][]Weighted {
	return map[string][]Weighted{
		"person":     {{"backpack", 7}, {"fire hydrant", 3}, {"sports ball", 1}, {"handbag", 1}, {"traffic light", 1}, {"skis", 0.7}, {"skateboard", 0.5}, {"tie", 0.2}},
		"truck":      {{"bus", 3}, {"car", 1}},
		"car":        {{"truck", 2}, {"bus", 0.5}},
		"bus":        {{"truck", 2}, {"train", 0.5}},
		"bird":       {{"kite", 3}, {"airplane", 2}, {"giraffe", 0.5}, {"person", 0.5}, {"dog", 0.3}},
		"orange":     {{"apple", 3}, {"sports ball", 0.5}},
		"apple":      {{"orange", 3}},
		"horse":      {{"cow", 2}, {"sheep", 1}, {"dog", 0.5}},
		"cow":        {{"horse", 1}, {"sheep", 1}},
		"sheep":      {{"cow", 1}, {"dog", 0.5}},
		"cat":        {{"dog", 2}, {"bed", 1}, {"couch", 1}, {"teddy bear", 0.5}},
		"dog":        {{"cat", 1}, {"horse", 0.5}, {"sheep", 0.5}, {"teddy bear", 0.3}},
		"bicycle":    {{"motorcycle", 1}},
		"motorcycle": {{"bicycle", 1}},
		"cup":        {{"dining table", 1}, {"bowl", 1}, {"vase", 0.5}},
		"bowl":       {{"cup", 1}, {"dining table", 0.5}},
		"couch":      {{"chair", 1}, {"bed", 1}},
		"chair":      {{"couch", 1}, {"bench", 0.5}},
		"tv":         {{"laptop", 1}},
		"laptop":     {{"tv", 1}, {"keyboard", 0.5}},
		"zebra":      {{"giraffe", 1}, {"horse", 0.5}},
		"giraffe":    {{"zebra", 1}},
		"kite":       {{"bird", 1}, {"airplane", 0.5}},
	}
}

// defaultFPClasses are the classes of free false positives on the real
// media (CALIBRATION.md), photos and videos weighted alike, with a little
// weight on a few others the detector calls round or small things.
func defaultFPClasses() []Weighted {
	return []Weighted{
		{"sports ball", 4}, {"traffic light", 3}, {"airplane", 2.5}, {"fire hydrant", 2.5}, {"skis", 2},
		{"clock", 3}, {"bird", 2}, {"dog", 2}, {"kite", 2}, {"person", 2}, {"potted plant", 1.5},
		{"bus", 1}, {"remote", 1}, {"car", 1}, {"cow", 1}, {"frisbee", 1}, {"umbrella", 1},
		{"bed", 0.7}, {"bench", 0.7}, {"dining table", 0.7}, {"book", 0.7}, {"vase", 0.5}, {"tie", 0.5},
		{"parking meter", 0.5}, {"stop sign", 0.5}, {"handbag", 0.5}, {"cake", 0.3}, {"suitcase", 0.3},
		{"train", 0.3}, {"refrigerator", 0.3}, {"tv", 0.3}, {"cat", 0.3}, {"horse", 0.3}, {"bottle", 0.3},
	}
}

// sizeClass is 0 (tiny), 1 (small) or 2 (large).
func (n *Noise) sizeClass(b Box) int {
	switch a := boxArea(b); {
	case a < n.TinyArea:
		return 0
	case a < n.SmallArea:
		return 1
	}
	return 2
}

func (n *Noise) trueScore(r *rand.Rand, b Box) float64 {
	return n.TrueScore[n.sizeClass(b)].Sample(r)
}

// missStart is MissStart for b's size.
func (n *Noise) missStart(b Box) float64 {
	if n.sizeClass(b) == 0 && n.TinyMiss > 0 {
		return min(n.MissStart*n.TinyMiss, 1)
	}
	return n.MissStart
}

// jitter moves and resizes b by the box noise, keeping it in the frame.
func (n *Noise) jitter(r *rand.Rand, b Box) Box {
	if n.JitterX == 0 && n.JitterY == 0 && n.JitterW == 0 && n.JitterH == 0 {
		return b
	}
	w, h := boxW(b), boxH(b)
	cx, cy := boxCenter(b)
	cx += r.NormFloat64() * n.JitterX * w
	cy += r.NormFloat64() * n.JitterY * h
	w *= math.Exp(r.NormFloat64() * n.JitterW)
	h *= math.Exp(r.NormFloat64() * n.JitterH)
	return clipBox(Box{cx - w/2, cy - h/2, cx + w/2, cy + h/2})
}

func clipBox(b Box) Box {
	c := func(v float64) float64 { return min(max(v, 0), 1) }
	return Box{c(b.X0), c(b.Y0), c(b.X1), c(b.Y1)}
}

// dupClass draws a same-box second class for class.
func (n *Noise) dupClass(r *rand.Rand, class string) string {
	if ws := n.Confusions[class]; len(ws) > 0 {
		return pickClass(r, ws)
	}
	if len(n.FPClasses) > 0 {
		for range 8 {
			if c := pickClass(r, n.FPClasses); c != class {
				return c
			}
		}
	}
	return ""
}

// partBox is the bottom quarter of b.
func partBox(b Box) Box {
	return Box{b.X0, b.Y1 - boxH(b)/4, b.X1, b.Y1}
}

// fpBox draws a free false positive's box.
func (n *Noise) fpBox(r *rand.Rand) Box {
	lo, hi := max(n.FPAreaMin, 1e-5), max(n.FPAreaMax, n.FPAreaMin, 1e-5)
	a := math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo)))
	asp := math.Exp(r.NormFloat64() * 0.5) // h/w
	w, h := math.Sqrt(a/asp), math.Sqrt(a*asp)
	w, h = min(w, 1), min(h, 1)
	x, y := r.Float64()*(1-w), r.Float64()*(1-h)
	return Box{x, y, x + w, y + h}
}

// add appends a detection when it scores at least MinScore.
func (n *Noise) add(dst []Detection, class string, b Box, score float64) []Detection {
	score = min(max(score, 0), 1)
	if class == "" || score < n.MinScore {
		return dst
	}
	return append(dst, Detection{Object: Object{Class: class, Box: b}, Score: score})
}

// sortDetections orders detections best first (ties by class, then box),
// as the detector reports them.
func sortDetections(ds []Detection) {
	slices.SortStableFunc(ds, func(a, b Detection) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Class, b.Class); c != 0 {
			return c
		}
		return cmp.Compare(a.Box.X0, b.Box.X0)
	})
}

// Photo returns what the detector would report for a photo showing s.
func (n Noise) Photo(r *rand.Rand, s Scene) []Detection {
	var out []Detection
	for _, o := range s.Objects {
		m := n.missStart(o.Box)
		if p := m / max(m+1-n.GapContinue, 1e-9); r.Float64() < p {
			continue
		}
		out = n.object(r, out, o, n.trueScore(r, o.Box), "", "")
	}
	for range poisson(r, n.FreeFPs) {
		out = n.add(out, pickClass(r, n.FPClasses), n.fpBox(r), n.FPScore.Sample(r))
	}
	sortDetections(out)
	return out
}

// object appends a detected object's detections: itself, and perhaps a
// same-box duplicate (of class dup, drawn when "") and a part box.
func (n *Noise) object(r *rand.Rand, out []Detection, o Object, score float64, dup, part string) []Detection {
	b := n.jitter(r, o.Box)
	out = n.add(out, o.Class, b, score)
	if n.DupRate > 0 && r.Float64() < n.DupRate {
		if dup == "" {
			dup = n.dupClass(r, o.Class)
		}
		out = n.add(out, dup, n.jitter(r, b), score*n.DupRatio.Sample(r))
	}
	if ws := n.Parts[o.Class]; len(ws) > 0 && n.PartRate > 0 && r.Float64() < n.PartRate {
		if part == "" {
			part = pickClass(r, ws)
		}
		out = n.add(out, part, partBox(b), n.FPScore.Sample(r))
	}
	return out
}

// VideoNoise is the noise model's state along one video: each object's
// score, whether it is in a gap, its duplicate's class, and the phantoms.
// Make one with Noise.Video and call Step once a step, in order.
type VideoNoise struct {
	n        Noise
	r        *rand.Rand
	objs     map[int]*objNoise
	phantoms []phantom
}

type objNoise struct {
	base      float64 // the object's own score
	missing   bool
	dup, part string
}

type phantom struct {
	class string
	box   Box
	score float64
	on    bool
}

// Video starts the noise of one video, drawing from r (which the
// VideoNoise then owns).
func (n Noise) Video(r *rand.Rand) *VideoNoise {
	v := &VideoNoise{n: n, r: r, objs: map[int]*objNoise{}}
	on := n.PhantomStart / max(n.PhantomStart+1-n.PhantomStay, 1e-9)
	for range poisson(r, n.Phantoms) {
		v.phantoms = append(v.phantoms, phantom{class: pickClass(r, n.FPClasses), box: n.fpBox(r), score: n.FPScore.Sample(r), on: r.Float64() < on})
	}
	return v
}

// Step returns what the detector would report at the next step, whose
// true scene is s with ids[i] the track id of s.Objects[i].
func (v *VideoNoise) Step(s Scene, ids []int) []Detection {
	if len(ids) != len(s.Objects) {
		panic("objects: VideoNoise.Step: one id per object")
	}
	n, r := &v.n, v.r
	var out []Detection
	for i, o := range s.Objects {
		st := v.objs[ids[i]]
		if st == nil {
			st = &objNoise{base: n.trueScore(r, o.Box)}
			if n.DupRate > 0 {
				st.dup = n.dupClass(r, o.Class)
			}
			if ws := n.Parts[o.Class]; len(ws) > 0 {
				st.part = pickClass(r, ws)
			}
			v.objs[ids[i]] = st
		} else if st.missing {
			st.missing = r.Float64() < n.GapContinue
		} else {
			st.missing = r.Float64() < n.missStart(o.Box)
		}
		if st.missing {
			continue
		}
		score := st.base + r.NormFloat64()*n.ScoreStepSD
		out = n.object(r, out, o, score, st.dup, st.part)
	}
	for i := range v.phantoms {
		p := &v.phantoms[i]
		if p.on {
			p.on = r.Float64() < n.PhantomStay
		} else {
			p.on = r.Float64() < n.PhantomStart
		}
		if p.on {
			out = n.add(out, p.class, n.jitter(r, p.box), p.score+r.NormFloat64()*n.ScoreStepSD)
		}
	}
	for range poisson(r, n.FreeFPs) {
		out = n.add(out, pickClass(r, n.FPClasses), n.fpBox(r), n.FPScore.Sample(r))
	}
	sortDetections(out)
	return out
}
