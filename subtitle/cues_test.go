package subtitle

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const ms = time.Millisecond

var names = []string{"nothing moves", "a red circle moves left", "a blue star appears", "", "a small purple triangle to the left of a large orange star and a very long tail of words"}

func labelText(l int) string { return names[l] }

func cueString(cs []Cue) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "[%v-%v %q] ", c.Start, c.End, strings.Join(c.Lines, "|"))
	}
	return b.String()
}

func TestBuildCues(t *testing.T) {
	o := DefaultOptions()
	for _, tc := range []struct {
		name string
		segs []Segment
		dur  time.Duration
		want string
	}{
		{"touching cues get the gap", []Segment{{0, 2000 * ms, 0, 1}, {2000 * ms, 4000 * ms, 1, 1}}, 4000 * ms,
			`[0s-1.92s "nothing moves"] [2s-4s "a red circle moves left"] `},
		{"neighbours with the same text merge", []Segment{{0, 1000 * ms, 1, 1}, {1000 * ms, 3000 * ms, 1, 0.5}}, 3000 * ms,
			`[0s-3s "a red circle moves left"] `},
		{"a short segment goes to the more confident neighbour", []Segment{{0, 2000 * ms, 0, 0.9}, {2000 * ms, 2300 * ms, 2, 0.4}, {2300 * ms, 5000 * ms, 1, 0.6}}, 5000 * ms,
			`[0s-2.22s "nothing moves"] [2.3s-5s "a red circle moves left"] `},
		{"a short flicker between equal texts disappears", []Segment{{0, 2000 * ms, 0, 0.9}, {2000 * ms, 2200 * ms, 2, 0.4}, {2200 * ms, 5000 * ms, 0, 0.9}}, 5000 * ms,
			`[0s-5s "nothing moves"] `},
		{"long cues split", []Segment{{0, 16000 * ms, 1, 1}}, 16000 * ms,
			`[0s-5.253s "a red circle moves left"] [5.334s-10.586s "a red circle moves left"] [10.667s-16s "a red circle moves left"] `},
		{"empty text is a gap", []Segment{{0, 2000 * ms, 0, 1}, {2000 * ms, 4000 * ms, 3, 1}, {4000 * ms, 6000 * ms, 1, 1}}, 6000 * ms,
			`[0s-2s "nothing moves"] [4s-6s "a red circle moves left"] `},
		{"a short blip beside no text is dropped", []Segment{{0, 1000 * ms, 3, 1}, {1000 * ms, 1200 * ms, 2, 1}}, 1500 * ms, ``},
		{"a lone short cue is lengthened to be read", []Segment{{0, 300 * ms, 2, 1}}, 1500 * ms,
			`[0s-950ms "a blue star appears"] `},
		{"but not past the end", []Segment{{0, 300 * ms, 2, 1}}, 600 * ms,
			`[0s-600ms "a blue star appears"] `},
		{"reading speed lengthens into free time", []Segment{{0, 1000 * ms, 1, 1}, {1000 * ms, 5000 * ms, 3, 1}}, 5000 * ms,
			`[0s-1.15s "a red circle moves left"] `},
		{"text over two lines becomes two cues", []Segment{{0, 6000 * ms, 4, 1}}, 6000 * ms,
			`[0s-5.575s "a small purple triangle to the left of a|large orange star and a very long tail of"] [5.656s-6s "words"] `},
		{"clipped to the video", []Segment{{-500 * ms, 2000 * ms, 0, 1}, {2000 * ms, 9000 * ms, 1, 1}}, 3000 * ms,
			`[0s-1.92s "nothing moves"] [2s-3s "a red circle moves left"] `},
		{"nothing", nil, 3000 * ms, ``},
	} {
		got, err := BuildCues(tc.segs, labelText, tc.dur, o)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if s := cueString(got); s != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, s, tc.want)
		}
	}
}

func TestBuildCuesRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{
		{MaxLineLength: 0, MaxLines: 2},
		{MaxLineLength: 42, MaxLines: 2, MinDuration: 2 * time.Second, MaxDuration: time.Second},
		{MaxLineLength: 42, MaxLines: 2, MinGap: -1},
	} {
		if _, err := BuildCues(nil, labelText, time.Second, o); err == nil || !strings.HasPrefix(err.Error(), "subtitle: ") {
			t.Errorf("options %+v: err %v", o, err)
		}
	}
}

// checkCues checks the rules every track must follow.
func checkCues(t *testing.T, cues []Cue, dur time.Duration, o Options) {
	t.Helper()
	for i, c := range cues {
		if c.Start%time.Millisecond != 0 || c.End%time.Millisecond != 0 {
			t.Fatalf("cue %d [%v, %v) not on whole milliseconds", i, c.Start, c.End)
		}
		if c.Start < 0 || c.End > dur || c.End <= c.Start {
			t.Fatalf("cue %d [%v, %v) outside [0, %v) or empty: %s", i, c.Start, c.End, dur, cueString(cues))
		}
		if i > 0 && c.Start-cues[i-1].End < o.MinGap {
			t.Fatalf("cue %d starts %v after the previous ends, under the %v gap: %s", i, c.Start-cues[i-1].End, o.MinGap, cueString(cues))
		}
		if o.MaxDuration > 0 && c.End-c.Start > o.MaxDuration {
			t.Fatalf("cue %d lasts %v, over %v", i, c.End-c.Start, o.MaxDuration)
		}
		if len(c.Lines) == 0 || len(c.Lines) > o.MaxLines {
			t.Fatalf("cue %d has %d lines", i, len(c.Lines))
		}
		for _, l := range c.Lines {
			if utf8.RuneCountInString(l) > o.MaxLineLength {
				t.Fatalf("cue %d line %q over %d characters", i, l, o.MaxLineLength)
			}
		}
		if c.Confidence < 0 || c.Confidence > 1 {
			t.Fatalf("cue %d confidence %g", i, c.Confidence)
		}
	}
}

// Whatever the segments, the cues follow the rules.
func FuzzBuildCues(f *testing.F) {
	f.Add(uint64(1), 10, 4000)
	f.Add(uint64(2), 50, 60000)
	f.Add(uint64(3), 3, 500)
	f.Fuzz(func(t *testing.T, seed uint64, n, durMS int) {
		if n < 0 || n > 200 || durMS < 1 || durMS > 3_600_000 {
			t.Skip()
		}
		r := rand.New(rand.NewPCG(seed, 7))
		dur := time.Duration(durMS) * ms
		var segs []Segment
		at := time.Duration(0)
		for i := 0; i < n && at < dur; i++ {
			end := at + time.Duration(r.IntN(3000)+1)*ms
			segs = append(segs, Segment{Start: at, End: end, Label: r.IntN(len(names)), Confidence: r.Float64()})
			at = end
		}
		o := DefaultOptions()
		cues, err := BuildCues(segs, labelText, dur, o)
		if err != nil {
			t.Fatal(err)
		}
		checkCues(t, cues, dur, o)
	})
}
