package engine

import (
	"encoding/json"
	"testing"
	"testing/fstest"

	"captioner/models"
)

// bundleFS is a copy of the embedded default bundle's manifest, changed
// by edit.
func bundleFS(t *testing.T, edit func(m map[string]any)) fstest.MapFS {
	t.Helper()
	man, err := models.ReadManifest(models.Default())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	for k, v := range man {
		var x any
		json.Unmarshal(v, &x)
		m[k] = x
	}
	if edit != nil {
		edit(m)
	}
	data, _ := json.MarshalIndent(m, "", "  ")
	return fstest.MapFS{"manifest.json": &fstest.MapFile{Data: data}}
}

func TestModelChecksum(t *testing.T) {
	sum := func(fsys fstest.MapFS, part string) string {
		t.Helper()
		s, _, err := ModelChecksum(fsys, part)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := bundleFS(t, nil)
	capSum, subSum := sum(base, "caption"), sum(base, "subtitle")
	if len(capSum) != 64 || capSum == subSum {
		t.Fatalf("caption %q, subtitle %q", capSum, subSum)
	}
	emb, version, err := ModelChecksum(models.Default(), "caption")
	if err != nil || emb != capSum || version != models.Version() {
		t.Errorf("embedded bundle: %q %q %v; want %q %q", emb, version, err, capSum, models.Version())
	}
	withLabeller := bundleFS(t, func(m map[string]any) {
		m["subtitle"] = map[string]any{"weights": "subtitle.safetensors", "config": map[string]any{"hidden": 16}}
		m["files"].(map[string]any)["subtitle.safetensors"] = map[string]any{"sha256": "ab", "bytes": 2}
	})
	for _, tc := range []struct {
		name    string
		fsys    fstest.MapFS
		capSame bool
		subSame bool
	}{
		{"a labeller added", withLabeller, true, false},
		{"new scores recorded", bundleFS(t, func(m map[string]any) {
			m["caption"].(map[string]any)["scores"] = map[string]any{"test": 1}
		}), true, true},
		{"speed measured", bundleFS(t, func(m map[string]any) {
			m["subtitle"] = map[string]any{"weights": "subtitle.safetensors", "speed": map[string]any{"x_realtime": 14.3}}
			m["files"].(map[string]any)["subtitle.safetensors"] = map[string]any{"sha256": "ab", "bytes": 2}
		}), true, false},
		{"another version label", bundleFS(t, func(m map[string]any) { m["version"] = "other" }), true, true},
		{"new caption weights", bundleFS(t, func(m map[string]any) {
			m["files"].(map[string]any)["caption.safetensors"] = map[string]any{"sha256": "cd", "bytes": 2}
		}), false, true},
		{"another CNN", bundleFS(t, func(m map[string]any) {
			m["files"].(map[string]any)["cnn.onnx"] = map[string]any{"sha256": "ef", "bytes": 2}
		}), false, false},
		{"another detector", bundleFS(t, func(m map[string]any) {
			m["detector"] = map[string]any{"weights": "detector.onnx", "spec": map[string]any{"format": "onnx"}}
			m["files"].(map[string]any)["detector.onnx"] = map[string]any{"sha256": "12", "bytes": 2}
		}), false, false},
		{"an objects captioner", bundleFS(t, func(m map[string]any) {
			m["objects_caption"] = map[string]any{"weights": "objects_caption.safetensors", "scores": map[string]any{"real": 1}}
			m["files"].(map[string]any)["objects_caption.safetensors"] = map[string]any{"sha256": "34", "bytes": 2}
		}), false, true},
		{"an objects labeller", bundleFS(t, func(m map[string]any) {
			m["objects_subtitle"] = map[string]any{"weights": "objects_subtitle.safetensors"}
			m["files"].(map[string]any)["objects_subtitle.safetensors"] = map[string]any{"sha256": "56", "bytes": 2}
		}), true, false},
		{"another threshold", bundleFS(t, func(m map[string]any) {
			m["caption"].(map[string]any)["low_confidence"] = -9.0
		}), false, true},
	} {
		if got := sum(tc.fsys, "caption") == capSum; got != tc.capSame {
			t.Errorf("%s: caption checksum unchanged = %v, want %v", tc.name, got, tc.capSame)
		}
		if got := sum(tc.fsys, "subtitle") == subSum; got != tc.subSame {
			t.Errorf("%s: subtitle checksum unchanged = %v, want %v", tc.name, got, tc.subSame)
		}
	}
	// The labeller's weights change the videos' checksum only.
	newSub := bundleFS(t, func(m map[string]any) {
		m["subtitle"] = map[string]any{"weights": "subtitle.safetensors", "config": map[string]any{"hidden": 16}}
		m["files"].(map[string]any)["subtitle.safetensors"] = map[string]any{"sha256": "99", "bytes": 2}
	})
	if sum(newSub, "caption") != capSum || sum(newSub, "subtitle") == sum(withLabeller, "subtitle") {
		t.Error("new labeller weights: wrong checksums")
	}
	timed := bundleFS(t, func(m map[string]any) {
		m["subtitle"] = map[string]any{"weights": "subtitle.safetensors", "config": map[string]any{"hidden": 16},
			"speed": map[string]any{"x_realtime": 14.3}, "training": map[string]any{"epochs": 3}}
		m["files"].(map[string]any)["subtitle.safetensors"] = map[string]any{"sha256": "ab", "bytes": 2}
	})
	if sum(timed, "subtitle") != sum(withLabeller, "subtitle") {
		t.Error("recording the labeller's speed and training changed its checksum")
	}
}
