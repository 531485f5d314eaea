package world

import (
	"strings"
	"testing"
)

const maxFuzzInput = 256

func FuzzParseCaption(f *testing.F) {
	for _, s := range []string{
		"a small red circle in the top left",
		"A LARGE blue star to the right of a small green square.",
		"a large yellow triangle below a small purple star",
		"  a small orange square   at the bottom .",
		"a small red circle in the bottom right..",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzInput {
			return
		}
		sc, err := ParseCaption(s)
		if err != nil {
			return
		}
		if err := sc.Validate(); err != nil {
			t.Fatalf("ParseCaption(%q) gave an invalid scene: %v", s, err)
		}
		c := sc.Caption()
		back, err := ParseCaption(c)
		if err != nil || !back.Equal(sc) || back.Caption() != c {
			t.Fatalf("canonical %q of %q does not round trip: %+v, %v", c, s, back, err)
		}
		if norm := strings.Join(strings.Fields(strings.ToLower(s)), " "); !strings.Contains(norm, "right of") &&
			!strings.Contains(norm, "below") && strings.TrimSuffix(strings.TrimSuffix(norm, "."), " ") != c {
			t.Fatalf("%q parsed, but its normal form is not the canonical %q", s, c)
		}
	})
}

func FuzzParseLabel(f *testing.F) {
	for _, s := range []string{
		"a red circle moves left",
		"Nothing moves.",
		"a blue star appears",
		"A PURPLE TRIANGLE disappears",
		"a green square moves up and away",
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
		norm := strings.Join(strings.Fields(strings.ToLower(s)), " ")
		if strings.TrimSuffix(strings.TrimSuffix(norm, "."), " ") != c {
			t.Fatalf("%q parsed, but its normal form is not the canonical %q", s, c)
		}
	})
}
