package subtitle

import (
	"strings"
	"unicode/utf8"
)

// Wrap breaks text into pages of at most maxLines lines of at most maxLen
// characters (runes), at word boundaries; a word longer than maxLen is cut.
// Each page shows as one cue. Lines within a page are balanced: a two-line
// page is split where the longer line is shortest, with the longer line at
// the bottom on a tie (the shape readers find easiest). White space is
// collapsed; empty text gives no pages.
func Wrap(text string, maxLen, maxLines int) [][]string {
	if maxLen < 1 || maxLines < 1 {
		panic("subtitle: Wrap: maxLen and maxLines must be positive")
	}
	var words []string
	for _, w := range strings.Fields(text) {
		for utf8.RuneCountInString(w) > maxLen {
			cut := byteIndexOfRune(w, maxLen)
			words = append(words, w[:cut])
			w = w[cut:]
		}
		words = append(words, w)
	}
	// Greedy lines, then pages of maxLines lines, each page rebalanced.
	var lines [][]string
	var cur []string
	curLen := 0
	for _, w := range words {
		n := utf8.RuneCountInString(w)
		if len(cur) > 0 && curLen+1+n > maxLen {
			lines = append(lines, cur)
			cur, curLen = nil, 0
		}
		if len(cur) > 0 {
			curLen++
		}
		cur = append(cur, w)
		curLen += n
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	var pages [][]string
	for i := 0; i < len(lines); i += maxLines {
		j := min(i+maxLines, len(lines))
		var pageWords []string
		for _, l := range lines[i:j] {
			pageWords = append(pageWords, l...)
		}
		pages = append(pages, balance(pageWords, j-i, maxLen))
	}
	return pages
}

// balance splits words (known to fit in k lines of maxLen) into k lines; for
// k == 2 it picks the split that makes the longer line shortest.
func balance(words []string, k, maxLen int) []string {
	if k == 1 {
		return []string{strings.Join(words, " ")}
	}
	if k == 2 {
		best, bestAt := -1, 0
		for at := 1; at < len(words); at++ {
			a := utf8.RuneCountInString(strings.Join(words[:at], " "))
			b := utf8.RuneCountInString(strings.Join(words[at:], " "))
			if a > maxLen || b > maxLen {
				continue
			}
			// Prefer the shorter longest line, then the longer bottom line.
			cost := max(a, b)*2 + boolInt(a > b)
			if best < 0 || cost < best {
				best, bestAt = cost, at
			}
		}
		if best >= 0 {
			return []string{strings.Join(words[:bestAt], " "), strings.Join(words[bestAt:], " ")}
		}
	}
	// More lines than two, or no balanced split: greedy.
	var out []string
	var cur []string
	curLen := 0
	for _, w := range words {
		n := utf8.RuneCountInString(w)
		if len(cur) > 0 && curLen+1+n > maxLen {
			out = append(out, strings.Join(cur, " "))
			cur, curLen = nil, 0
		}
		if len(cur) > 0 {
			curLen++
		}
		cur = append(cur, w)
		curLen += n
	}
	return append(out, strings.Join(cur, " "))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// byteIndexOfRune is the byte offset of the n-th rune of s.
func byteIndexOfRune(s string, n int) int {
	i := 0
	for k := range s {
		if i == n {
			return k
		}
		i++
	}
	return len(s)
}
