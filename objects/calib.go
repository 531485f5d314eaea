package objects

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// The statistics of a detector's failure modes (CALIBRATION.md), computed
// the same way on the real detector's outputs over hand-labelled real media
// and on the generator's (synth.go, noise.go), so that the two can be shown
// side by side. Boxes are relative (0..1); a "step" is one sampled frame of
// a video (2 a second by default).

// LabelledFrame is one frame as the calibration sees it: what a detector
// reported and which classes are truly there. A detection of a class in
// Present is true, any other is false.
type LabelledFrame struct {
	Time    float64 // seconds from the start (video) or 0
	Present map[string]bool
	Dets    []Detection
}

// Histogram counts values in the bins [Edges[i], Edges[i+1]); values under
// the first edge go to the first bin, at or over the last to the last.
type Histogram struct {
	Edges  []float64
	Counts []int
}

// NewHistogram returns an empty histogram over edges (at least two,
// increasing).
func NewHistogram(edges ...float64) Histogram {
	if len(edges) < 2 || !slices.IsSorted(edges) {
		panic("objects: histogram edges must be at least two and increasing")
	}
	return Histogram{Edges: slices.Clone(edges), Counts: make([]int, len(edges)-1)}
}

// Add counts v.
func (h *Histogram) Add(v float64) {
	i, _ := slices.BinarySearch(h.Edges, v) // first edge >= v
	if i < len(h.Edges) && h.Edges[i] == v {
		i++
	}
	h.Counts[min(max(i-1, 0), len(h.Counts)-1)]++
}

// Total is the number of values counted.
func (h Histogram) Total() int {
	n := 0
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// Shares are the counts as fractions of the total.
func (h Histogram) Shares() []float64 {
	s := make([]float64, len(h.Counts))
	n := float64(max(h.Total(), 1))
	for i, c := range h.Counts {
		s[i] = float64(c) / n
	}
	return s
}

// Labels names the bins ("0.15-0.2", ..., "0.8+").
func (h Histogram) Labels() []string {
	l := make([]string, len(h.Counts))
	for i := range h.Counts {
		if i == len(h.Counts)-1 {
			l[i] = fmt.Sprintf("%g+", h.Edges[i])
		} else {
			l[i] = fmt.Sprintf("%g-%g", h.Edges[i], h.Edges[i+1])
		}
	}
	return l
}

// Bin edges of the calibration's histograms.
var (
	// ScoreEdges bin scores.
	ScoreEdges = []float64{0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 1}
	// AreaEdges bin box areas (fractions of the frame).
	AreaEdges = []float64{0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1}
	// UnitEdges bin relative positions and sides.
	UnitEdges = []float64{0, 0.2, 0.4, 0.6, 0.8, 1}
	// AspectEdges bin a box's height over its width.
	AspectEdges = []float64{0, 0.5, 0.8, 1.25, 2, 3, 100}
	// GapEdges bin the length in steps of a track's gaps.
	GapEdges = []float64{1, 2, 3, 4, 6, 1000}
)

// Same-box and part-box thresholds: a false detection is a duplicate of a
// true one when their IoU is at least DupIoU, a part of it when at least
// PartInside of its own area lies inside the true one's box.
const (
	DupIoU     = 0.5
	PartInside = 0.5
)

// FrameStats are the per-frame statistics of a set of frames: scores of
// true and false detections, the kinds and classes of false positives, and
// boxes of true detections.
type FrameStats struct {
	Frames                    int
	True, False               Histogram // scores
	TrueByArea                []Histogram
	FreeFP, DupFP, PartFP     int            // false detections by kind
	FPClasses                 map[string]int // class of each false detection
	FPsPerFrame               Histogram      // number of false detections in a frame
	TrueWithDup, TrueWithPart int            // true detections with a same-box or part-box false one
	Confusions                map[string]int // "true class→duplicate's class"
	Parts                     map[string]int // "true class→part's class"
	DupScoreRatio             Histogram      // duplicate's score over the true one's
	Area, Aspect, CX, CY      Histogram      // of true detections
}

// MeasureFrames computes FrameStats over frames, counting only detections
// with a score of at least minScore. When class is not "", the box
// histograms are of that class only.
func MeasureFrames(frames []LabelledFrame, minScore float64, class string) FrameStats {
	s := FrameStats{
		True: NewHistogram(ScoreEdges...), False: NewHistogram(ScoreEdges...),
		FPClasses: map[string]int{}, Confusions: map[string]int{}, Parts: map[string]int{},
		FPsPerFrame:   NewHistogram(0, 1, 2, 3, 5, 10, 20, 1000),
		DupScoreRatio: NewHistogram(0, 0.25, 0.5, 0.75, 1, 1.5, 100),
		Area:          NewHistogram(AreaEdges...), Aspect: NewHistogram(AspectEdges...),
		CX: NewHistogram(UnitEdges...), CY: NewHistogram(UnitEdges...),
	}
	for range len(AreaEdges) - 1 {
		s.TrueByArea = append(s.TrueByArea, NewHistogram(ScoreEdges...))
	}
	area := NewHistogram(AreaEdges...)
	for _, f := range frames {
		s.Frames++
		var tru, fls []Detection
		for _, d := range f.Dets {
			if d.Score < minScore {
				continue
			}
			if f.Present[d.Class] {
				tru = append(tru, d)
			} else {
				fls = append(fls, d)
			}
		}
		for _, d := range tru {
			s.True.Add(d.Score)
			a := boxArea(d.Box)
			s.TrueByArea[areaBin(area, a)].Add(d.Score)
			if class == "" || d.Class == class {
				s.Area.Add(a)
				s.Aspect.Add(boxH(d.Box) / max(boxW(d.Box), 1e-6))
				cx, cy := boxCenter(d.Box)
				s.CX.Add(cx)
				s.CY.Add(cy)
			}
		}
		s.FPsPerFrame.Add(float64(len(fls)))
		dupOf := make([]bool, len(tru))
		partOf := make([]bool, len(tru))
		for _, d := range fls {
			s.False.Add(d.Score)
			s.FPClasses[d.Class]++
			bi, best := -1, 0.0
			for i, t := range tru {
				if iou := boxIoU(d.Box, t.Box); iou > best {
					bi, best = i, iou
				}
			}
			if best >= DupIoU {
				s.DupFP++
				s.Confusions[tru[bi].Class+"→"+d.Class]++
				s.DupScoreRatio.Add(d.Score / tru[bi].Score)
				dupOf[bi] = true
				continue
			}
			pi, in := -1, 0.0
			for i, t := range tru {
				if f := boxInside(d.Box, t.Box); f > in {
					pi, in = i, f
				}
			}
			if in >= PartInside {
				s.PartFP++
				s.Parts[tru[pi].Class+"→"+d.Class]++
				partOf[pi] = true
				continue
			}
			s.FreeFP++
		}
		for i := range tru {
			if dupOf[i] {
				s.TrueWithDup++
			}
			if partOf[i] {
				s.TrueWithPart++
			}
		}
	}
	return s
}

func areaBin(h Histogram, a float64) int {
	h.Counts = make([]int, len(h.Counts))
	h.Add(a)
	return slices.Index(h.Counts, 1)
}

// FPRate is the mean number of false detections per frame.
func (s FrameStats) FPRate() float64 {
	return float64(s.FreeFP+s.DupFP+s.PartFP) / float64(max(s.Frames, 1))
}

// Precision is the share of detections that are true.
func (s FrameStats) Precision() float64 {
	t := s.True.Total()
	return float64(t) / float64(max(t+s.False.Total(), 1))
}

// Box geometry, as package functions so as not to claim method names on
// the shared Box type.

func boxW(b Box) float64 { return b.X1 - b.X0 }

func boxH(b Box) float64 { return b.Y1 - b.Y0 }

func boxCenter(b Box) (x, y float64) { return (b.X0 + b.X1) / 2, (b.Y0 + b.Y1) / 2 }

// boxArea is 0 for an empty or inverted box.
func boxArea(b Box) float64 { return max(boxW(b), 0) * max(boxH(b), 0) }

func boxIntersect(b, o Box) float64 {
	return boxArea(Box{max(b.X0, o.X0), max(b.Y0, o.Y0), min(b.X1, o.X1), min(b.Y1, o.Y1)})
}

// boxIoU is the area of intersection over the area of union, 0 when both
// are empty.
func boxIoU(b, o Box) float64 {
	in := boxIntersect(b, o)
	u := boxArea(b) + boxArea(o) - in
	if u <= 0 {
		return 0
	}
	return in / u
}

// boxInside is the share of b's area that lies inside o.
func boxInside(b, o Box) float64 {
	a := boxArea(b)
	if a <= 0 {
		return 0
	}
	return boxIntersect(b, o) / a
}

// TrackStats are the frame-to-frame statistics of one class's detections
// in a video, followed by a greedy tracker (Track).
type TrackStats struct {
	Tracks           int       // tracks of at least MinTrack detections
	Bridged, Holes   int       // steps with the track seen before and after / of them, missed
	Gaps             Histogram // lengths in steps of the gaps inside tracks
	JitterX, JitterY []float64 // second difference of the centre over the box's width, height (steps t-1, t, t+1 all seen)
	SizeW, SizeH     []float64 // change of log width, log height from one step to the next
	Speed            []float64 // |change of centre x| per step, relative to the frame
	ScoreDelta       []float64 // |change of score| from one step to the next
	Counts           []int     // detections of the class per step
}

// MissRate is the share of steps, among those where a track is seen
// before and after, at which it is missing: the detector's flicker.
func (s TrackStats) MissRate() float64 { return float64(s.Holes) / float64(max(s.Bridged, 1)) }

// Tracker parameters: a detection continues a track last seen at most
// MaxGap steps before when their IoU is at least TrackIoU or their centres
// are within TrackDist box widths; tracks shorter than MinTrack detections
// are left out of TrackStats.
const (
	MaxGap    = 4
	TrackIoU  = 0.3
	TrackDist = 0.5
	MinTrack  = 4
)

// Track follows class through frames (one a step) greedily, best match
// first, and returns, for each track, the index of its detection in each
// frame (-1 where missed) from its first step to its last.
func Track(frames []LabelledFrame, class string, minScore float64) (starts []int, tracks [][]int) {
	type live struct {
		id, last int
		box      Box
	}
	var open []live
	for t, f := range frames {
		type pair struct {
			o, d int
			q    float64
		}
		var pairs []pair
		for oi, o := range open {
			if t-o.last > MaxGap+1 {
				continue
			}
			for di, d := range f.Dets {
				if d.Class != class || d.Score < minScore {
					continue
				}
				ox, oy := boxCenter(o.box)
				dx, dy := boxCenter(d.Box)
				dist := math.Hypot(ox-dx, oy-dy) / max(boxW(o.box), 1e-6)
				iou := boxIoU(o.box, d.Box)
				if iou >= TrackIoU || dist <= TrackDist {
					pairs = append(pairs, pair{oi, di, iou - dist})
				}
			}
		}
		slices.SortStableFunc(pairs, func(a, b pair) int { return cmp.Compare(b.q, a.q) })
		usedO, usedD := map[int]bool{}, map[int]bool{}
		for _, p := range pairs {
			if usedO[p.o] || usedD[p.d] {
				continue
			}
			usedO[p.o], usedD[p.d] = true, true
			o := &open[p.o]
			tr := tracks[o.id]
			for len(tr) < t-starts[o.id] {
				tr = append(tr, -1)
			}
			tracks[o.id] = append(tr, p.d)
			o.last, o.box = t, f.Dets[p.d].Box
		}
		for di, d := range f.Dets {
			if d.Class != class || d.Score < minScore || usedD[di] {
				continue
			}
			open = append(open, live{id: len(tracks), last: t, box: d.Box})
			starts = append(starts, t)
			tracks = append(tracks, []int{di})
		}
	}
	return starts, tracks
}

// MeasureTracks computes TrackStats for class over frames (one a step).
func MeasureTracks(frames []LabelledFrame, class string, minScore float64) TrackStats {
	s := TrackStats{Gaps: NewHistogram(GapEdges...)}
	for _, f := range frames {
		n := 0
		for _, d := range f.Dets {
			if d.Class == class && d.Score >= minScore {
				n++
			}
		}
		s.Counts = append(s.Counts, n)
	}
	starts, tracks := Track(frames, class, minScore)
	for k, tr := range tracks {
		seen := 0
		for _, i := range tr {
			if i >= 0 {
				seen++
			}
		}
		if seen < MinTrack {
			continue
		}
		s.Tracks++
		det := func(j int) (Detection, bool) {
			if j < 0 || j >= len(tr) || tr[j] < 0 {
				return Detection{}, false
			}
			return frames[starts[k]+j].Dets[tr[j]], true
		}
		gap := 0
		for j := range tr {
			if tr[j] < 0 {
				gap++
				continue
			}
			if gap > 0 {
				s.Gaps.Add(float64(gap))
			}
			gap = 0
		}
		for j := 1; j < len(tr)-1; j++ {
			_, a := det(j - 1)
			c, b := det(j)
			_, n := det(j + 1)
			if a && n {
				s.Bridged++
				if !b {
					s.Holes++
				}
			}
			if !b {
				continue
			}
			p, _ := det(j - 1)
			q, _ := det(j + 1)
			if a && n {
				px, py := boxCenter(p.Box)
				cx, cy := boxCenter(c.Box)
				qx, qy := boxCenter(q.Box)
				s.JitterX = append(s.JitterX, (qx-2*cx+px)/max(boxW(c.Box), 1e-6))
				s.JitterY = append(s.JitterY, (qy-2*cy+py)/max(boxH(c.Box), 1e-6))
			}
		}
		for j := 1; j < len(tr); j++ {
			p, a := det(j - 1)
			c, b := det(j)
			if !a || !b {
				continue
			}
			s.SizeW = append(s.SizeW, math.Log(max(boxW(c.Box), 1e-6)/max(boxW(p.Box), 1e-6)))
			s.SizeH = append(s.SizeH, math.Log(max(boxH(c.Box), 1e-6)/max(boxH(p.Box), 1e-6)))
			px, _ := boxCenter(p.Box)
			cx, _ := boxCenter(c.Box)
			s.Speed = append(s.Speed, math.Abs(cx-px))
			s.ScoreDelta = append(s.ScoreDelta, math.Abs(c.Score-p.Score))
		}
	}
	return s
}

// Quantile returns the q-quantile of xs (nearest rank), 0 when empty.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}

// RobustSD is 1.4826 times the median absolute deviation from the median:
// the standard deviation of a normal sample, unmoved by a few outliers.
func RobustSD(xs []float64) float64 {
	m := Quantile(xs, 0.5)
	d := make([]float64, len(xs))
	for i, x := range xs {
		d[i] = math.Abs(x - m)
	}
	return 1.4826 * Quantile(d, 0.5)
}

// SideBySide writes a markdown table of histograms sharing their bins, one
// column each, as shares in percent with the totals in the last row.
func SideBySide(w io.Writer, what string, names []string, hs ...Histogram) {
	fmt.Fprintf(w, "| %s | %s |\n|%s\n", what, strings.Join(names, " | "), strings.Repeat(" --- |", len(names)+1))
	shares := make([][]float64, len(hs))
	for i, h := range hs {
		shares[i] = h.Shares()
	}
	for b, l := range hs[0].Labels() {
		fmt.Fprintf(w, "| %s |", l)
		for i := range hs {
			fmt.Fprintf(w, " %.1f |", 100*shares[i][b])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "| n |")
	for _, h := range hs {
		fmt.Fprintf(w, " %d |", h.Total())
	}
	fmt.Fprintln(w)
}

// TopCounts returns the n keys with the largest counts, largest first
// (ties by key), formatted "key n".
func TopCounts[K cmp.Ordered](m map[K]int, n int) []string {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var out []string
	for _, k := range keys[:min(n, len(keys))] {
		out = append(out, fmt.Sprintf("%v %d", k, m[k]))
	}
	return out
}
