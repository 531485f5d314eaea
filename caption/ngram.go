package caption

import "strings"

// ngrams counts the n-grams of words for n = 1..maxN, keyed by the words
// joined with a space.
func ngrams(words []string, maxN int) map[string]int {
	counts := map[string]int{}
	for n := 1; n <= maxN; n++ {
		for i := 0; i+n <= len(words); i++ {
			counts[strings.Join(words[i:i+n], " ")]++
		}
	}
	return counts
}

// order is the n of an n-gram key made by ngrams.
func order(key string) int { return strings.Count(key, " ") + 1 }
