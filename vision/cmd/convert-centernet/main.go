// Command convert-centernet adds the object detector to captioner's default
// model bundle, from the npm package @vladmandic/human (MIT licence): it
// reads the package's CenterNet (a TensorFlow.js graph model on a
// MobileNetV3 backbone, 80 COCO classes, float16 weights), converts the
// network up to its heat map (tower_0/keypoints) and box extents
// (tower_0/wh) to ONNX, leaving the graph's post-processing tail (peaks,
// top-k, boxes) to package vision, and writes into the output folder the
// ONNX file, the package's licence notice and the manifest's "detector"
// entry (spec, class names, source, checksums).
//
//	npm pack @vladmandic/human@3.3.6
//	go run ./vision/cmd/convert-centernet --package vladmandic-human-3.3.6.tgz --out models/default
//
// The rest of an existing manifest.json is kept as it is. The output is the
// same, byte for byte, for the same package and the same manifest.
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
	"regexp"
	"strconv"

	"captioner/internal/atomicfile"
	"captioner/models"
	"captioner/vision"
	"captioner/vision/convert"
)

// Where the model and its class names are inside the package.
const (
	modelDir    = "package/models"
	modelFile   = "centernet.json"
	labelsDir   = "package/src/object"
	labelsFile  = "labels.ts"
	packageName = "@vladmandic/human"
)

// Names of the files written.
const (
	onnxName    = "detector.onnx"
	licenceName = "LICENSE.human"
)

// The network's input and the outputs kept.
const (
	inputSize = 512
	heatmap   = "tower_0/keypoints"
	extents   = "tower_0/wh"
)

// detectorVersion changes whenever the converted network or its spec changes.
const detectorVersion = "detector-human-3.3.6-centernet-1"

func main() {
	pkg := flag.String("package", "vladmandic-human-3.3.6.tgz", "the npm tarball, from `npm pack @vladmandic/human@3.3.6`")
	out := flag.String("out", "models/default", "bundle folder to write")
	flag.Parse()
	if *pkg == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: convert-centernet [--package vladmandic-human-3.3.6.tgz] [--out models/default]")
		os.Exit(2)
	}
	if err := run(*pkg, *out); err != nil {
		fmt.Fprintf(os.Stderr, "convert-centernet: %v\n", err)
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
		return fmt.Errorf("%s: package.json: %w", pkg, err)
	}
	if pj.Name != packageName {
		return fmt.Errorf("%s is package %q, not %s", pkg, pj.Name, packageName)
	}
	files, err := convert.ReadPackageFiles(bytes.NewReader(tgz), modelDir)
	if err != nil {
		return err
	}
	model, ok := files[modelFile]
	if !ok {
		return fmt.Errorf("%s has no %s/%s", pkg, modelDir, modelFile)
	}
	g, err := convert.ParseGraphModel(model, func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("not in %s/%s", pkg, modelDir)
	})
	if err != nil {
		return err
	}
	src, err := convert.ReadPackageFiles(bytes.NewReader(tgz), labelsDir)
	if err != nil {
		return err
	}
	labels, err := parseLabels(src[labelsFile])
	if err != nil {
		return fmt.Errorf("%s/%s: %w", labelsDir, labelsFile, err)
	}
	onnx, shapes, err := convert.ConvertGraph(g, convert.GraphOptions{
		Outputs:  []string{heatmap, extents},
		Producer: "captioner convert-centernet",
		Version:  detectorVersion,
	})
	if err != nil {
		return err
	}
	if c := shapes[0].Shape[1]; c != len(labels) {
		return fmt.Errorf("the heat map has %d classes, %s names %d", c, labelsFile, len(labels))
	}
	spec := vision.Spec{
		Format: "onnx",
		Model:  onnxName,
		// CenterNet takes RGB values 0-255 as they are.
		Input:   vision.InputSpec{Width: inputSize, Height: inputSize, Channels: "rgb", Scale: 1, Fit: "stretch"},
		Outputs: []vision.OutputSpec{{Layer: heatmap, Pool: vision.PoolNone}, {Layer: extents, Pool: vision.PoolNone}},
		Detector: &vision.DetectorSpec{
			Kind:    vision.DetectorCenterNet,
			Labels:  labels,
			Heatmap: heatmap,
			Extents: extents,
			Stride:  4,
		},
	}
	trial := spec
	trial.ModelData, trial.Source = onnx, "converted model"
	d, err := vision.NewDetector(trial, vision.Options{BatchSize: 1})
	if err != nil {
		return err
	}
	d.Close()
	licence := meta["LICENSE"]
	if licence == nil {
		return fmt.Errorf("%s has no LICENSE", pkg)
	}
	notice := append([]byte(fmt.Sprintf("The weights in %s are converted from the npm package %s %s\n(%s/%s, %s), under this licence:\n\n",
		onnxName, packageName, pj.Version, modelDir, modelFile, pj.License)), licence...)
	entry := vision.DetectorEntry{
		Version: detectorVersion,
		Weights: onnxName,
		Spec:    spec,
		Source: map[string]any{
			"package":        packageName,
			"version":        pj.Version,
			"licence":        pj.License,
			"tarball_sha256": hex.EncodeToString(tgzSum[:]),
			"model":          modelDir + "/" + modelFile,
			"labels":         labelsDir + "/" + labelsFile,
			"network":        "CenterNet on MobileNetV3 (TensorFlow.js graph model, float16 weights), cut at the heat map and the box extents",
			"output_shapes":  shapes,
			"converter":      "go run ./vision/cmd/convert-centernet --package vladmandic-human-" + pj.Version + ".tgz --out models/default",
		},
	}
	man := models.Manifest{}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err == nil {
		if man, err = models.ReadManifest(os.DirFS(out)); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(out, "manifest.json"), err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	} else if err := man.Set("format_version", models.FormatVersion); err != nil {
		return err
	}
	entries := map[string]models.FileEntry{}
	if _, ok := man["files"]; ok {
		if entries, err = man.Files(); err != nil {
			return err
		}
	}
	entries[onnxName], entries[licenceName] = models.Entry(onnx), models.Entry(notice)
	if err := man.Set("detector", entry); err != nil {
		return err
	}
	if err := man.Set("files", entries); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, data := range map[string][]byte{onnxName: onnx, licenceName: notice} {
		if err := atomicfile.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
	}
	if err := man.Write(out); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %s (%d bytes), %d classes\n", out, onnxName, len(onnx), len(labels))
	return nil
}

// labelEntry matches one entry of labels.ts: { class: 1, label: 'person' }.
var labelEntry = regexp.MustCompile(`\{\s*class:\s*(\d+),\s*label:\s*'([^']+)'\s*\}`)

// parseLabels reads the class names of labels.ts, which numbers them from 1
// in the heat map's channel order.
func parseLabels(src []byte) ([]string, error) {
	if src == nil {
		return nil, errors.New("not in the package")
	}
	var labels []string
	for _, m := range labelEntry.FindAllSubmatch(src, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		if n != len(labels)+1 {
			return nil, fmt.Errorf("class %d (%s) out of order: want %d", n, m[2], len(labels)+1)
		}
		labels = append(labels, string(m[2]))
	}
	if len(labels) == 0 {
		return nil, errors.New("no labels found")
	}
	return labels, nil
}
