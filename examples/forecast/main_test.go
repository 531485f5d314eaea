package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// A short run: both networks learn the series' momentum and reversion
// from the window and come near the noise floor (0.5), well under the
// last value's error; the plot is a PNG of the asked size.
func TestForecast(t *testing.T) {
	res, err := run(1, 400)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("RMSE: last value %.3f, dense %.3f, LSTM %.3f", res.last, res.dense, res.lstm)
	if res.last < 0.75 || res.last > 0.95 {
		t.Errorf("last value's RMSE %.3f: the series is not the one described", res.last)
	}
	for name, e := range map[string]float64{"dense": res.dense, "LSTM": res.lstm} {
		if e > 0.8*res.last || e < 0.45 {
			t.Errorf("%s RMSE %.3f: want between 0.45 (the noise is 0.5) and 0.8 x the last value's %.3f", name, e, res.last)
		}
	}
	if len(res.truth) != 1199 || len(res.lstmF) != len(res.truth) || len(res.denseF) != len(res.truth) {
		t.Fatalf("%d test steps, %d and %d forecasts", len(res.truth), len(res.lstmF), len(res.denseF))
	}
	out := filepath.Join(t.TempDir(), "f.png")
	if err := draw(res, out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width < 900 || cfg.Height < 400 {
		t.Errorf("plot: %v, %dx%d", err, cfg.Width, cfg.Height)
	}
}

// The series is the same for a seed and differs between seeds.
func TestSeries(t *testing.T) {
	a, b, c := series(100, 1), series(100, 1), series(100, 2)
	if a[99] != b[99] || a[99] == c[99] {
		t.Errorf("seed 1 twice: %g, %g; seed 2: %g", a[99], b[99], c[99])
	}
}
