package rnn

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// T = timesteps, B = batch, E = embedding dim, H = hidden, V = vocabulary.

// Decoder is the word-generating core shared by the one-to-many and
// encoder-decoder assemblies: token embedding, one LSTM layer and a projection
// to vocabulary logits.
//
//	x_t = Embed[id_t]        (B,E)   (or a given prefix vector at t = 0)
//	h_t = LSTM(x_t, h_{t-1})  (B,H)
//	logits_t = Out(h_t)       (B,V)
type Decoder struct {
	Embed *Embedding // (V, E)
	Cell  *LSTM      // E -> H
	Out   *Linear    // H -> V
	// Context is K, the width of the per-sequence context a decoder made
	// by NewContextDecoder reads after the embedding at every step
	// (ForwardContext); 0 for a plain decoder.
	Context int

	t, b    int
	prefix  bool
	x       []float32 // (T,B,E)
	lengths []int
	// ForwardContext's backward buffers
	demb, dctx []float32
}

// NewDecoder returns a decoder with PyTorch-default initialisation.
func NewDecoder(impl blas.Float32, vocab, embed, hidden int, rng *rand.Rand) *Decoder {
	d := &Decoder{
		Embed: NewEmbedding(vocab, embed, rng),
		Cell:  NewLSTM(impl, embed, hidden, rng),
		Out:   NewLinear(impl, hidden, vocab, rng),
	}
	prefixed("embed", d.Embed.Params())
	prefixed("lstm", d.Cell.Params())
	prefixed("out", d.Out.Params())
	return d
}

// Params returns the embedding, LSTM and projection parameters.
func (d *Decoder) Params() []*Param {
	return append(append(d.Embed.Params(), d.Cell.Params()...), d.Out.Params()...)
}

// Vocab returns V.
func (d *Decoder) Vocab() int { return d.Out.Out }

// Forward runs teacher forcing over ids (T',B), time-major, negative ids for
// padding. If prefix (B,E) is non-nil it is the input at step 0 and the ids
// feed steps 1..T'; otherwise T = T'. It returns logits (T,B,V), owned by the
// decoder.
func (d *Decoder) Forward(prefix []float32, ids []int, B int, lengths []int, s0 [][]float32) []float32 {
	E := d.Embed.Dim
	if len(ids)%B != 0 {
		panic(fmt.Sprintf("rnn: Decoder.Forward: %d ids for batch %d", len(ids), B))
	}
	T := len(ids) / B
	emb := d.Embed.Forward(ids)
	d.prefix = prefix != nil
	if d.prefix {
		if len(prefix) != B*E {
			panic(fmt.Sprintf("rnn: Decoder.Forward: prefix has %d values, want %d×%d", len(prefix), B, E))
		}
		T++
		d.x = grow(d.x, T*B*E)
		copy(d.x, prefix)
		copy(d.x[B*E:], emb)
		emb = d.x
	}
	d.t, d.b, d.lengths = T, B, lengths
	h := d.Cell.Forward(emb, T, B, lengths, s0)
	return d.Out.Forward(h, T*B)
}

// Backward takes dlogits (T,B,V), accumulates parameter gradients and returns
// the gradients of the prefix (nil without one) and of the initial state.
func (d *Decoder) Backward(dlogits []float32, dsT [][]float32) (dprefix []float32, ds0 [][]float32) {
	E := d.Embed.Dim
	dh := d.Out.Backward(dlogits)
	dx, ds0 := d.Cell.Backward(dh, dsT)
	if d.prefix {
		d.Embed.Backward(dx[d.b*E:])
		return dx[:d.b*E], ds0
	}
	d.Embed.Backward(dx)
	return nil, ds0
}

// timeMajor lays out token sequences time-major over T steps into dst:
// dst[t*B+b] = seqs[b][t], or -1 past the end of seqs[b].
func timeMajor(seqs [][]int, T int, dst []int) []int {
	B := len(seqs)
	dst = dst[:0]
	for t := range T {
		for b := range B {
			if t < len(seqs[b]) {
				dst = append(dst, seqs[b][t])
			} else {
				dst = append(dst, -1)
			}
		}
	}
	return dst
}
