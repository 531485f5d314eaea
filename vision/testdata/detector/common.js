// Shared by reference.js and detections.js: loading @vladmandic/human's
// CenterNet graph model from its folder, and the COCO labels.
"use strict";
const fs = require("fs");
const path = require("path");
const tf = require("@tensorflow/tfjs");

const outputs = ["tower_0/keypoints", "tower_0/wh", "tower_0/detections"];

// loadModel reads centernet.json and centernet.bin from dir (the package's
// models/ folder) and loads them from memory: no file or network handler.
async function loadModel(dir) {
  const m = JSON.parse(fs.readFileSync(path.join(dir, "centernet.json"), "utf8"));
  const bin = fs.readFileSync(path.join(dir, "centernet.bin"));
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: m.modelTopology,
      weightSpecs: m.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
    }),
  );
  return model;
}

// labels reads the 80 class names, in class order, from the package's
// src/object/labels.ts (dir is its models/ folder).
function labels(dir) {
  const ts = fs.readFileSync(path.join(dir, "..", "src", "object", "labels.ts"), "utf8");
  const names = [...ts.matchAll(/label:\s*'([^']+)'/g)].map((m) => m[1]);
  if (names.length !== 80) throw new Error("labels.ts: " + names.length + " labels, want 80");
  return names;
}

// rows returns the model's own detections (x1, y1, x2, y2, score, class; input
// pixels) with a score over min, highest first.
function rows(det, min) {
  const d = det.dataSync();
  const out = [];
  for (let i = 0; i < d.length; i += 6) {
    if (d[i + 4] > min) out.push(Array.from(d.slice(i, i + 6)));
  }
  return out;
}

module.exports = { tf, outputs, loadModel, labels, rows };
