package objects

import (
	"strings"
	"testing"
)

const maxFuzzInput = 256

// normalForm is what the parsers compare: lower case, white space
// collapsed, commas spaced, one final full stop dropped.
func normalForm(s string) string {
	return strings.Join(tokens(s), " ")
}

func FuzzParseCaption(f *testing.F) {
	for _, s := range []string{
		"a dog, a bicycle and a car",
		"Two People and a BICYCLE.",
		"an apple to the right of a orange",
		"a pair of scissors below a head of broccoli",
		"several teddy bears , three bears and a bear",
		"no objects I know",
		"a dog, a cat, a cow and a horse",
		"a dog..",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzInput {
			return
		}
		d, err := ParseCaption(s)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("ParseCaption(%q) gave an invalid description %+v: %v", s, d, err)
		}
		c := d.String()
		back, err := ParseCaption(c)
		if err != nil || !back.Equal(d) || back.String() != c {
			t.Fatalf("canonical %q of %q does not round trip: %+v, %v", c, s, back, err)
		}
		// Only the articles may differ from the canonical text.
		if !sameUpToArticles(normalForm(s), normalForm(c)) {
			t.Fatalf("%q parsed, but its normal form is not the canonical %q", s, c)
		}
	})
}

func FuzzParseLabel(f *testing.F) {
	for _, s := range []string{
		"a person moves left",
		"Nothing moves.",
		"two people appear",
		"SEVERAL PAIRS OF SKIS disappear",
		"an apple moves down",
		"a person moves left and away",
		"two people moves left",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzInput {
			return
		}
		l, err := ParseLabel(s)
		if err != nil {
			return
		}
		c := l.String()
		back, err := ParseLabel(c)
		if err != nil || back != l || back.String() != c {
			t.Fatalf("canonical %q of %q does not round trip: %+v, %v", c, s, back, err)
		}
		if !sameUpToArticles(normalForm(s), c) {
			t.Fatalf("%q parsed, but its normal form is not the canonical %q", s, c)
		}
	})
}

func sameUpToArticles(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] && !(countOf[x[i]] == 1 && countOf[y[i]] == 1) {
			return false
		}
	}
	return true
}
