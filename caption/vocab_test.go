package caption

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"A red circle, on the left.", "a red circle on the left"},
		{"  Two   DOGS don't  run!  ", "two dogs don't run"},
		{"'quoted' words — and dashes", "quoted words and dashes"},
		{"Café au lait 2x", "café au lait 2x"},
		{"", ""},
	} {
		if got := strings.Join(Tokenize(tc.in), " "); got != tc.want {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestVocab(t *testing.T) {
	caps := [][]string{Tokenize("a red circle"), Tokenize("a blue circle"), Tokenize("a red star"), Tokenize("a zebra")}
	v := BuildVocab(caps, 2)
	want := []string{"<pad>", "<start>", "<end>", "<unk>", "a", "circle", "red"}
	if got := v.words; !slices.Equal(got, want) {
		t.Fatalf("vocabulary %v, want %v", got, want)
	}
	ids := v.Encode(Tokenize("a blue circle"))
	if !slices.Equal(ids, []int{Start, 4, Unk, 5, End}) {
		t.Errorf("Encode: %v", ids)
	}
	if got := v.Decode([]int{Start, 4, 6, 5, End, 4}); strings.Join(got, " ") != "a red circle" {
		t.Errorf("Decode: %q", got)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back Vocab
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Len() != v.Len() || back.ID("red") != v.ID("red") {
		t.Errorf("round trip: %s", data)
	}
	for _, bad := range []string{`["a","b"]`, `["<pad>","<start>","<end>","<unk>","a","a"]`, `{}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil || !strings.HasPrefix(err.Error(), "caption: ") {
			t.Errorf("vocabulary %s: err %v", bad, err)
		}
	}
}
