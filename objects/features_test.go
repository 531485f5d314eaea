package objects

import (
	"math"
	"testing"
)

// TestFeaturizer checks a hand-computed vector: two people and a dog, a
// detection under the floor and one of a class the featurizer does not know.
func TestFeaturizer(t *testing.T) {
	f := NewFeaturizer([]string{"person", "dog"}, 0.2)
	if f.Dim() != 2*FeaturesPerClass {
		t.Fatalf("dim %d", f.Dim())
	}
	dets := []Detection{
		{Object{"person", Box{0.1, 0.1, 0.3, 0.5}}, 0.6}, // centre (0.2, 0.3): cell (0, 0); area 0.08
		{Object{"person", Box{0.7, 0.6, 0.8, 0.9}}, 0.3}, // centre (0.75, 0.75): cell (2, 2); area 0.03
		{Object{"person", Box{0.4, 0.4, 0.5, 0.5}}, 0.1}, // under the floor
		{Object{"dog", Box{0.4, 0.4, 0.6, 0.6}}, 1.2},    // score capped at 1; centre cell (1, 1)
		{Object{"giraffe", Box{0, 0, 1, 1}}, 0.9},        // not one of its classes
	}
	v := f.Vector(dets)
	want := map[int]float64{
		0: 0.6, 1: 0.3, 2: 0, 3: 0,
		4: math.Sqrt(0.08),
		5: (0.6*0.2 + 0.3*0.75) / 0.9, 6: (0.6*0.3 + 0.3*0.75) / 0.9,
		7: (0.6*0.2 + 0.3*0.1) / 0.9, 8: (0.6*0.4 + 0.3*0.3) / 0.9,
		9: 0.6, 17: 0.3,
		18: 1, 22: 0.2, 23: 0.5, 24: 0.5, 25: 0.2, 26: 0.2, 18 + 13: 1,
	}
	for i, x := range v {
		if math.Abs(float64(x)-want[i]) > 1e-6 {
			t.Errorf("value %d = %g, want %g", i, x, want[i])
		}
	}
	// Fill reuses a buffer: an empty frame clears it.
	f.Fill(v, nil)
	for i, x := range v {
		if x != 0 {
			t.Fatalf("value %d = %g after an empty frame", i, x)
		}
	}
}
