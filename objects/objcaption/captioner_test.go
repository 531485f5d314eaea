package objcaption

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"captioner/caption"
	"captioner/models"
	"captioner/objects"
)

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a dog", "a dog"},
		{"two people and a bicycle", "two people and a bicycle"},
		{"a dog a bicycle and a car", "a dog, a bicycle and a car"},
		{"several people two cars and a pair of skis", "several people, two cars and a pair of skis"},
		{"a bicycle to the right of a dog", "a bicycle to the right of a dog"},
		{"a cup below a clock", "a cup below a clock"},
		{"no objects i know", objects.NoObjects},
	} {
		d, err := Canonical(tc.in)
		if err != nil || d.String() != tc.want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", tc.in, d, err, tc.want)
		}
	}
	for _, in := range []string{"", "a dog a dog", "two and a person", "a person to the left of a person to the left of a car", "an know"} {
		if d, err := Canonical(in); err == nil {
			t.Errorf("Canonical(%q) = %q, want an error", in, d)
		}
	}
}

// trainTiny trains a small objects captioner in a few seconds.
func trainTiny(t *testing.T, out string) *caption.TrainResult {
	t.Helper()
	res, err := Train(context.Background(), TrainOptions{
		Out: out, TrainSeed: 5, ValSeed: 6, N: 3000, ValN: 100, Seed: 7,
		Config: caption.Config{Embed: 64, Hidden: 128, MaxLen: 16, Condition: "state"},
		Epochs: 5, Batch: 32, LR: 5e-3, Patience: 10,
		Log: func(f string, a ...any) { t.Logf(f, a...) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A tiny model trains, is written under "objects_caption" with what it
// needs to run, leaves the rest of the bundle as it was, learns something,
// and installs into another bundle without touching its other files.
func TestTrainTiny(t *testing.T) {
	out := filepath.Join(t.TempDir(), "model")
	res := trainTiny(t, out)
	val, ok := res.Domain.(objects.CaptionReport)
	if !ok || val.Captions != 100 {
		t.Fatalf("validation report %#v", res.Domain)
	}
	// 3 epochs of 1,500 photos name mostly the right classes already.
	t.Logf("validation: %+v", val)
	if val.Precision < 0.4 || val.Recall < 0.3 {
		t.Errorf("validation noun precision %.3f, recall %.3f: want at least 0.4 and 0.3", val.Precision, val.Recall)
	}
	c, err := Load(os.DirFS(out), out, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	e := c.Entry()
	classes, _ := DetectorClasses(models.Default())
	if e.Domain != Domain || e.Weights != Part+".safetensors" || e.Featurizer.Kind != Kind || len(e.Featurizer.Classes) != 80 ||
		e.Featurizer.Classes[0] != classes[0] || e.Featurizer.Floor != DefaultFloor || e.Featurizer.InputSize != 512 {
		t.Errorf("entry %+v, featurizer %+v", e, e.Featurizer)
	}
	if e.Training["data"] != "objects" || e.Scores["validation_objects"] == nil {
		t.Errorf("entry's training %v, scores %v", e.Training, e.Scores)
	}
	// The bundle's own caption model is the default's, untouched.
	for _, name := range []string{"caption.safetensors", "subtitle.safetensors", "detector.onnx"} {
		a, _ := fs.ReadFile(models.Default(), name)
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs from the default bundle's (%v)", name, err)
		}
	}
	if _, _, err := caption.LoadBundle(os.DirFS(out), out); err != nil {
		t.Errorf("the bundle's caption model: %v", err)
	}

	// Nothing known above the floor: "no objects I know", not confident.
	r, err := c.Caption([]objects.Detection{{Object: objects.Object{Class: "dog", Box: objects.Box{X1: 0.5, Y1: 0.5}}, Score: 0.1}})
	if err != nil || r.Caption != objects.NoObjects || r.Known || r.Confident {
		t.Errorf("a detection under the floor: %+v, %v", r, err)
	}
	r, err = c.Caption([]objects.Detection{{Object: objects.Object{Class: "dog", Box: objects.Box{X0: 0.2, Y0: 0.2, X1: 0.8, Y1: 0.9}}, Score: 0.6}})
	if err != nil || !r.Known || r.Caption == "" {
		t.Errorf("a large dog: %+v, %v", r, err)
	}
	t.Logf("a large dog: %+v", r)

	// Install into a copy of the default bundle: one more entry and file.
	dst := t.TempDir()
	if err := os.CopyFS(dst, models.Default()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dst, "manifest.json"))
	if err := Install(out, dst); err != nil {
		t.Fatal(err)
	}
	after, err := models.ReadManifest(os.DirFS(dst))
	if err != nil {
		t.Fatal(err)
	}
	var orig models.Manifest
	if err := json.Unmarshal(before, &orig); err != nil {
		t.Fatal(err)
	}
	for k, v := range orig {
		if k != "files" && k != Part && !bytes.Equal(after[k], v) {
			t.Errorf("entry %s changed by Install", k)
		}
	}
	if _, err := Load(os.DirFS(dst), dst, DefaultOptions()); err != nil {
		t.Errorf("installed: %v", err)
	}
	if _, _, err := caption.LoadBundle(os.DirFS(dst), dst); err != nil {
		t.Errorf("installed bundle's caption model: %v", err)
	}
}

func TestLoadWithoutModel(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, models.Default()); err != nil {
		t.Fatal(err)
	}
	man, _ := models.ReadManifest(os.DirFS(dir))
	delete(man, Part)
	if err := man.Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(os.DirFS(dir), dir, DefaultOptions()); !errors.Is(err, caption.ErrNoCaptioner) {
		t.Errorf("a bundle without %s: %v, want ErrNoCaptioner", Part, err)
	}
}
