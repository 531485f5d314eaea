package caption

import (
	"math/rand/v2"
	"testing"

	"captioner/models"
	"captioner/rnn"
)

// BenchmarkEmbeddedDecode times beam search (width 3) of the embedded
// captioner over standardised feature vectors drawn at random, with each
// token's input product precomputed (the default) and computed at every
// step as before:
//
//	go test -run XXX -bench EmbeddedDecode -count 3 ./caption
func BenchmarkEmbeddedDecode(b *testing.B) {
	m, _, err := LoadBundle(models.Default(), "embedded")
	if err != nil {
		b.Fatal(err)
	}
	feats := randomFeatures(m, 64, rand.New(rand.NewPCG(1, 2)))
	for _, plain := range []bool{false, true} {
		name := "precomputed"
		if plain {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			d, err := m.NewDecoder(DefaultDecodeOptions())
			if err != nil {
				b.Fatal(err)
			}
			if plain {
				o := DefaultDecodeOptions()
				d.search = rnn.NewSearcher(m.Net.Dec, rnn.DecodeOptions{MaxLen: m.Config.MaxLen + 1, Start: Start, EOS: End, Beam: o.Beam,
					LengthAlpha: o.LengthAlpha, RepetitionPenalty: o.RepetitionPenalty})
			}
			i := 0
			for b.Loop() {
				if _, err := d.Caption(feats[i%len(feats)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
