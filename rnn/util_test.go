package rnn

import "math/rand/v2"

// newTestRand returns the fixed-seed generator tests use.
func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(42, 0)) }

// newTestRandSeed returns a generator with another fixed seed.
func newTestRandSeed(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }
