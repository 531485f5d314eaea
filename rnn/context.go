package rnn

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// T = timesteps, B = batch, E = embedding dim, K = context dim, H = hidden.

// A context decoder reads, at every step, a per-sequence context vector
// after the token's embedding (the "par-inject" captioner: the image is
// seen again at every word, not only through the initial state):
//
//	x_t = [Embed[id_t]; ctx]   (B,E+K)
//	h_t = LSTM(x_t, h_{t-1})
//
// Because ctx is the same at every step, its share of the gates,
// Wx[:,E:]·ctx, is a per-sequence bias: Bind folds it into a decoder over
// the embedding alone, which Searcher decodes like any other.

// NewContextDecoder returns a decoder whose LSTM reads E embedding values
// and then K context values at every step (Decoder.Context is K).
func NewContextDecoder(impl blas.Float32, vocab, embed, context, hidden int, rng *rand.Rand) *Decoder {
	d := &Decoder{
		Embed:   NewEmbedding(vocab, embed, rng),
		Cell:    NewLSTM(impl, embed+context, hidden, rng),
		Out:     NewLinear(impl, hidden, vocab, rng),
		Context: context,
	}
	prefixed("embed", d.Embed.Params())
	prefixed("lstm", d.Cell.Params())
	prefixed("out", d.Out.Params())
	return d
}

// ForwardContext runs teacher forcing over ids (T,B), time-major, negative
// ids for padding, with ctx (B,K) appended to every step's input. It
// returns logits (T,B,V), owned by the decoder.
func (d *Decoder) ForwardContext(ctx []float32, ids []int, B int, lengths []int, s0 [][]float32) []float32 {
	E, K := d.Embed.Dim, d.Context
	if K == 0 || len(ctx) != B*K || len(ids)%B != 0 {
		panic(fmt.Sprintf("rnn: Decoder.ForwardContext: context width %d, %d context values and %d ids for batch %d", K, len(ctx), len(ids), B))
	}
	T := len(ids) / B
	emb := d.Embed.Forward(ids)
	d.x = grow(d.x, T*B*(E+K))
	for n := range T * B {
		row := d.x[n*(E+K) : (n+1)*(E+K)]
		copy(row[:E], emb[n*E:(n+1)*E])
		copy(row[E:], ctx[(n%B)*K:(n%B+1)*K])
	}
	d.prefix = false
	d.t, d.b, d.lengths = T, B, lengths
	h := d.Cell.Forward(d.x[:T*B*(E+K)], T, B, lengths, s0)
	return d.Out.Forward(h, T*B)
}

// BackwardContext takes dlogits (T,B,V) after ForwardContext, accumulates
// parameter gradients and returns the gradients of the context (B,K),
// summed over the steps, and of the initial state.
func (d *Decoder) BackwardContext(dlogits []float32, dsT [][]float32) (dctx []float32, ds0 [][]float32) {
	E, K, T, B := d.Embed.Dim, d.Context, d.t, d.b
	dh := d.Out.Backward(dlogits)
	dx, ds0 := d.Cell.Backward(dh, dsT)
	d.demb = grow(d.demb, T*B*E)
	d.dctx = grow(d.dctx, B*K)
	clear(d.dctx)
	for n := range T * B {
		row := dx[n*(E+K) : (n+1)*(E+K)]
		copy(d.demb[n*E:(n+1)*E], row[:E])
		dc := d.dctx[(n%B)*K : (n%B+1)*K]
		for j, v := range row[E:] {
			dc[j] += v
		}
	}
	d.Embed.Backward(d.demb[:T*B*E])
	return d.dctx, ds0
}

// Binder makes decoders of one sequence's context out of a context
// decoder. It copies the input weights when it is made (a Binder made
// before training changes them decodes with the old ones), and owns the
// bias it binds, so each goroutine needs its own; Bind's decoder shares
// the embedding, the recurrent weights and the output layer with the
// context decoder.
type Binder struct {
	full  *Decoder
	wc    []float32 // (4H,K): the context's columns of Wx
	cell  LSTM      // input E: Wx's embedding columns, bias b + Wc·ctx
	bound Decoder
}

// NewBinder prepares Bind for d, a decoder made by NewContextDecoder.
func NewBinder(d *Decoder) *Binder {
	E, K, G := d.Embed.Dim, d.Context, 4*d.Cell.Hidden
	if K == 0 {
		panic("rnn: NewBinder: the decoder reads no context")
	}
	b := &Binder{full: d, wc: make([]float32, G*K)}
	we := newParam("wx", G, E)
	for r := range G {
		src := d.Cell.Wx.W[r*(E+K) : (r+1)*(E+K)]
		copy(we.W[r*E:(r+1)*E], src[:E])
		copy(b.wc[r*K:(r+1)*K], src[E:])
	}
	b.cell = LSTM{BLAS: d.Cell.BLAS, In: E, Hidden: d.Cell.Hidden, Wx: we, Wh: d.Cell.Wh, B: newParam("b", G)}
	b.bound = Decoder{Embed: d.Embed, Cell: &b.cell, Out: d.Out}
	return b
}

// Bind returns a decoder over the embedding alone that steps exactly as
// the context decoder does with ctx (K) at every step. It is the same
// decoder on every call, valid until the next one.
func (b *Binder) Bind(ctx []float32) *Decoder {
	K, G := b.full.Context, 4*b.full.Cell.Hidden
	if len(ctx) != K {
		panic(fmt.Sprintf("rnn: Binder.Bind: %d context values, want %d", len(ctx), K))
	}
	copy(b.cell.B.W, b.full.Cell.B.W)
	matmulNT(b.cell.BLAS, 1, G, K, ctx, b.wc, 1, b.cell.B.W)
	return &b.bound
}
