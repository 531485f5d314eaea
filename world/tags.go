package world

import (
	"fmt"
	"slices"
	"strings"
)

// Tags of a whole video (the many-to-one task): which objects take part and
// which kinds of event happen. An object tag is "{colour} {shape}" (every
// object in view at any time, at any size, e.g. "red square"); an event tag
// is one of EventTags, for every kind of event among moves, appears and
// disappears that happens. A still segment adds no tag.

// EventTags are the event tags, in canonical order.
var EventTags = []string{"moves", "appears", "disappears"}

// eventTag is the tag of each event kind ("" for Still).
var eventTag = [...]string{"", "moves", "appears", "disappears", ""}

// AllTags returns every Shapes-world tag in canonical order: the 24 object
// tags by colour then shape (palette order: red circle, red square, ...),
// then the event tags.
func AllTags() []string {
	out := make([]string, 0, len(allColours)*len(allShapes)+len(EventTags))
	for _, c := range allColours {
		for _, s := range allShapes {
			out = append(out, ObjectTag(c, s))
		}
	}
	return append(out, EventTags...)
}

// ObjectTag is the tag of an object of colour c and shape s: "red square".
func ObjectTag(c Colour, s Shape) string { return c.String() + " " + s.String() }

// tagRank is a tag's place in AllTags, or -1.
func tagRank(tag string) int {
	for i, t := range AllTags() {
		if t == tag {
			return i
		}
	}
	return -1
}

// Tags returns the video's tags in canonical order: every object in view
// before or after any segment (an appearing object is in the After of its
// segment, a disappearing one in the Before), and the kinds of its
// segments' events other than still.
func (s *VideoScript) Tags() []string {
	seen := map[string]bool{}
	for _, seg := range s.Segments {
		for _, o := range append(slices.Clip(seg.Before), seg.After...) {
			seen[ObjectTag(o.Colour, o.Shape)] = true
		}
		if int(seg.Event) < len(eventTag) && eventTag[seg.Event] != "" {
			seen[eventTag[seg.Event]] = true
		}
	}
	var out []string
	for _, t := range AllTags() {
		if seen[t] {
			out = append(out, t)
		}
	}
	return out
}

// NormalizeTag puts a tag's text in its canonical form: lower case, single
// spaces, no surrounding white space.
func NormalizeTag(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// ParseTag reads one Shapes-world tag ("Red  Square" reads as "red
// square").
func ParseTag(s string) (string, error) {
	t := NormalizeTag(s)
	if tagRank(t) < 0 {
		return "", fmt.Errorf("world: tag %q: want \"{colour} {shape}\" or one of %s: %w", clip(s), strings.Join(EventTags, ", "), ErrParse)
	}
	return t, nil
}

// ParseTags reads a tags sidecar of the Shapes world: one tag a line,
// blank lines ignored, each tag at most once. It returns the tags in
// canonical order.
func ParseTags(text string) ([]string, error) {
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		t, err := ParseTag(line)
		if err != nil {
			return nil, fmt.Errorf("world: tags line %d: %w", i+1, err)
		}
		if seen[t] {
			return nil, fmt.Errorf("world: tags line %d: %q given twice", i+1, t)
		}
		seen[t] = true
	}
	return SortTags(keys(seen)), nil
}

// SortTags sorts Shapes-world tags into canonical order in place and
// returns them; tags of no Shapes-world kind go last, alphabetically.
func SortTags(tags []string) []string {
	slices.SortFunc(tags, func(a, b string) int {
		ra, rb := tagRank(a), tagRank(b)
		switch {
		case ra >= 0 && rb >= 0:
			return ra - rb
		case ra >= 0:
			return -1
		case rb >= 0:
			return 1
		}
		return strings.Compare(a, b)
	})
	return tags
}

// FormatTags writes tags as a sidecar: one a line.
func FormatTags(tags []string) string {
	var b strings.Builder
	for _, t := range tags {
		b.WriteString(t)
		b.WriteByte('\n')
	}
	return b.String()
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
