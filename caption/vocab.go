package caption

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// The special tokens, with fixed ids at the start of every vocabulary.
const (
	Pad   = 0 // fills sequences shorter than the batch's longest
	Start = 1 // the first input of the decoder
	End   = 2 // the decoder's last output
	Unk   = 3 // a word the vocabulary does not have
)

var specials = [...]string{"<pad>", "<start>", "<end>", "<unk>"}

// Vocab maps words to ids and back.
type Vocab struct {
	words []string
	index map[string]int
}

// BuildVocab makes a vocabulary of the words that occur at least minCount
// times in the tokenised captions, most frequent first (ties in
// alphabetical order), after the special tokens.
func BuildVocab(captions [][]string, minCount int) *Vocab {
	counts := map[string]int{}
	for _, c := range captions {
		for _, w := range c {
			counts[w]++
		}
	}
	var words []string
	for w, n := range counts {
		if n >= minCount && !isSpecial(w) {
			words = append(words, w)
		}
	}
	slices.SortFunc(words, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	return newVocab(append(specials[:len(specials):len(specials)], words...))
}

func isSpecial(w string) bool { return slices.Contains(specials[:], w) }

func newVocab(words []string) *Vocab {
	v := &Vocab{words: words, index: make(map[string]int, len(words))}
	for i, w := range words {
		v.index[w] = i
	}
	return v
}

// Len is the number of ids, special tokens included.
func (v *Vocab) Len() int { return len(v.words) }

// Word returns the word of id; it panics on an id out of range.
func (v *Vocab) Word(id int) string { return v.words[id] }

// ID returns the id of w, or Unk.
func (v *Vocab) ID(w string) int {
	if id, ok := v.index[w]; ok {
		return id
	}
	return Unk
}

// Encode turns words into ids: Start, the words (Unk for unknown ones), End.
func (v *Vocab) Encode(words []string) []int {
	ids := make([]int, 0, len(words)+2)
	ids = append(ids, Start)
	for _, w := range words {
		ids = append(ids, v.ID(w))
	}
	return append(ids, End)
}

// Decode turns ids back into words, skipping Start and Pad and stopping at
// End.
func (v *Vocab) Decode(ids []int) []string {
	var words []string
	for _, id := range ids {
		switch id {
		case End:
			return words
		case Start, Pad:
			continue
		}
		words = append(words, v.Word(id))
	}
	return words
}

// MarshalJSON writes the vocabulary as its list of words, in id order.
func (v *Vocab) MarshalJSON() ([]byte, error) { return json.Marshal(v.words) }

// UnmarshalJSON reads a list of words written by MarshalJSON, checking that
// it starts with the special tokens and has no duplicates.
func (v *Vocab) UnmarshalJSON(b []byte) error {
	var words []string
	if err := json.Unmarshal(b, &words); err != nil {
		return fmt.Errorf("caption: vocabulary: %w", err)
	}
	if len(words) < len(specials) || !slices.Equal(words[:len(specials)], specials[:]) {
		return fmt.Errorf("caption: vocabulary does not start with %v", specials)
	}
	nv := newVocab(words)
	if len(nv.index) != len(words) {
		return fmt.Errorf("caption: vocabulary has duplicate words")
	}
	*v = *nv
	return nil
}
