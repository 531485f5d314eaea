package world

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/asticode/go-astisub"
)

// TestVideoPlans checks many planned videos against WORLD.md without drawing
// them: segment lengths and labels, objects in view, margins (also along the
// path of every move), and the mix of events.
func TestVideoPlans(t *testing.T) {
	o := VideoOptions{}
	const n = 300
	events := map[Event]int{}
	empty := 0
	for i := range n {
		s, err := PlanVideo(11, i, o)
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, s)
		for _, seg := range s.Segments {
			events[seg.Event]++
			if seg.Event == Still && len(seg.Before) == 0 {
				empty++
			}
		}
	}
	total := events[Move] + events[Appear] + events[Disappear] + events[Still]
	t.Logf("%d segments: move %d, appear %d, disappear %d, still %d (%d with nothing in view)",
		total, events[Move], events[Appear], events[Disappear], events[Still], empty)
	if f := float64(events[Move]) / float64(total); f < 0.3 {
		t.Errorf("moves are %.2f of the segments", f)
	}
	for _, e := range []Event{Appear, Disappear, Still} {
		if f := float64(events[e]) / float64(total); f < 0.08 || f > 0.35 {
			t.Errorf("%v is %.2f of the segments", e, f)
		}
	}
	if empty == 0 {
		t.Error("never a still segment with nothing in view")
	}
}

func checkPlan(t *testing.T, s *VideoScript) {
	t.Helper()
	f := newFrame(s.Width, s.Height)
	border, gap := 0.02*float64(max(s.Width, s.Height)), 0.02*float64(min(s.Width, s.Height))
	if s.Duration < 4 || s.Duration > 20 || s.Frames != int(math.Round(s.Duration*s.FPS)) {
		t.Fatalf("duration %g s, %d frames", s.Duration, s.Frames)
	}
	if n := len(s.Segments[0].Before); n < 1 || n > 2 {
		t.Fatalf("starts with %d objects in view", n)
	}
	end := 0
	for k, seg := range s.Segments {
		where := sprintf("segment %d (%q)", k, seg.Label)
		if seg.StartFrame != end || seg.EndFrame <= seg.StartFrame {
			t.Fatalf("%s: frames [%d, %d) after %d", where, seg.StartFrame, seg.EndFrame, end)
		}
		end = seg.EndFrame
		if n := seg.EndFrame - seg.StartFrame; float64(n) < s.FPS || float64(n) > 4*s.FPS {
			t.Fatalf("%s: %d frames at %g fps", where, n, s.FPS)
		}
		if seg.Start != round6(float64(seg.StartFrame)/s.FPS) || seg.End != round6(float64(seg.EndFrame)/s.FPS) {
			t.Fatalf("%s: times %g..%g not on frames", where, seg.Start, seg.End)
		}
		l, err := ParseLabel(seg.Label)
		if err != nil || l.Event != seg.Event || l.Direction != seg.Direction {
			t.Fatalf("%s: label %+v, %v; event %v", where, l, err, seg.Event)
		}
		if k > 0 {
			if s.Segments[k-1].Label == seg.Label {
				t.Fatalf("%s: same label as the segment before", where)
			}
			if !sameObjects(s.Segments[k-1].After, seg.Before) {
				t.Fatalf("%s: objects at its start are not those at the end of the previous segment", where)
			}
		}
		for _, view := range [][]VideoObject{seg.Before, seg.After} {
			if len(view) > 2 {
				t.Fatalf("%s: %d objects in view", where, len(view))
			}
			for a := range view {
				b := view[a].Box
				if b.X0 < border || b.Y0 < border || b.X1 > float64(s.Width)-border || b.Y1 > float64(s.Height)-border {
					t.Fatalf("%s: box %+v within %g of the border", where, b, border)
				}
				for c := a + 1; c < len(view); c++ {
					if view[a].Box.Grow(gap).Overlaps(view[c].Box) {
						t.Fatalf("%s: boxes %+v and %+v closer than %g", where, view[a].Box, view[c].Box, gap)
					}
					if view[a].Colour == view[c].Colour && view[a].Shape == view[c].Shape {
						t.Fatalf("%s: two %v %v in view", where, view[a].Colour, view[a].Shape)
					}
				}
			}
		}
		in := func(view []VideoObject) *VideoObject {
			if i := slices.IndexFunc(view, func(v VideoObject) bool { return v.ID == seg.Object }); i >= 0 {
				return &view[i]
			}
			return nil
		}
		before, after := in(seg.Before), in(seg.After)
		switch seg.Event {
		case Still:
			if seg.Object != -1 || !sameObjects(seg.Before, seg.After) {
				t.Fatalf("%s: something changes", where)
			}
		case Appear:
			if before != nil || after == nil || len(seg.After) != len(seg.Before)+1 {
				t.Fatalf("%s: object %d not new", where, seg.Object)
			}
		case Disappear:
			if before == nil || after != nil || len(seg.After) != len(seg.Before)-1 {
				t.Fatalf("%s: object %d does not go", where, seg.Object)
			}
		case Move:
			if before == nil || after == nil {
				t.Fatalf("%s: object %d not in view", where, seg.Object)
			}
			dx, dy := after.Centre.X-before.Centre.X, after.Centre.Y-before.Centre.Y
			want := map[Direction][2]float64{DirLeft: {-1, 0}, DirRight: {1, 0}, DirUp: {0, -1}, DirDown: {0, 1}}[seg.Direction]
			dist := dx*want[0] + dy*want[1]
			extent := float64(s.Width)
			if want[0] == 0 {
				extent = float64(s.Height)
			}
			if dist < 0.2*extent || math.Abs(dx*want[1])+math.Abs(dy*want[0]) > 1e-9 {
				t.Fatalf("%s: moves by (%g, %g)", where, dx, dy)
			}
			swept := before.Box.Union(after.Box)
			for _, v := range seg.Before {
				if v.ID != seg.Object && v.Box.Grow(gap).Overlaps(swept) {
					t.Fatalf("%s: path %+v comes within %g of %+v", where, swept, gap, v.Box)
				}
			}
			if !f.inside(after.Box) {
				t.Fatalf("%s: ends outside the margins", where)
			}
		}
		if seg.Event != Still {
			o := before
			if o == nil {
				o = after
			}
			if l.Colour != o.Colour || l.Shape != o.Shape {
				t.Fatalf("%s: names %v %v, object is %v %v", where, l.Colour, l.Shape, o.Colour, o.Shape)
			}
		}
	}
	if end != s.Frames {
		t.Fatalf("segments end at frame %d of %d", end, s.Frames)
	}
}

func sameObjects(a, b []VideoObject) bool {
	return slices.EqualFunc(a, b, func(x, y VideoObject) bool { return x.ID == y.ID && x.Object == y.Object })
}

// decode reads every frame of a video with a plain ffmpeg run.
func decode(t *testing.T, path string, w, h int) [][]byte {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg %s: %v", path, err)
	}
	n := w * h * 3
	if len(out)%n != 0 {
		t.Fatalf("%s: %d bytes of frames of %d", path, len(out), n)
	}
	var frames [][]byte
	for i := 0; i < len(out); i += n {
		frames = append(frames, out[i:i+n])
	}
	return frames
}

// colourMask returns the centroid and count of pixels within 45 of c, outside
// the given boxes.
func colourMask(pix []byte, w, h int, c RGB, skip []Box) (Point, int) {
	var sx, sy float64
	n := 0
	for y := range h {
		for x := range w {
			p := Point{float64(x) + 0.5, float64(y) + 0.5}
			if slices.ContainsFunc(skip, func(b Box) bool { return p.X >= b.X0 && p.X < b.X1 && p.Y >= b.Y0 && p.Y < b.Y1 }) {
				continue
			}
			if dist2(pix[(y*w+x)*3:], [3]float64{float64(c[0]), float64(c[1]), float64(c[2])}) < 45*45 {
				sx, sy, n = sx+p.X, sy+p.Y, n+1
			}
		}
	}
	if n == 0 {
		return Point{}, 0
	}
	return Point{sx / float64(n), sy / float64(n)}, n
}

// TestVideosFromPixels generates a few short videos and checks their files:
// the decoded frames show what the segments say, and the subtitle tracks
// read back equal the segments.
func TestVideosFromPixels(t *testing.T) {
	dir := t.TempDir()
	o := VideoOptions{N: 3, Seed: 10, Out: dir, MaxDuration: 8 * time.Second}
	start := time.Now()
	if err := GenerateVideos(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	t.Logf("3 videos in %v", time.Since(start))
	var info SynthInfo
	data, _ := os.ReadFile(filepath.Join(dir, "synth.json"))
	if err := json.Unmarshal(data, &info); err != nil || info.Kind != "videos" || info.N != 3 || info.FPS != 25 || info.MaxDuration != 8 {
		t.Fatalf("synth.json %s: %v", data, err)
	}
	seen := map[Event]int{}
	for i := range o.N {
		base := filepath.Join(dir, sprintf("%04d", i))
		s, err := PlanVideo(o.Seed, i, o)
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, s)

		// The JSON beside the video is the plan.
		rec, err := ReadVideoRecord(base + ".json")
		if err != nil || rec.File != filepath.Base(base)+".mp4" {
			t.Fatalf("%s.json: %v", base, err)
		}
		want, _ := json.Marshal(VideoRecord{File: rec.File, VideoScript: s})
		got, _ := json.Marshal(rec)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s.json differs from the plan", base)
		}

		// Both subtitle tracks hold one touching cue per segment.
		for _, ext := range []string{".vtt", ".srt"} {
			subs, err := astisub.OpenFile(base + ext)
			if err != nil {
				t.Fatal(err)
			}
			if len(subs.Items) != len(s.Segments) {
				t.Fatalf("%s%s: %d cues for %d segments", base, ext, len(subs.Items), len(s.Segments))
			}
			for k, it := range subs.Items {
				seg := s.Segments[k]
				if it.StartAt != seg.StartTime() || it.EndAt != seg.EndTime() || it.String() != seg.Label {
					t.Errorf("%s%s cue %d: %v-%v %q, segment %v-%v %q", base, ext, k, it.StartAt, it.EndAt, it.String(), seg.StartTime(), seg.EndTime(), seg.Label)
				}
				if k > 0 && it.StartAt != subs.Items[k-1].EndAt {
					t.Errorf("%s%s cue %d does not touch the one before", base, ext, k)
				}
			}
			cues := make([]Cue, len(subs.Items))
			for k, it := range subs.Items {
				cues[k] = Cue{Start: it.StartAt, End: it.EndAt, Text: it.String()}
			}
			r := ScoreTrack(cues, s.Cues(), seconds(s.Duration))
			if r.StepAccuracy != 1 || r.F1 != 1 || r.TimeAccuracy != 1 || r.TrueBoundaries != len(s.Segments)-1 {
				t.Errorf("%s%s scored against its own segments: %+v", base, ext, r)
			}
			if last := subs.Items[len(subs.Items)-1]; last.EndAt != seconds(s.Duration) || subs.Items[0].StartAt != 0 {
				t.Errorf("%s%s: cues span %v..%v of %g s", base, ext, subs.Items[0].StartAt, last.EndAt, s.Duration)
			}
		}

		frames := decode(t, base+".mp4", s.Width, s.Height)
		if len(frames) != s.Frames {
			t.Fatalf("%s.mp4: %d frames, want %d", base, len(frames), s.Frames)
		}
		for k, seg := range s.Segments {
			checkSegmentPixels(t, sprintf("%s.mp4 segment %d (%q)", base, k, seg.Label), s, seg, frames)
			seen[seg.Event]++
		}
	}
	for _, e := range []Event{Move, Still, Appear, Disappear} {
		if seen[e] == 0 {
			t.Errorf("no %v segment among the test videos: choose another seed", e)
		}
	}
}

func checkSegmentPixels(t *testing.T, where string, s *VideoScript, seg Segment, frames [][]byte) {
	t.Helper()
	w, h := s.Width, s.Height
	first, last := frames[seg.StartFrame], frames[seg.EndFrame-1]
	n := float64(seg.EndFrame - seg.StartFrame)
	var obj VideoObject
	var others []Box
	for _, v := range append(slices.Clone(seg.Before), seg.After...) {
		if v.ID == seg.Object {
			obj = v
		} else {
			others = append(others, v.Box.Grow(3))
		}
	}
	switch seg.Event {
	case Still:
		var diff float64
		for i := range first {
			diff += math.Abs(float64(first[i]) - float64(last[i]))
		}
		if diff /= float64(len(first)); diff > 0.5 {
			t.Errorf("%s: first and last frames differ by %.2f on average", where, diff)
		}
	case Move:
		c0, n0 := colourMask(first, w, h, obj.RGB, others)
		c1, n1 := colourMask(last, w, h, obj.RGB, others)
		if n0 < 20 || n1 < 20 {
			t.Fatalf("%s: object not found (%d, %d pixels)", where, n0, n1)
		}
		dx, dy := (c1.X-c0.X)*n/(n-1), (c1.Y-c0.Y)*n/(n-1) // over the whole segment
		var along, across, extent float64
		switch seg.Direction {
		case DirLeft:
			along, across, extent = -dx, dy, float64(w)
		case DirRight:
			along, across, extent = dx, dy, float64(w)
		case DirUp:
			along, across, extent = -dy, dx, float64(h)
		case DirDown:
			along, across, extent = dy, dx, float64(h)
		}
		var before, after VideoObject
		for _, v := range seg.Before {
			if v.ID == seg.Object {
				before = v
			}
		}
		for _, v := range seg.After {
			if v.ID == seg.Object {
				after = v
			}
		}
		planned := math.Hypot(after.Centre.X-before.Centre.X, after.Centre.Y-before.Centre.Y)
		if along < 0.2*extent || math.Abs(along-planned) > 2 || math.Abs(across) > 1.5 {
			t.Errorf("%s: measured move (%.1f, %.1f) px, %.1f along (planned %.1f, at least %.1f)", where, dx, dy, along, planned, 0.2*extent)
		}
	case Appear, Disappear:
		region := []Box{obj.Box.Grow(2)}
		area := func(pix []byte) int {
			// Pixels of the object's colour inside its box, counted by
			// masking everything else out.
			var outside []Box
			full := Box{0, 0, float64(w), float64(h)}
			outside = append(outside, Box{full.X0, full.Y0, full.X1, region[0].Y0}, Box{full.X0, region[0].Y1, full.X1, full.Y1},
				Box{full.X0, full.Y0, region[0].X0, full.Y1}, Box{region[0].X1, full.Y0, full.X1, full.Y1})
			_, k := colourMask(pix, w, h, obj.RGB, outside)
			return k
		}
		a0, amid, a1 := area(first), area(frames[(seg.StartFrame+seg.EndFrame)/2]), area(last)
		if seg.Event == Disappear {
			a0, a1 = a1, a0
		}
		// Growing: nothing, then some, then nearly all.
		if a0 > 4 || amid <= a0 || amid >= a1 || float64(a1) < 0.3*obj.Box.W()*obj.Box.H() {
			t.Errorf("%s: object area %d, %d, %d pixels (box %.0f)", where, a0, amid, a1, obj.Box.W()*obj.Box.H())
		}
	}
}

func TestVideoRenderDeterministic(t *testing.T) {
	o := VideoOptions{Width: 160, Height: 120}
	hashes := make([]uint64, 2)
	for k := range hashes {
		s, err := PlanVideo(9, 2, o)
		if err != nil {
			t.Fatal(err)
		}
		hf := fnv.New64a()
		err = s.Render(context.Background(), func(_ int, pix []byte) error { hf.Write(pix); return nil })
		if err != nil {
			t.Fatal(err)
		}
		hashes[k] = hf.Sum64()
	}
	if hashes[0] != hashes[1] {
		t.Fatal("same plan, different frames")
	}
	s, _ := PlanVideo(9, 3, o)
	stop := errors.New("stop")
	frames := 0
	if err := s.Render(context.Background(), func(i int, _ []byte) error { frames++; return stop }); !errors.Is(err, stop) || frames != 1 {
		t.Fatalf("render after yield error: %v, %d frames", err, frames)
	}
}

func TestGenerateVideosCancel(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel while the first videos are being encoded.
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start := time.Now()
	err := GenerateVideos(ctx, VideoOptions{N: 4, Seed: 2, Out: filepath.Join(dir, "c"), MinDuration: 60 * time.Second, MaxDuration: 60 * time.Second})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want a cancellation", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelling took %v", d)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "c"))
	for _, e := range left {
		t.Errorf("left behind: %s", e.Name())
	}
	for _, o := range []VideoOptions{
		{N: 1, Out: dir, Width: 161, Height: 120},
		{N: 1, Out: dir, MinDuration: 2 * time.Second},
		{N: 1, Out: dir, MaxDuration: 61 * time.Second},
		{N: 1, Out: dir, MinDuration: 10 * time.Second, MaxDuration: 5 * time.Second},
		{N: 1, Out: ""},
	} {
		if err := GenerateVideos(context.Background(), o); err == nil || err.Error()[:7] != "world: " {
			t.Errorf("%+v: error %v", o, err)
		}
	}
}
