package subtitle

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want [][]string
	}{
		{"short", "a red circle moves left", [][]string{{"a red circle moves left"}}},
		{"exactly 42", strings.Repeat("x", 42), [][]string{{strings.Repeat("x", 42)}}},
		{"balanced two lines", "a small purple triangle to the left of a large orange star",
			[][]string{{"a small purple triangle to the", "left of a large orange star"}}},
		{"white space collapsed", "  nothing \t moves \n", [][]string{{"nothing moves"}}},
		{"long word cut", strings.Repeat("y", 50), [][]string{{strings.Repeat("y", 42), strings.Repeat("y", 8)}}},
		{"three lines make two pages", strings.Repeat("word ", 20),
			[][]string{{"word word word word word word word word", "word word word word word word word word"}, {"word word word word"}}},
		{"empty", "   ", nil},
	} {
		got := Wrap(tc.text, 42, 2)
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if strings.Join(got[i], "|") != strings.Join(tc.want[i], "|") {
				t.Errorf("%s: page %d: got %q, want %q", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

// Wrapping keeps every word in order, and no line or page is too long.
func FuzzWrap(f *testing.F) {
	f.Add("a small purple triangle to the left of a large orange star", 42, 2)
	f.Add("ünïcode wörds ünd möre wörds", 7, 1)
	f.Add(strings.Repeat("z", 100), 10, 3)
	f.Fuzz(func(t *testing.T, text string, maxLen, maxLines int) {
		if len(text) > 1000 || maxLen < 1 || maxLen > 100 || maxLines < 1 || maxLines > 5 || !utf8.ValidString(text) {
			t.Skip()
		}
		pages := Wrap(text, maxLen, maxLines)
		var words []string
		for _, p := range pages {
			if len(p) == 0 || len(p) > maxLines {
				t.Fatalf("page of %d lines (max %d): %q", len(p), maxLines, p)
			}
			for _, l := range p {
				if n := utf8.RuneCountInString(l); n > maxLen || n == 0 {
					t.Fatalf("line of %d runes (max %d): %q", n, maxLen, l)
				}
				words = append(words, strings.Fields(l)...)
			}
		}
		if got, want := strings.Join(words, ""), strings.Join(strings.Fields(text), ""); got != want {
			t.Fatalf("text changed: %q -> %q", want, got)
		}
	})
}
