package objects

import (
	"context"
	"math"
	"math/rand/v2"
)

// The generator of scenes and tracks in the detector's own space: a true
// scene (objects of the 80 COCO classes that go together, with boxes drawn
// from the sizes and places measured on real media, CALIBRATION.md) and
// what the detector would report for it (noise.go). Every draw depends only
// on (seed, index): Photo(i) and Video(i) are the same whatever else was
// drawn before.

// Setting is a kind of scene: the classes it shows (weighted), how many
// objects, and their box areas (log-uniform in [AreaMin, AreaMax]).
type Setting struct {
	Name             string
	Weight           float64 // how often it is drawn
	Classes          []Weighted
	MinObjects       int
	MaxObjects       int
	AreaMin, AreaMax float64
	Groups           float64 // chance that a drawn class comes 2-4 times (people in a street)
}

// DefaultSettings are hand-made groups of classes that go together. Areas
// follow CALIBRATION.md: people in the street 0.001-0.03 of the frame
// (vtest.avi), objects in photos 0.0005-0.6.
func DefaultSettings() []Setting {
	return []Setting{
		{Name: "street", Weight: 3, MinObjects: 1, MaxObjects: 8, AreaMin: 0.001, AreaMax: 0.05, Groups: 0.5, Classes: []Weighted{
			{"person", 8}, {"car", 3}, {"bicycle", 1}, {"motorcycle", 1}, {"bus", 0.7}, {"truck", 1}, {"traffic light", 1},
			{"stop sign", 0.3}, {"fire hydrant", 0.3}, {"bench", 0.4}, {"handbag", 0.4}, {"backpack", 0.4}, {"umbrella", 0.3}, {"dog", 0.4}, {"parking meter", 0.2}}},
		{Name: "kitchen", Weight: 1, MinObjects: 1, MaxObjects: 7, AreaMin: 0.003, AreaMax: 0.3, Groups: 0.2, Classes: []Weighted{
			{"cup", 2}, {"bowl", 2}, {"bottle", 2}, {"knife", 1}, {"spoon", 1}, {"fork", 1}, {"oven", 0.7}, {"microwave", 0.5}, {"refrigerator", 0.5},
			{"sink", 0.7}, {"dining table", 1}, {"wine glass", 0.7}, {"banana", 0.5}, {"apple", 0.5}, {"orange", 0.5}, {"sandwich", 0.3}, {"pizza", 0.3},
			{"cake", 0.3}, {"broccoli", 0.3}, {"carrot", 0.3}, {"donut", 0.2}, {"hot dog", 0.2}, {"toaster", 0.1}, {"person", 1}}},
		{Name: "living room", Weight: 1, MinObjects: 1, MaxObjects: 6, AreaMin: 0.005, AreaMax: 0.4, Groups: 0.15, Classes: []Weighted{
			{"couch", 2}, {"chair", 2}, {"tv", 1.5}, {"potted plant", 1}, {"book", 1}, {"clock", 0.7}, {"vase", 0.7}, {"remote", 0.7},
			{"person", 2}, {"cat", 1}, {"dog", 1}, {"bed", 0.5}, {"teddy bear", 0.3}, {"dining table", 0.5}}},
		{Name: "field", Weight: 1.5, MinObjects: 1, MaxObjects: 7, AreaMin: 0.003, AreaMax: 0.5, Groups: 0.5, Classes: []Weighted{
			{"horse", 2}, {"cow", 2}, {"sheep", 2}, {"dog", 1}, {"bird", 1.5}, {"person", 1.5}, {"elephant", 0.7}, {"zebra", 0.7}, {"giraffe", 0.7}, {"bear", 0.3}}},
		{Name: "beach and sport", Weight: 1, MinObjects: 1, MaxObjects: 8, AreaMin: 0.0005, AreaMax: 0.3, Groups: 0.5, Classes: []Weighted{
			{"person", 6}, {"kite", 1.5}, {"surfboard", 1}, {"sports ball", 1.5}, {"frisbee", 0.7}, {"tennis racket", 0.7}, {"baseball bat", 0.5},
			{"baseball glove", 0.5}, {"skateboard", 0.7}, {"skis", 0.5}, {"snowboard", 0.5}, {"umbrella", 0.7}, {"boat", 0.7}, {"dog", 0.3}}},
		{Name: "desk", Weight: 0.7, MinObjects: 1, MaxObjects: 6, AreaMin: 0.003, AreaMax: 0.3, Groups: 0.1, Classes: []Weighted{
			{"laptop", 2}, {"keyboard", 1.5}, {"mouse", 1.5}, {"tv", 1}, {"cup", 1}, {"book", 1}, {"cell phone", 1}, {"chair", 1}, {"person", 1.5}, {"scissors", 0.3}, {"bottle", 0.5}}},
		{Name: "single", Weight: 1.5, MinObjects: 1, MaxObjects: 2, AreaMin: 0.05, AreaMax: 0.7, Groups: 0.1, Classes: []Weighted{
			{"person", 3}, {"dog", 1.5}, {"cat", 1.5}, {"bird", 1.5}, {"car", 1}, {"motorcycle", 0.7}, {"bicycle", 0.7}, {"airplane", 0.7}, {"train", 0.5},
			{"boat", 0.5}, {"horse", 0.7}, {"elephant", 0.5}, {"bear", 0.5}, {"giraffe", 0.5}, {"zebra", 0.5}, {"apple", 0.5}, {"orange", 0.5}, {"cup", 0.5}, {"teddy bear", 0.3}}},
	}
}

// cocoClasses are the detector's 80 class names, for the rare objects
// that come from anywhere.
var cocoClasses = [...]string{
	"person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
	"fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
	"elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
	"skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
	"wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
	"broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
	"dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
	"toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
}

// classAspect is a class's typical box height over width (1 when absent).
var classAspect = map[string]float64{
	"person": 2.5, "bicycle": 0.7, "car": 0.6, "motorcycle": 0.8, "airplane": 0.4, "bus": 0.7, "train": 0.5, "truck": 0.7,
	"boat": 0.6, "traffic light": 2.2, "fire hydrant": 1.6, "stop sign": 1, "parking meter": 2.5, "bench": 0.5, "bird": 1,
	"cat": 0.9, "dog": 1, "horse": 0.9, "sheep": 0.8, "cow": 0.8, "elephant": 0.9, "bear": 1, "zebra": 0.9, "giraffe": 1.6,
	"backpack": 1.3, "umbrella": 0.7, "handbag": 1, "tie": 3, "suitcase": 1.2, "skis": 0.3, "snowboard": 0.4, "kite": 1,
	"surfboard": 0.4, "bottle": 2.5, "wine glass": 2, "cup": 1.1, "fork": 3, "knife": 3, "spoon": 3, "bowl": 0.6,
	"banana": 0.6, "chair": 1.4, "couch": 0.6, "potted plant": 1.3, "bed": 0.6, "dining table": 0.6, "toilet": 1.3,
	"tv": 0.7, "laptop": 0.8, "keyboard": 0.3, "refrigerator": 1.8, "oven": 1, "book": 1.4, "clock": 1, "vase": 1.5,
	"teddy bear": 1.2, "scissors": 1.5,
}

// SynthOptions configure a Generator; zero fields take defaults.
type SynthOptions struct {
	Settings   []Setting // DefaultSettings()
	MaxObjects int       // at most this many objects in a scene (8)
	EmptyRate  float64   // share of scenes with nothing (0.05)
	RareRate   float64   // chance that an object is of any of the 80 classes (0.03)
	// Videos: StepsPerSecond (2), MinSeconds and MaxSeconds (4, 20).
	StepsPerSecond         float64
	MinSeconds, MaxSeconds float64
	// Per step of a video: an object enters with probability EnterRate
	// (0.06), one leaves in place with LeaveRate (0.02); a still object
	// starts to move, or a moving one stops or turns, with ChangeRate (0.08).
	EnterRate, LeaveRate, ChangeRate float64
	// Speeds of moving objects, in frame widths a step (0.01, 0.02, 0.04).
	Speeds []float64
	// Noise is the detector model (DefaultNoise()); set NoNoise for the
	// true scenes back as detections.
	Noise   Noise
	NoNoise bool
}

func (o SynthOptions) withDefaults() SynthOptions {
	if o.Settings == nil {
		o.Settings = DefaultSettings()
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if o.MaxObjects == 0 {
		o.MaxObjects = 8
	}
	def(&o.EmptyRate, 0.05)
	def(&o.RareRate, 0.03)
	def(&o.StepsPerSecond, 2)
	def(&o.MinSeconds, 4)
	def(&o.MaxSeconds, 20)
	def(&o.EnterRate, 0.06)
	def(&o.LeaveRate, 0.02)
	def(&o.ChangeRate, 0.08)
	if o.Speeds == nil {
		o.Speeds = []float64{0.01, 0.02, 0.04}
	}
	if o.NoNoise {
		o.Noise = Noise{}
	} else if o.Noise.FPClasses == nil && o.Noise.TrueScore[0].Weights == nil && o.Noise.MinScore == 0 {
		o.Noise = DefaultNoise()
	}
	return o
}

// Generator draws photos and videos deterministically per (seed, index).
// It holds no mutable state and is safe for concurrent use.
type Generator struct {
	seed uint64
	opts SynthOptions
}

// NewGenerator returns a generator for seed.
func NewGenerator(seed uint64, opts SynthOptions) *Generator {
	return &Generator{seed: seed, opts: opts.withDefaults()}
}

// Options returns the generator's options with defaults filled in.
func (g *Generator) Options() SynthOptions { return g.opts }

// rng is the random source of draw kind k (0 photo, 1 video) number i.
func (g *Generator) rng(kind uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, uint64(i)<<1|kind))
}

// Photo is a generated photo: its setting, what it truly shows, and what
// the detector reports for it.
type Photo struct {
	Setting string
	Truth   Scene
	Dets    []Detection
}

// Photo returns photo number i.
func (g *Generator) Photo(i int) Photo {
	r := g.rng(0, i)
	set, s := g.scene(r)
	return Photo{Setting: set.Name, Truth: s, Dets: g.opts.Noise.Photo(r, s)}
}

// scene draws a setting and a true scene in it.
func (g *Generator) scene(r *rand.Rand) (Setting, Scene) {
	set := g.setting(r)
	var s Scene
	if r.Float64() < g.opts.EmptyRate {
		return set, s
	}
	n := set.MinObjects + r.IntN(max(min(set.MaxObjects, g.opts.MaxObjects)-set.MinObjects+1, 1))
	for len(s.Objects) < n {
		c := g.class(r, set)
		k := 1
		if r.Float64() < set.Groups {
			k = 2 + r.IntN(3)
		}
		for range min(k, n-len(s.Objects)) {
			s.Objects = append(s.Objects, Object{Class: c, Box: g.box(r, set, c)})
		}
	}
	return set, s
}

func (g *Generator) setting(r *rand.Rand) Setting {
	w := make([]float64, len(g.opts.Settings))
	for i, s := range g.opts.Settings {
		w[i] = s.Weight
	}
	return g.opts.Settings[pick(r, w)]
}

func (g *Generator) class(r *rand.Rand, set Setting) string {
	if r.Float64() < g.opts.RareRate || len(set.Classes) == 0 {
		return cocoClasses[r.IntN(len(cocoClasses))]
	}
	return pickClass(r, set.Classes)
}

// box draws a box for class in set: area log-uniform, the class's aspect
// times a log-normal factor, centre anywhere that keeps it in the frame
// (y a little towards the middle, as in CALIBRATION.md's photos).
func (g *Generator) box(r *rand.Rand, set Setting, class string) Box {
	lo, hi := max(set.AreaMin, 1e-4), max(set.AreaMax, set.AreaMin, 1e-4)
	a := math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo)))
	asp := classAspect[class]
	if asp == 0 {
		asp = 1
	}
	asp *= math.Exp(r.NormFloat64() * 0.25)
	w, h := math.Sqrt(a/asp), math.Sqrt(a*asp)
	w, h = min(w, 1), min(h, 1)
	x := r.Float64() * (1 - w)
	y := (r.Float64() + r.Float64()) / 2 * (1 - h)
	return Box{x, y, x + w, y + h}
}

// Kinds of a StepEvent, and the directions of a move in image terms (the
// words of docs/OBJECTS.md's labels).
const (
	evAppear    = "appear"
	evDisappear = "disappear"
	evMove      = "move"
	dirLeft     = "left"
	dirRight    = "right"
	dirUp       = "up"
	dirDown     = "down"
)

// StepEvent is what truly happens to one object at a step: Kind "appear",
// "disappear" or "move", with Dir "left", "right", "up" or "down" for a
// move. An object that stays still has none.
type StepEvent struct {
	Kind  string
	ID    int
	Class string
	Dir   string
}

// Step is one sampled step of a video: its time (the middle of the step,
// (k+0.5)/StepsPerSecond seconds), the true scene with the
// track id of each object (IDs[i] is that of Truth.Objects[i]), the true
// events, and what the detector reports.
type Step struct {
	Time   float64
	Truth  Scene
	IDs    []int
	Events []StepEvent
	Dets   []Detection
}

// TrueTrack is one object's stay in view: its id, class, and its true box
// at every step from Start on (Boxes[i] at step Start+i), the shape of the
// label derivation's tracks (label.go's ObjectTrack).
type TrueTrack struct {
	ID    int
	Class string
	Start int
	Boxes []Box
}

// End is the first step after the track.
func (t TrueTrack) End() int { return t.Start + len(t.Boxes) }

// Video is a generated video: its setting, steps and the true tracks.
type Video struct {
	Setting string
	Steps   []Step
	Tracks  []TrueTrack
}

// mover is an object of a video being generated.
type mover struct {
	id     int
	class  string
	box    Box     // may reach out of the frame
	vx, vy float64 // frame units a step
}

// Video returns video number i, or ctx's error if ctx ends first.
func (g *Generator) Video(ctx context.Context, i int) (Video, error) {
	r := g.rng(1, i)
	o := &g.opts
	set, s := g.scene(r)
	v := Video{Setting: set.Name}
	steps := int(math.Round((o.MinSeconds + r.Float64()*(o.MaxSeconds-o.MinSeconds)) * o.StepsPerSecond))
	var live []*mover
	nextID := 0
	add := func(ob Object) *mover {
		m := &mover{id: nextID, class: ob.Class, box: ob.Box}
		nextID++
		if r.Float64() < 0.5 {
			g.setMotion(r, m)
		}
		live = append(live, m)
		v.Tracks = append(v.Tracks, TrueTrack{ID: m.id, Class: m.class})
		return m
	}
	for _, ob := range s.Objects {
		add(ob)
	}
	noise := o.Noise.Video(r)
	for t := range steps {
		if err := ctx.Err(); err != nil {
			return Video{}, err
		}
		var ev []StepEvent
		if t > 0 {
			// Move, then leave (out of the frame or in place), then enter.
			var keep []*mover
			for _, m := range live {
				if r.Float64() < o.ChangeRate {
					g.setMotion(r, m)
				}
				m.box = Box{m.box.X0 + m.vx, m.box.Y0 + m.vy, m.box.X1 + m.vx, m.box.Y1 + m.vy}
				cx, cy := boxCenter(m.box)
				if cx < 0 || cx > 1 || cy < 0 || cy > 1 || r.Float64() < o.LeaveRate {
					ev = append(ev, StepEvent{Kind: evDisappear, ID: m.id, Class: m.class})
					continue
				}
				if d := moveDir(m); d != "" {
					ev = append(ev, StepEvent{Kind: evMove, ID: m.id, Class: m.class, Dir: d})
				}
				keep = append(keep, m)
			}
			live = keep
			if len(live) < o.MaxObjects && r.Float64() < o.EnterRate {
				c := g.class(r, set)
				m := add(Object{Class: c, Box: g.box(r, set, c)})
				v.Tracks[len(v.Tracks)-1].Start = t
				if r.Float64() < 0.5 {
					g.enterFromEdge(r, m)
				}
				ev = append(ev, StepEvent{Kind: evAppear, ID: m.id, Class: m.class})
			}
		} else {
			for _, m := range live {
				ev = append(ev, StepEvent{Kind: evAppear, ID: m.id, Class: m.class})
			}
		}
		st := Step{Time: (float64(t) + 0.5) / o.StepsPerSecond, Events: ev}
		for _, m := range live {
			st.Truth.Objects = append(st.Truth.Objects, Object{Class: m.class, Box: clipBox(m.box)})
			st.IDs = append(st.IDs, m.id)
			v.Tracks[m.id].Boxes = append(v.Tracks[m.id].Boxes, clipBox(m.box))
		}
		st.Dets = noise.Step(st.Truth, st.IDs)
		v.Steps = append(v.Steps, st)
	}
	return v, nil
}

// setMotion makes m still, or move in one of the four directions (left and
// right more often) at one of the speeds.
func (g *Generator) setMotion(r *rand.Rand, m *mover) {
	m.vx, m.vy = 0, 0
	if r.Float64() < 0.4 {
		return
	}
	sp := g.opts.Speeds[r.IntN(len(g.opts.Speeds))]
	switch u := r.Float64(); {
	case u < 0.35:
		m.vx = -sp
	case u < 0.7:
		m.vx = sp
	case u < 0.85:
		m.vy = -sp
	default:
		m.vy = sp
	}
}

// enterFromEdge puts m just inside the left or right edge, moving inwards.
func (g *Generator) enterFromEdge(r *rand.Rand, m *mover) {
	w := boxW(m.box)
	sp := g.opts.Speeds[r.IntN(len(g.opts.Speeds))]
	m.vy = 0
	if r.Float64() < 0.5 {
		m.box.X0, m.box.X1, m.vx = 0, w, sp
	} else {
		m.box.X0, m.box.X1, m.vx = 1-w, 1, -sp
	}
}

func moveDir(m *mover) string {
	switch {
	case m.vx < 0:
		return dirLeft
	case m.vx > 0:
		return dirRight
	case m.vy < 0:
		return dirUp
	case m.vy > 0:
		return dirDown
	}
	return ""
}
