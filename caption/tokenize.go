package caption

import (
	"strings"
	"unicode"
)

// Tokenize lower-cases s and splits it into words: runs of letters and digits,
// with an apostrophe kept inside a word ("don't"). Punctuation and white
// space separate words and are dropped, so "A red circle, on the left."
// gives [a red circle on the left].
func Tokenize(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		w := strings.Trim(cur.String(), "'")
		if w != "" {
			out = append(out, w)
		}
		cur.Reset()
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(r)
		case (r == '\'' || r == '’') && cur.Len() > 0:
			cur.WriteRune('\'')
		default:
			flush()
		}
	}
	flush()
	return out
}

// Detokenize joins words into the text a user reads.
func Detokenize(words []string) string { return strings.Join(words, " ") }
