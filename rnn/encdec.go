package rnn

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// Te = encoder steps, Td = decoder steps, B = batch, F = feature dim,
// H = hidden (shared by encoder and decoder), V = vocabulary.

// EncoderDecoder is the many-to-many encoder-decoder assembly (S2VT-like): an
// LSTM reads the whole input sequence, its final (h, c) starts the decoder,
// which is fed BOS and then the previous token.
//
//	(h, c) = Enc(x_0..x_{Te-1})
//	p(w_t | x, w_<t) = softmax(Out(Dec(Embed[w_{t-1}] | h, c)))   w_{-1} = BOS
type EncoderDecoder struct {
	Enc *LSTM // F -> H
	Dec *Decoder
	BOS int

	ids, targets, lengths []int
	dy                    []float32
}

// NewEncoderDecoder returns an encoder-decoder with hidden size H on both sides.
func NewEncoderDecoder(impl blas.Float32, feat, vocab, embed, hidden, bos int, rng *rand.Rand) *EncoderDecoder {
	m := &EncoderDecoder{Enc: NewLSTM(impl, feat, hidden, rng), Dec: NewDecoder(impl, vocab, embed, hidden, rng), BOS: bos}
	prefixed("enc", m.Enc.Params())
	return m
}

// Params returns all parameters.
func (m *EncoderDecoder) Params() []*Param { return append(m.Enc.Params(), m.Dec.Params()...) }

// Encode runs the encoder over x (Te,B,F) and returns its final [h, c].
func (m *EncoderDecoder) Encode(x []float32, T, B int, lengths []int) [][]float32 {
	m.Enc.Forward(x, T, B, lengths, nil)
	return m.Enc.FinalState()
}

// Loss runs the encoder over x (Te,B,F) and teacher forcing over captions
// (each ending with EOS), accumulates gradients and returns the mean
// cross-entropy per token.
func (m *EncoderDecoder) Loss(x []float32, T, B int, lengths []int, captions [][]int) float64 {
	if len(captions) != B {
		panic(fmt.Sprintf("rnn: EncoderDecoder.Loss: %d captions for batch %d", len(captions), B))
	}
	s0 := m.Encode(x, T, B, lengths)
	Td := 0
	m.lengths = m.lengths[:0]
	inputs := make([][]int, B)
	for b, c := range captions {
		Td = max(Td, len(c))
		m.lengths = append(m.lengths, len(c))
		inputs[b] = append([]int{m.BOS}, c[:max(len(c)-1, 0)]...)
	}
	m.ids = timeMajor(inputs, Td, m.ids)
	m.targets = timeMajor(captions, Td, m.targets)
	logits := m.Dec.Forward(nil, m.ids, B, m.lengths, s0)
	V := m.Dec.Vocab()
	loss, _ := SoftmaxCrossEntropy(logits, Td*B, V, m.targets, logits) // logits become their gradient
	_, ds0 := m.Dec.Backward(logits, nil)
	// The encoder's outputs are unused: only its final state gets a gradient.
	m.dy = grow(m.dy, T*B*m.Enc.Hidden)
	clear(m.dy)
	m.Enc.Backward(m.dy, ds0)
	return loss
}
