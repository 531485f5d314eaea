// Command convert-nsfwjs rebuilds the CNN of captioner's default model
// bundle from the npm package nsfwjs (MIT licence): it reads the package's
// TensorFlow.js layers MobileNetV2, converts the part of it that the feature
// vector needs to ONNX (opset 9, batch normalisation and zero padding folded,
// float32) and writes, into the output folder, the ONNX file, the package's
// licence notice and manifest.json (source, checksums, preprocessing, output
// layers, pooling, feature dimension).
//
//	npm pack nsfwjs@4.3.0
//	go run ./vision/cmd/convert-nsfwjs --package nsfwjs-4.3.0.tgz --out models/default
//
// An existing manifest.json in the output folder is merged, not replaced:
// the converter sets only the keys it owns ("cnn", "format_version",
// "version" and the "files" entries of the two files it writes) and keeps
// every other key and file entry (the caption and subtitle models of the
// bundle) as it was. The output is the same, byte for byte, for the same
// package and the same manifest.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"captioner/internal/atomicfile"
	"captioner/vision"
	"captioner/vision/convert"
)

// modelDir is the MobileNetV2 (224x224) inside the package.
const modelDir = "package/dist/models/mobilenet_v2"

// Names of the files written.
const (
	onnxName    = "cnn.onnx"
	licenceName = "LICENSE.nsfwjs"
)

// bundleVersion changes whenever the converted network or the feature
// vector changes.
const bundleVersion = "cnn-nsfwjs-4.3.0-mobilenet_v2-b12g3-c1g3max-maxmean-b12g7-c1g7max-4"

// The feature vector. Its first 1,216 values, chosen by the linear probes of
// vision/PROBE.md for the captioner: block_12_add averaged over a 3x3 grid
// (96x14x14 -> 864), then Conv1_relu (32x112x112): its maximum over each
// cell of a 3x3 grid (288: which colour is where, for two-object captions),
// and the maximum and the mean of each channel over the whole map (32 + 32).
// Then, for the subtitle labeller, which must tell the shape and colour of
// a small moving object (subtitle/CHOICES.md): block_12_add averaged over a
// 7x7 grid (4,704) and Conv1_relu's maximum over a 7x7 grid (1,568). 7,488
// values in all; a model reads the leading outputs it was trained on
// (vision.Options.Dim).
// The poolings of Conv1_relu run inside the network (heads), which saves
// copying its large map out of OpenCV; their outputs are already pooled, so
// the spec takes them as they are.
func featureHeads() []convert.Head {
	return []convert.Head{
		{Layer: "Conv1_relu", Op: "max", Grid: 3},
		{Layer: "Conv1_relu", Op: "max"},
		{Layer: "Conv1_relu", Op: "mean"},
		{Layer: "Conv1_relu", Op: "max", Grid: 7},
	}
}

func featureOutputs() []vision.OutputSpec {
	h := featureHeads()
	return []vision.OutputSpec{
		{Layer: "block_12_add", Pool: vision.PoolGrid, Grid: 3},
		{Layer: h[0].Name(), Pool: vision.PoolNone},
		{Layer: h[1].Name(), Pool: vision.PoolGlobal},
		{Layer: h[2].Name(), Pool: vision.PoolGlobal},
		{Layer: "block_12_add", Pool: vision.PoolGrid, Grid: 7},
		{Layer: h[3].Name(), Pool: vision.PoolNone},
	}
}

func main() {
	pkg := flag.String("package", "nsfwjs-4.3.0.tgz", "the npm tarball, from `npm pack nsfwjs@4.3.0`")
	out := flag.String("out", "models/default", "bundle folder to write")
	flag.Parse()
	if *pkg == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: convert-nsfwjs [--package nsfwjs-4.3.0.tgz] [--out models/default]")
		os.Exit(2)
	}
	if err := run(*pkg, *out); err != nil {
		fmt.Fprintf(os.Stderr, "convert-nsfwjs: %v\n", err)
		os.Exit(1)
	}
}

func run(pkg, out string) error {
	tgz, err := os.ReadFile(pkg)
	if err != nil {
		return err
	}
	tgzSum := sha256.Sum256(tgz)
	meta, err := convert.ReadPackageFiles(bytes.NewReader(tgz), "package")
	if err != nil {
		return err
	}
	var pj struct{ Name, Version, License string }
	if err := json.Unmarshal(meta["package.json"], &pj); err != nil {
		return fmt.Errorf("package.json: %w", err)
	}
	if pj.Name != "nsfwjs" {
		return fmt.Errorf("%s is package %q, not nsfwjs", pkg, pj.Name)
	}
	m, err := convert.ReadPackageModel(bytes.NewReader(tgz), modelDir)
	if err != nil {
		return err
	}
	outs := featureOutputs()
	onnx, shapes, err := convert.Convert(m, convert.Options{Outputs: []string{"block_12_add"}, Heads: featureHeads(), Producer: "captioner convert-nsfwjs", Version: bundleVersion})
	if err != nil {
		return err
	}
	spec := vision.Spec{
		Format:  "onnx",
		Model:   onnxName,
		Input:   vision.InputSpec{Width: 224, Height: 224, Channels: "rgb", Scale: 1.0 / 255, Fit: "stretch"},
		Outputs: outs,
	}
	trial := spec
	trial.ModelData, trial.Source = onnx, "converted model"
	e, err := vision.New(trial, vision.Options{BatchSize: 1})
	if err != nil {
		return err
	}
	dim := e.Dim()
	e.Close()
	licence := meta["LICENSE"]
	if licence == nil {
		return fmt.Errorf("%s has no LICENSE", pkg)
	}
	notice := append([]byte(fmt.Sprintf("The weights in %s are converted from the npm package nsfwjs %s\n(%s, %s), under this licence:\n\n",
		onnxName, pj.Version, modelDir, pj.License)), licence...)
	owned := map[string]any{
		"format_version": vision.ManifestVersion,
		"version":        bundleVersion,
		"cnn": vision.CNNEntry{
			Spec:       spec,
			FeatureDim: dim,
			Source: map[string]any{
				"package":        "nsfwjs",
				"version":        pj.Version,
				"licence":        pj.License,
				"tarball_sha256": hex.EncodeToString(tgzSum[:]),
				"model":          modelDir,
				"network":        "MobileNetV2 (TensorFlow.js layers, uint8-quantised weights), truncated after the output layers",
				"output_shapes":  shapes,
				"converter":      "go run ./vision/cmd/convert-nsfwjs --package nsfwjs-" + pj.Version + ".tgz --out models/default",
			},
		},
	}
	files := map[string]vision.FileEntry{onnxName: fileEntry(onnx), licenceName: fileEntry(notice)}
	old, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	mj, err := mergeManifest(old, owned, files)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(out, "manifest.json"), err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, data := range map[string][]byte{onnxName: onnx, licenceName: notice, "manifest.json": mj} {
		if err := writeFile(filepath.Join(out, name), data); err != nil {
			return err
		}
	}
	fmt.Printf("wrote %s: %s (%d bytes), feature dimension %d\n", out, onnxName, len(onnx), dim)
	return nil
}

// mergeManifest returns the manifest old (nil or empty: none) with the
// top-level keys of owned set and the entries of files set in its "files"
// object; every other key and file entry stays as it was. The result is
// indented JSON with sorted keys and a final newline.
func mergeManifest(old []byte, owned map[string]any, files map[string]vision.FileEntry) ([]byte, error) {
	top := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(old)) > 0 {
		if err := json.Unmarshal(old, &top); err != nil {
			return nil, fmt.Errorf("existing manifest: %w", err)
		}
	}
	entries := map[string]json.RawMessage{}
	if f, ok := top["files"]; ok && string(f) != "null" {
		if err := json.Unmarshal(f, &entries); err != nil {
			return nil, fmt.Errorf("existing manifest: files: %w", err)
		}
	}
	for k, v := range owned {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		top[k] = b
	}
	for name, e := range files {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		entries[name] = b
	}
	b, err := json.Marshal(entries)
	if err != nil {
		return nil, err
	}
	top["files"] = b
	mj, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(mj, '\n'), nil
}

func fileEntry(b []byte) vision.FileEntry {
	s := sha256.Sum256(b)
	return vision.FileEntry{SHA256: hex.EncodeToString(s[:]), Bytes: int64(len(b))}
}

func writeFile(path string, data []byte) error {
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}
