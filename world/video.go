package world

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// VideoScript is a planned video: its size, timing, background and segments,
// from which every frame is drawn. It depends only on (seed, index) and the
// options, like an image.
type VideoScript struct {
	Width       int        `json:"width"`
	Height      int        `json:"height"`
	FPS         float64    `json:"fps"`
	Frames      int        `json:"frames"`
	Duration    float64    `json:"duration"` // seconds: Frames / FPS
	Background  Background `json:"background"`
	AntiAliased bool       `json:"antialiased"`
	Segments    []Segment  `json:"segments"`

	bg []byte // rendered background, packed RGB
}

// Segment is one stretch of a video in which exactly one event happens, spread
// evenly over [Start, End).
type Segment struct {
	Start      float64   `json:"start"` // seconds, StartFrame / FPS
	End        float64   `json:"end"`   // seconds, EndFrame / FPS
	StartFrame int       `json:"start_frame"`
	EndFrame   int       `json:"end_frame"` // exclusive
	Label      string    `json:"label"`
	Event      Event     `json:"event"`
	Object     int       `json:"object"`              // id of the object the event concerns; -1 for still
	Direction  Direction `json:"direction,omitempty"` // moves only
	// Before and After are the objects in view at the segment's start and
	// end, at full size: an appearing object is only in After, a
	// disappearing one only in Before, a moving one in both at its two places.
	Before []VideoObject `json:"before"`
	After  []VideoObject `json:"after"`
}

// VideoObject is an object of a video with the id that follows it from
// segment to segment.
type VideoObject struct {
	ID int `json:"id"`
	Object
}

// StartTime and EndTime are the segment's bounds as durations, rounded to the
// millisecond as in the subtitle files.
func (s Segment) StartTime() time.Duration { return seconds(s.Start) }

// EndTime is the segment's end as a duration, rounded to the millisecond.
func (s Segment) EndTime() time.Duration { return seconds(s.End) }

func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s*1000)) * time.Millisecond
}

// Event weights by number of objects in view: mostly visible activity, some
// stillness, and objects rarely left to vanish altogether.
var eventWeights = [3][5]float64{
	//   -, move, appear, disappear, still
	0: {0, 0, 4, 0, 1},
	1: {0, 5, 2, 1, 1.5},
	2: {0, 5, 0, 2, 1.5},
}

// planVideo plans a video with the given random source.
func planVideo(r *rand.Rand, o VideoOptions) (*VideoScript, error) {
	f := newFrame(o.Width, o.Height)
	minFrames := int(math.Ceil(o.MinDuration.Seconds()*o.FPS - 1e-9))
	maxFrames := int(math.Floor(o.MaxDuration.Seconds()*o.FPS + 1e-9))
	segMin := int(math.Ceil(o.FPS - 1e-9))
	segMax := int(math.Floor(4*o.FPS + 1e-9))
	if minFrames < segMin || maxFrames < minFrames || segMax < segMin {
		return nil, fmt.Errorf("durations %v..%v at %g fps leave no valid segmentation", o.MinDuration, o.MaxDuration, o.FPS)
	}
	s := &VideoScript{Width: o.Width, Height: o.Height, FPS: o.FPS, Background: randomBackground(r), AntiAliased: r.IntN(2) == 0}
	s.Background.PerChannel = o.Noise == NoiseChannel && s.Background.Noise > 0
	s.Frames = minFrames + r.IntN(maxFrames-minFrames+1)
	s.Duration = float64(s.Frames) / o.FPS

	// Segment lengths in frames, 1 to 4 s each, summing to Frames.
	var bounds []int
	for at := 0; at < s.Frames; {
		rem := s.Frames - at
		n := rem
		if rem > segMax {
			n = segMin + r.IntN(min(segMax, rem-segMin)-segMin+1)
		}
		at += n
		bounds = append(bounds, at)
	}

	p := planner{r: r, f: f, bg: s.Background}
	for range 1 + r.IntN(2) {
		obj, ok := p.newObject()
		if !ok {
			return nil, fmt.Errorf("cannot place an object in a %dx%d frame", o.Width, o.Height)
		}
		p.view = append(p.view, obj)
	}
	start, prev := 0, ""
	for _, end := range bounds {
		seg := p.next(prev)
		seg.StartFrame, seg.EndFrame = start, end
		seg.Start, seg.End = round6(float64(start)/o.FPS), round6(float64(end)/o.FPS)
		s.Segments = append(s.Segments, seg)
		start, prev = end, seg.Label
	}
	return s, nil
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// planner holds the objects in view while a video is planned.
type planner struct {
	r    *rand.Rand
	f    frame
	bg   Background
	view []VideoObject
	ids  int
}

// newObject draws an object that differs in colour or shape from those in
// view and places it apart from them.
func (p *planner) newObject() (VideoObject, bool) {
	for range 30 {
		o := randomObject(p.r, p.f, p.bg, 0, 0)
		if slices.ContainsFunc(p.view, func(v VideoObject) bool { return v.Colour == o.Colour && v.Shape == o.Shape }) {
			continue
		}
		o = place(o, randomCentre(p.r, p.f, o))
		if slices.ContainsFunc(p.view, func(v VideoObject) bool { return !p.f.apart(v.Box, o.Box) }) {
			continue
		}
		p.ids++
		return VideoObject{ID: p.ids, Object: o}, true
	}
	return VideoObject{}, false
}

type move struct {
	i        int // index in view
	dir      Direction
	min, max float64
}

// moves lists every move that keeps the margins and would not repeat prev.
func (p *planner) moves(prev string) []move {
	var out []move
	for i, o := range p.view {
		for _, d := range allDirections {
			if labelOf(Move, o.Object, d) == prev {
				continue
			}
			extent := float64(p.f.w)
			if d == DirUp || d == DirDown {
				extent = float64(p.f.h)
			}
			lo := max(0.21*extent, 0.2*extent+2*slack)
			hi := min(p.room(i, d), 0.6*extent)
			if hi >= lo {
				out = append(out, move{i, d, lo, hi})
			}
		}
	}
	return out
}

// room is how far object i can travel in direction d keeping its box inside
// the border and apart from every other object all along the way.
func (p *planner) room(i int, d Direction) float64 {
	o, f, g := p.view[i].Box, p.f, p.f.gap
	var lim float64
	switch d {
	case DirLeft:
		lim = o.X0 - f.border
	case DirRight:
		lim = float64(f.w) - f.border - o.X1
	case DirUp:
		lim = o.Y0 - f.border
	case DirDown:
		lim = float64(f.h) - f.border - o.Y1
	}
	for j, v := range p.view {
		q := v.Box
		if j == i {
			continue
		}
		rows := o.Y0 < q.Y1+g && q.Y0 < o.Y1+g // q shares rows with o's path
		cols := o.X0 < q.X1+g && q.X0 < o.X1+g
		switch {
		case d == DirLeft && rows && q.X1 <= o.X0:
			lim = min(lim, o.X0-q.X1-g)
		case d == DirRight && rows && q.X0 >= o.X1:
			lim = min(lim, q.X0-o.X1-g)
		case d == DirUp && cols && q.Y1 <= o.Y0:
			lim = min(lim, o.Y0-q.Y1-g)
		case d == DirDown && cols && q.Y0 >= o.Y1:
			lim = min(lim, q.Y0-o.Y1-g)
		}
	}
	return lim
}

// next chooses the next segment's event, never repeating the label prev, and
// updates the objects in view.
func (p *planner) next(prev string) Segment {
	moves := p.moves(prev)
	newObj, canAppear := VideoObject{}, false
	if len(p.view) < 2 {
		newObj, canAppear = p.newObject()
	}
	w := eventWeights[len(p.view)]
	if len(moves) == 0 {
		w[Move] = 0
	}
	if !canAppear {
		w[Appear] = 0
	}
	if prev == NothingMoves {
		w[Still] = 0
	}
	ev := Event(pick(p.r, w[:]))
	seg := Segment{Event: ev, Object: -1, Before: slices.Clone(p.view)}
	switch ev {
	case Move:
		m := moves[p.r.IntN(len(moves))]
		d := uniform(p.r, m.min, m.max)
		o := p.view[m.i]
		c := o.Centre
		switch m.dir {
		case DirLeft:
			c.X -= d
		case DirRight:
			c.X += d
		case DirUp:
			c.Y -= d
		case DirDown:
			c.Y += d
		}
		p.view[m.i].Object = place(o.Object, c)
		seg.Object, seg.Direction, seg.Label = o.ID, m.dir, labelOf(Move, o.Object, m.dir)
	case Appear:
		p.view = append(p.view, newObj)
		seg.Object, seg.Label = newObj.ID, labelOf(Appear, newObj.Object, 0)
	case Disappear:
		i := p.r.IntN(len(p.view))
		o := p.view[i]
		p.view = slices.Delete(p.view, i, i+1)
		seg.Object, seg.Label = o.ID, labelOf(Disappear, o.Object, 0)
	case Still:
		seg.Label = NothingMoves
	}
	seg.After = slices.Clone(p.view)
	return seg
}

// pick draws an index with probability proportional to its weight.
func pick(r *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	if sum <= 0 {
		panic("world: no event possible")
	}
	x := r.Float64() * sum
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	for i := len(w) - 1; ; i-- {
		if w[i] > 0 {
			return i
		}
	}
}

func labelOf(ev Event, o Object, d Direction) string {
	if ev == Still {
		return NothingMoves
	}
	return Label{Event: ev, Colour: o.Colour, Shape: o.Shape, Direction: d}.String()
}

// sceneAt returns the objects to draw in frame f, each with its centre and
// scale.
func (s *VideoScript) sceneAt(f int, out []drawn) []drawn {
	out = out[:0]
	i, _ := slices.BinarySearchFunc(s.Segments, f, func(seg Segment, f int) int {
		switch {
		case seg.EndFrame <= f:
			return -1
		case seg.StartFrame > f:
			return 1
		}
		return 0
	})
	seg := s.Segments[i]
	t := float64(f-seg.StartFrame) / float64(seg.EndFrame-seg.StartFrame)
	for _, b := range seg.Before {
		d := drawn{b.Object, b.Centre, 1}
		if b.ID == seg.Object {
			switch seg.Event {
			case Disappear:
				d.scale = 1 - t
			case Move:
				a := seg.After[slices.IndexFunc(seg.After, func(v VideoObject) bool { return v.ID == b.ID })]
				d.centre = Point{b.Centre.X + t*(a.Centre.X-b.Centre.X), b.Centre.Y + t*(a.Centre.Y-b.Centre.Y)}
			}
		}
		out = append(out, d)
	}
	if seg.Event == Appear {
		a := seg.After[slices.IndexFunc(seg.After, func(v VideoObject) bool { return v.ID == seg.Object })]
		out = append(out, drawn{a.Object, a.Centre, t})
	}
	return out
}

type drawn struct {
	o      Object
	centre Point
	scale  float64
}

// Render draws every frame in order and hands it to yield as packed RGB,
// (Height, Width, 3); the slice is reused from frame to frame. It stops at
// the first error of yield or when ctx is done.
func (s *VideoScript) Render(ctx context.Context, yield func(frame int, pix []byte) error) error {
	c := newCanvas(s.Width, s.Height, s.bg, s.AntiAliased)
	defer c.Close()
	var buf []byte
	var objs []drawn
	for f := range s.Frames {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("world: %w", err)
		}
		c.clear()
		objs = s.sceneAt(f, objs)
		for _, d := range objs {
			c.draw(d.o, d.centre, d.scale)
		}
		buf = c.pixels(buf)
		if err := yield(f, buf); err != nil {
			return err
		}
	}
	return nil
}
