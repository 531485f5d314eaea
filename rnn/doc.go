// Package rnn is captioner's recurrent engine: float32 layers with forward and
// backward passes side by side (Linear, Embedding, vanilla RNN, GRU, LSTM,
// stacks, a bidirectional wrapper, dropout), losses, optimisers, learning-rate
// schedules, safetensors I/O and the four classic recurrent assemblies
// (one-to-many, many-to-one, encoder-decoder, synced many-to-many).
//
// Shape legend used throughout the package:
//
//	T = timesteps, B = batch, D = input feature dim, H = hidden,
//	V = vocabulary, E = embedding dim, N = rows of a flattened (T*B) batch.
//
// Sequences are time-major and flattened: x has shape (T, B, D) and element
// (t, b, d) lives at x[(t*B+b)*D+d]. A batch of variable-length sequences
// carries lengths []int (len B); steps t >= lengths[b] are padding: the
// recurrent state is carried through them unchanged and their outputs are zero,
// so the state after the last step is each sequence's final state. A nil
// lengths slice means every sequence has T steps.
//
// Matrix products go through gonum's blas.Float32 interface held by each layer
// (never a package-level implementation); NewOpenBLAS gives the fast cgo one
// and NativeBLAS gonum's pure-Go one.
//
// Layers cache what their backward pass needs in reusable buffers, so one layer
// value serves one forward/backward pair at a time and is not safe for
// concurrent use. Gradients accumulate (+=); ZeroGrads clears them explicitly.
package rnn
