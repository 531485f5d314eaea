package objects_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"captioner/objects"
)

// realFrames turns the recorded detections and the hand labels into
// LabelledFrames: photos (a class is present when the labels count it;
// "maybe" classes count as false), and each video's steps.
func realFrames(t *testing.T) (photos []objects.LabelledFrame, videos map[string][]objects.LabelledFrame) {
	t.Helper()
	labels := readHandLabels(t)
	rec := readRecord(t)
	present := map[string]map[string]bool{}
	for _, p := range labels.Photos {
		m := map[string]bool{}
		for c, n := range p.Objects {
			if n > 0 {
				m[c] = true
			}
		}
		present[p.File] = m
	}
	for _, v := range labels.Videos {
		m := map[string]bool{}
		for c := range v.Objects {
			m[c] = true
		}
		present[v.File] = m
	}
	for _, p := range rec.Photos {
		if present[p.File] == nil {
			t.Fatalf("%s: no hand labels", p.File)
		}
		photos = append(photos, objects.LabelledFrame{Present: present[p.File], Dets: dets(p.Detections)})
	}
	videos = map[string][]objects.LabelledFrame{}
	for _, v := range rec.Videos {
		for _, f := range v.Frames {
			videos[v.File] = append(videos[v.File], objects.LabelledFrame{Time: f.Time, Present: present[v.File], Dets: dets(f.Detections)})
		}
	}
	return photos, videos
}

// span is one span of a video's hand labels with a person count range.
type span struct {
	start, end float64
	lo, hi     int
}

func personSpans(t *testing.T, file string) []span {
	t.Helper()
	var out []span
	for _, v := range readHandLabels(t).Videos {
		if v.File != file {
			continue
		}
		for _, raw := range v.Spans {
			var s struct {
				Start, End float64
				Person     string
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			lo, hi, _ := strings.Cut(s.Person, "-")
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: span %v: person %q is not a range", file, s.Start, s.Person)
			}
			out = append(out, span{s.Start, s.End, a, b})
		}
	}
	return out
}

// column is one set of frames measured for the tables.
type column struct {
	name   string
	frames objects.FrameStats
	tracks *objects.TrackStats // nil for photos
}

// writeFrameTables writes the per-frame tables of CALIBRATION.md.
func writeFrameTables(w io.Writer, cols []column) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	pick := func(f func(objects.FrameStats) objects.Histogram) []objects.Histogram {
		var hs []objects.Histogram
		for _, c := range cols {
			hs = append(hs, f(c.frames))
		}
		return hs
	}
	fmt.Fprintln(w, "\nScores of true detections (% of them):")
	objects.SideBySide(w, "score", names, pick(func(s objects.FrameStats) objects.Histogram { return s.True })...)
	fmt.Fprintln(w, "\nScores of false detections (% of them):")
	objects.SideBySide(w, "score", names, pick(func(s objects.FrameStats) objects.Histogram { return s.False })...)
	fmt.Fprintln(w, "\nFalse detections per frame (% of frames):")
	objects.SideBySide(w, "false per frame", names, pick(func(s objects.FrameStats) objects.Histogram { return s.FPsPerFrame })...)
	fmt.Fprintln(w, "\nDuplicate's score over the true detection's (% of duplicates):")
	objects.SideBySide(w, "ratio", names, pick(func(s objects.FrameStats) objects.Histogram { return s.DupScoreRatio })...)
	fmt.Fprintln(w, "\nBoxes of true detections: area (% of boxes):")
	objects.SideBySide(w, "area", names, pick(func(s objects.FrameStats) objects.Histogram { return s.Area })...)
	fmt.Fprintln(w, "\nheight / width:")
	objects.SideBySide(w, "aspect", names, pick(func(s objects.FrameStats) objects.Histogram { return s.Aspect })...)
	fmt.Fprintln(w, "\ncentre x:")
	objects.SideBySide(w, "x", names, pick(func(s objects.FrameStats) objects.Histogram { return s.CX })...)
	fmt.Fprintln(w, "\ncentre y:")
	objects.SideBySide(w, "y", names, pick(func(s objects.FrameStats) objects.Histogram { return s.CY })...)
	fmt.Fprintln(w, "\nMedian score of true detections by box area:")
	fmt.Fprintf(w, "| area | %s |\n|%s\n", strings.Join(names, " | "), strings.Repeat(" --- |", len(cols)+1))
	for b, l := range objects.NewHistogram(objects.AreaEdges...).Labels() {
		fmt.Fprintf(w, "| %s |", l)
		for _, c := range cols {
			h := c.frames.TrueByArea[b]
			fmt.Fprintf(w, " %s (n %d) |", histMedian(h), h.Total())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nSummary:")
	fmt.Fprintf(w, "| | %s |\n|%s\n", strings.Join(names, " | "), strings.Repeat(" --- |", len(cols)+1))
	row := func(label string, f func(c column) string) {
		fmt.Fprintf(w, "| %s |", label)
		for _, c := range cols {
			fmt.Fprintf(w, " %s |", f(c))
		}
		fmt.Fprintln(w)
	}
	row("frames", func(c column) string { return fmt.Sprint(c.frames.Frames) })
	row("true detections per frame", func(c column) string {
		return fmt.Sprintf("%.2f", float64(c.frames.True.Total())/float64(max(c.frames.Frames, 1)))
	})
	row("false detections per frame", func(c column) string { return fmt.Sprintf("%.2f", c.frames.FPRate()) })
	row("precision", func(c column) string { return fmt.Sprintf("%.3f", c.frames.Precision()) })
	row("false: same box / part / free", func(c column) string {
		return fmt.Sprintf("%d / %d / %d", c.frames.DupFP, c.frames.PartFP, c.frames.FreeFP)
	})
	row("true with a same-box duplicate", func(c column) string {
		return fmt.Sprintf("%.3f", float64(c.frames.TrueWithDup)/float64(max(c.frames.True.Total(), 1)))
	})
	row("true with a part-box false", func(c column) string {
		return fmt.Sprintf("%.3f", float64(c.frames.TrueWithPart)/float64(max(c.frames.True.Total(), 1)))
	})
	row("false classes", func(c column) string { return strings.Join(objects.TopCounts(c.frames.FPClasses, 8), ", ") })
	row("same-box confusions", func(c column) string { return strings.Join(objects.TopCounts(c.frames.Confusions, 8), ", ") })
	row("part-box classes", func(c column) string { return strings.Join(objects.TopCounts(c.frames.Parts, 6), ", ") })
}

// histMedian is the bin holding a histogram's median, "-" when empty.
func histMedian(h objects.Histogram) string {
	n := h.Total()
	if n == 0 {
		return "-"
	}
	acc := 0
	for i, c := range h.Counts {
		acc += c
		if 2*acc >= n {
			return h.Labels()[i]
		}
	}
	return "-"
}

// writeTrackTables writes the frame-to-frame table of CALIBRATION.md.
func writeTrackTables(w io.Writer, cols []column) {
	var names []string
	var ts []objects.TrackStats
	for _, c := range cols {
		if c.tracks != nil {
			names = append(names, c.name)
			ts = append(ts, *c.tracks)
		}
	}
	if len(ts) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFrame to frame (people tracked by IoU and centre distance):")
	fmt.Fprintf(w, "| | %s |\n|%s\n", strings.Join(names, " | "), strings.Repeat(" --- |", len(ts)+1))
	row := func(label string, f func(s objects.TrackStats) string) {
		fmt.Fprintf(w, "| %s |", label)
		for _, s := range ts {
			fmt.Fprintf(w, " %s |", f(s))
		}
		fmt.Fprintln(w)
	}
	q := func(xs []float64) string {
		return fmt.Sprintf("%.3f / %.3f / %.3f", objects.Quantile(xs, 0.5), objects.Quantile(xs, 0.9), objects.RobustSD(xs))
	}
	row("tracks (at least 4 detections)", func(s objects.TrackStats) string { return fmt.Sprint(s.Tracks) })
	row("miss rate (seen before and after, missed)", func(s objects.TrackStats) string {
		return fmt.Sprintf("%.3f (%d of %d)", s.MissRate(), s.Holes, s.Bridged)
	})
	row("gaps 1/2/3/4-5/6+ steps", func(s objects.TrackStats) string { return fmt.Sprint(s.Gaps.Counts) })
	row("centre x 2nd difference / box width: median, p90, robust sd", func(s objects.TrackStats) string { return q(s.JitterX) })
	row("centre y 2nd difference / box height", func(s objects.TrackStats) string { return q(s.JitterY) })
	row("change of log width per step", func(s objects.TrackStats) string { return q(s.SizeW) })
	row("change of log height per step", func(s objects.TrackStats) string { return q(s.SizeH) })
	row("abs change of centre x per step (frame units): median, p90, sd", func(s objects.TrackStats) string { return q(s.Speed) })
	row("abs change of score per step", func(s objects.TrackStats) string { return q(s.ScoreDelta) })
	row("people per step: mean, min, max", func(s objects.TrackStats) string {
		lo, hi, sum := 1<<30, 0, 0
		for _, n := range s.Counts {
			lo, hi, sum = min(lo, n), max(hi, n), sum+n
		}
		return fmt.Sprintf("%.2f, %d, %d", float64(sum)/float64(max(len(s.Counts), 1)), lo, hi)
	})
}

// TestCalibrationReal prints the statistics of CALIBRATION.md's real
// columns from testdata/realdetections.json at min scores 0.15 and 0.3.
func TestCalibrationReal(t *testing.T) {
	if !measuring() {
		t.Skip("set CAPTIONER_MEASURE=1 to print the calibration tables")
	}
	photos, videos := realFrames(t)
	var b strings.Builder
	for _, min := range []float64{0.15, 0.3} {
		fmt.Fprintf(&b, "\n### min score %.2f\n", min)
		vt := objects.MeasureTracks(videos["vtest.avi"], "person", min)
		cols := []column{
			{name: "photos", frames: objects.MeasureFrames(photos, min, "")},
			{name: "vtest.avi", frames: objects.MeasureFrames(videos["vtest.avi"], min, "person"), tracks: &vt},
			{name: "cockatoo.mp4", frames: objects.MeasureFrames(videos["cockatoo.mp4"], min, "bird")},
		}
		writeFrameTables(&b, cols)
		writeTrackTables(&b, cols)
		writeCounts(&b, videos["vtest.avi"], personSpans(t, "vtest.avi"), min)
	}
	t.Log(b.String())
}

// writeCounts compares people per step with the hand labels' ranges.
func writeCounts(w io.Writer, frames []objects.LabelledFrame, spans []span, min float64) {
	under, in, over := 0, 0, 0
	for _, f := range frames {
		n := 0
		for _, d := range f.Dets {
			if d.Class == "person" && d.Score >= min {
				n++
			}
		}
		for _, s := range spans {
			if f.Time >= s.start && f.Time < s.end {
				switch {
				case n < s.lo:
					under++
				case n > s.hi:
					over++
				default:
					in++
				}
				break
			}
		}
	}
	fmt.Fprintf(w, "\nPeople per step against the hand labels' ranges: under %d, within %d, over %d steps\n", under, in, over)
}

// generatedFrames draws n photos and videos (whose steps reach at least
// steps in all) from the default generator, as LabelledFrames: a class is
// present when the true scene has it.
func generatedFrames(t *testing.T, seed uint64, photos, steps int, setting string) (ph, vid []objects.LabelledFrame) {
	t.Helper()
	g := objects.NewGenerator(seed, objects.SynthOptions{})
	present := func(s objects.Scene) map[string]bool {
		m := map[string]bool{}
		for _, o := range s.Objects {
			m[o.Class] = true
		}
		return m
	}
	for i := range photos {
		p := g.Photo(i)
		ph = append(ph, objects.LabelledFrame{Present: present(p.Truth), Dets: p.Dets})
	}
	for i := 0; len(vid) < steps; i++ {
		v, err := g.Video(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		if setting != "" && v.Setting != setting {
			continue
		}
		for _, st := range v.Steps {
			vid = append(vid, objects.LabelledFrame{Time: st.Time, Present: present(st.Truth), Dets: st.Dets})
		}
	}
	return ph, vid
}

// TestCalibrationSideBySide prints the real statistics beside those of the
// generator's default draws (CALIBRATION.md's side-by-side tables): photos
// against generated photos, vtest.avi against generated street videos.
func TestCalibrationSideBySide(t *testing.T) {
	if !measuring() {
		t.Skip("set CAPTIONER_MEASURE=1 to print the calibration tables")
	}
	photos, videos := realFrames(t)
	gph, gvid := generatedFrames(t, 1, 2000, 5000, "street")
	var b strings.Builder
	for _, min := range []float64{0.15, 0.3} {
		fmt.Fprintf(&b, "\n### min score %.2f\n", min)
		rt := objects.MeasureTracks(videos["vtest.avi"], "person", min)
		gt := objects.MeasureTracks(gvid, "person", min)
		cols := []column{
			{name: "real photos", frames: objects.MeasureFrames(photos, min, "")},
			{name: "generated photos", frames: objects.MeasureFrames(gph, min, "")},
			{name: "vtest.avi", frames: objects.MeasureFrames(videos["vtest.avi"], min, "person"), tracks: &rt},
			{name: "generated street", frames: objects.MeasureFrames(gvid, min, "person"), tracks: &gt},
		}
		writeFrameTables(&b, cols)
		writeTrackTables(&b, cols)
	}
	t.Log(b.String())
}
