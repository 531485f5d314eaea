package rnn

import "errors"

// ErrNotFinite is wrapped by errors about NaN or infinite losses, weights or
// gradients, so training loops can branch on divergence.
var ErrNotFinite = errors.New("not finite")
