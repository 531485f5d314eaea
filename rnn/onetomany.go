package rnn

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// B = batch, F = feature dim, E = embedding dim, H = hidden, V = vocabulary,
// T = longest caption.

// OneToMany is the one-to-many assembly (Show and Tell): one feature vector
// in, a token sequence out. The projected feature is the LSTM's input at step
// 0 and the previous token's embedding at every later step:
//
//	x_0 = Feat(f)            (B,E)
//	x_t = Embed[w_{t-1}]     t >= 1
//	p(w_t | f, w_<t) = softmax(Out(h_t))
type OneToMany struct {
	Feat *Linear // F -> E
	Dec  *Decoder

	ids, targets, lengths []int
}

// NewOneToMany returns a captioner for F-dim features and a V-token vocabulary.
func NewOneToMany(impl blas.Float32, feat, vocab, embed, hidden int, rng *rand.Rand) *OneToMany {
	m := &OneToMany{Feat: NewLinear(impl, feat, embed, rng), Dec: NewDecoder(impl, vocab, embed, hidden, rng)}
	prefixed("feat", m.Feat.Params())
	return m
}

// Params returns all parameters.
func (m *OneToMany) Params() []*Param { return append(m.Feat.Params(), m.Dec.Params()...) }

// Loss runs teacher forcing on feats (B,F) and captions (each ending with its
// EOS token, at least one token), accumulates gradients and returns the mean
// cross-entropy per token.
func (m *OneToMany) Loss(feats []float32, captions [][]int) float64 {
	B := len(captions)
	T := 0
	m.lengths = m.lengths[:0]
	for b, c := range captions {
		if len(c) == 0 {
			panic(fmt.Sprintf("rnn: OneToMany.Loss: caption %d is empty", b))
		}
		T = max(T, len(c))
		m.lengths = append(m.lengths, len(c))
	}
	// inputs: feature at t=0, then w_0..w_{T-2}; targets: w_0..w_{T-1}
	inputs := make([][]int, B)
	for b, c := range captions {
		inputs[b] = c[:len(c)-1]
	}
	m.ids = timeMajor(inputs, T-1, m.ids)
	m.targets = timeMajor(captions, T, m.targets)
	prefix := m.Feat.Forward(feats, B)
	logits := m.Dec.Forward(prefix, m.ids, B, m.lengths, nil)
	V := m.Dec.Vocab()
	loss, _ := SoftmaxCrossEntropy(logits, T*B, V, m.targets, logits) // logits become their gradient
	dprefix, _ := m.Dec.Backward(logits, nil)
	m.Feat.Backward(dprefix)
	return loss
}

// Prefix computes the decoder's first input for one feature vector (F) into
// dst (E) and returns it, for Searcher.Greedy and Searcher.Beam.
func (m *OneToMany) Prefix(feat, dst []float32) []float32 {
	dst = grow(dst, m.Feat.Out)
	copy(dst, m.Feat.B.W)
	matmulNT(m.Feat.BLAS, 1, m.Feat.Out, m.Feat.In, feat, m.Feat.W.W, 1, dst)
	return dst
}
