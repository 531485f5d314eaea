package subtitle

import (
	"slices"
	"testing"
)

// One channel on a 3x3 grid (after a 2-value prefix): a thing in the top
// left moves to the top right.
func TestMotionAndMoving(t *testing.T) {
	grids := []Grid{{Offset: 2, Channels: 1, Side: 3}}
	last := []float32{7, 7, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	z := []float32{9, 9, 0, 0, 1, 0, 0, 0, 0, 0, 0}
	m := make([]float32, 4)
	motion(m, z, last, grids)
	// sum d = 0 (nothing appeared), sum |d| = 2, sum d*x = 1*1 + (-1)*(-1)
	// = 2 (a move right), sum d*y = 1*(-1) + (-1)*(-1) = 0.
	if want := []float32{0, 2, 2, 0}; !slices.Equal(m, want) {
		t.Errorf("motion = %v, want %v", m, want)
	}
	mv := make([]float32, 2)
	moving(mv, z, last, grids)
	// Half the change is in each of the two cells: now 0.5*1 + 0.5*0,
	// before 0.5*0 + 0.5*1.
	if want := []float32{0.5, 0.5}; !slices.Equal(mv, want) {
		t.Errorf("moving = %v, want %v", mv, want)
	}
	// Growing in the centre: sum d > 0, no direction.
	z2 := []float32{0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0}
	last2 := []float32{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}
	motion(m, z2, last2, grids)
	if want := []float32{1, 1, 0, 0}; !slices.Equal(m, want) {
		t.Errorf("growing: motion = %v, want %v", m, want)
	}
	// No change at all: moving is zero, not NaN.
	moving(mv, z2, z2, grids)
	if want := []float32{0, 0}; !slices.Equal(mv, want) {
		t.Errorf("no change: moving = %v, want %v", mv, want)
	}
}

func TestParseInputs(t *testing.T) {
	got, err := ParseInputs("features, motion,moving")
	if err != nil || !slices.Equal(got, []string{"features", "motion", "moving"}) {
		t.Errorf("ParseInputs = %v, %v", got, err)
	}
	if _, err := ParseInputs("features,optical-flow"); err == nil {
		t.Error("an unknown part was accepted")
	}
	cfg := Config{FeatureDim: 11, Hidden: 4, Layers: 1, FPS: 4, Window: 16, Inputs: []string{InputMotion}}
	if cfg.validate() == nil {
		t.Error("motion without grids was accepted")
	}
	cfg.Grids = []Grid{{Offset: 3, Channels: 1, Side: 3}}
	if cfg.validate() == nil {
		t.Error("a grid past the end of the vector was accepted")
	}
	cfg.Grids = []Grid{{Offset: 2, Channels: 1, Side: 3}}
	cfg.Inputs = []string{InputFeatures, InputChange, InputMotion, InputMoving}
	if err := cfg.validate(); err != nil || cfg.inDim() != 11+11+4+2 {
		t.Errorf("validate %v, inDim %d", err, cfg.inDim())
	}
}

// The objects part: two classes of objects.FeaturesPerClass values; the
// first class is seen twice at 0.9 and 0.4 and its centre moves right by
// 0.05; the second appears.
func TestObjectsMotion(t *testing.T) {
	last := make([]float32, 2*objectsStride)
	f := make([]float32, 2*objectsStride)
	last[0], last[1], last[4], last[5], last[6] = 0.9, 0.4, 0.5, 0.25, 0.5
	f[0], f[1], f[4], f[5], f[6] = 0.9, 0.4, 0.5, 0.3, 0.5
	f[objectsStride], f[objectsStride+4] = 0.2, 0.1
	d := make([]float32, 2*objectsPerClass)
	objectsMotion(d, f, last)
	want := []float32{0.9, 2, 0, 0, (0.3 - 0.25) * objectsMoveScale, 0, 0, 0.2, 0, 0.2, 0, 0, 0, 0}
	for i := range want {
		if diff := d[i] - want[i]; diff > 1e-5 || diff < -1e-5 {
			t.Fatalf("objects part = %v, want %v", d, want)
		}
	}
	if got := (Config{FeatureDim: 2 * objectsStride, Inputs: []string{InputObjects}}).inDim(); got != 2*objectsPerClass {
		t.Errorf("inDim = %d, want %d", got, 2*objectsPerClass)
	}
}

// The objectcells part: a class's best box moves from the top left cell
// to the top right one.
func TestObjectCells(t *testing.T) {
	last := make([]float32, objectsStride)
	f := make([]float32, objectsStride)
	last[9], f[11] = 0.5, 0.5
	d := make([]float32, 4)
	objectCells(d, f, last)
	if want := []float32{0, 1, 1, 0}; !slices.Equal(d, want) {
		t.Errorf("objectcells = %v, want %v", d, want)
	}
}
