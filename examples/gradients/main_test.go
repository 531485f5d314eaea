package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The plain RNN's gradient vanishes geometrically with the lag; the
// LSTM's survives many orders of magnitude longer. docs/gradients.png is
// what this command draws, byte for byte.
func TestGradients(t *testing.T) {
	lags, r, l := measure(100)
	if len(lags) != 100 || lags[49] != 50 {
		t.Fatalf("lags %v", lags)
	}
	for i := 10; i < 100; i += 10 {
		if r[i] >= r[i-10] {
			t.Errorf("RNN gradient grew from lag %d (%g) to %d (%g)", lags[i-10], r[i-10], lags[i], r[i])
		}
	}
	if r[49] > 1e-10 || l[49] < 1e-6 || l[49]/r[49] < 1e6 {
		t.Errorf("lag 50: RNN %g, LSTM %g", r[49], l[49])
	}
	out := filepath.Join(t.TempDir(), "g.png")
	if err := draw(lags, r, l, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../docs/gradients.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/gradients.png differs from what go run ./examples/gradients draws now (%d and %d bytes)", len(want), len(got))
	}
}
