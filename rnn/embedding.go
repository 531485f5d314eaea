package rnn

import (
	"fmt"
	"math/rand/v2"
)

// V = vocabulary, E = embedding dim, N = number of looked-up ids.

// Embedding maps token ids to rows of a table.
type Embedding struct {
	Vocab int
	Dim   int
	W     *Param // (V, E)

	ids []int
	y   []float32 // (N, E)
}

// NewEmbedding returns a table drawn from N(0, 1) (PyTorch's default), or
// of zeros when rng is nil (a table about to be loaded).
func NewEmbedding(vocab, dim int, rng *rand.Rand) *Embedding {
	e := &Embedding{Vocab: vocab, Dim: dim, W: newParam("weight", vocab, dim)}
	for i := range e.W.W {
		if rng == nil {
			break
		}
		e.W.W[i] = float32(rng.NormFloat64())
	}
	return e
}

// Params returns the table.
func (e *Embedding) Params() []*Param { return []*Param{e.W} }

// Row returns the embedding of id (a view into the table).
func (e *Embedding) Row(id int) []float32 {
	if id < 0 || id >= e.Vocab {
		panic(fmt.Sprintf("rnn: Embedding: id %d outside vocabulary of %d", id, e.Vocab))
	}
	return e.W.W[id*e.Dim : (id+1)*e.Dim]
}

// Forward returns y (N,E) with y[n] = W[ids[n]]. A negative id (padding)
// gives a zero row. The result is owned by the layer.
func (e *Embedding) Forward(ids []int) []float32 {
	e.ids = ids
	e.y = grow(e.y, len(ids)*e.Dim)
	for n, id := range ids {
		dst := e.y[n*e.Dim : (n+1)*e.Dim]
		if id < 0 {
			clear(dst)
			continue
		}
		copy(dst, e.Row(id))
	}
	return e.y
}

// Backward accumulates dy (N,E) into the rows of the table that Forward read.
func (e *Embedding) Backward(dy []float32) {
	if len(dy) != len(e.ids)*e.Dim {
		panic(fmt.Sprintf("rnn: Embedding.Backward: len(dy)=%d, want %d×%d", len(dy), len(e.ids), e.Dim))
	}
	// y[n] = W[ids[n]]  =>  dW[ids[n]] += dy[n]
	for n, id := range e.ids {
		if id < 0 {
			continue
		}
		g := e.W.G[id*e.Dim : (id+1)*e.Dim]
		for j, v := range dy[n*e.Dim : (n+1)*e.Dim] {
			g[j] += v
		}
	}
}
