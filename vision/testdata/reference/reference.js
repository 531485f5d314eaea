// Computes the reference outputs that vision's tests compare the converted
// ONNX model against, with the package's own runtime (TensorFlow.js, pure JS).
//
//   npm pack nsfwjs@4.3.0 && tar xzf nsfwjs-4.3.0.tgz
//   npm install            # in this folder: @tensorflow/tfjs, pngjs
//   node reference.js ./package/dist/models/mobilenet_v2 > reference.json
//
// Input: the PNG fixtures shapes*.png here (224x224 RGB), divided by 255 as
// nsfwjs does. Output: for every image and layer, the layer's output in
// TensorFlow.js's NHWC layout (float32, little-endian, base64), every
// stride-th value.
"use strict";
const fs = require("fs");
const path = require("path");
const tf = require("@tensorflow/tfjs");
const { PNG } = require("pngjs");

// Layers and the stride at which their NHWC values are kept (every value of
// the small ones; a subsample of the large ones keeps this file small).
const strides = { dense_3: 1, average_pooling2d_1: 1, block_12_add: 3, Conv1_relu: 61 };
const layers = Object.keys(strides);
const images = ["shapes0.png", "shapes1.png", "shapes2.png"];

async function main() {
  const dir = process.argv[2];
  const m = require(path.resolve(dir, "model.min.js"));
  const shard = require(path.resolve(dir, "group1-shard1of1.min.js"));
  const bytes = Buffer.from(shard, "base64");
  const handler = {
    load: async () => ({
      modelTopology: m.modelTopology,
      weightSpecs: m.weightsManifest[0].weights,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    }),
  };
  const model = await tf.loadLayersModel(handler);
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((n) => model.getLayer(n).output) });
  const out = { runtime: "@tensorflow/tfjs " + tf.version.tfjs, model: "nsfwjs 4.3.0 mobilenet_v2", layout: "NHWC", images: [] };
  for (const name of images) {
    const png = PNG.sync.read(fs.readFileSync(path.join(__dirname, name)));
    const rgb = new Float32Array(png.width * png.height * 3);
    for (let i = 0, j = 0; i < png.data.length; i += 4, j += 3) {
      rgb[j] = png.data[i] / 255;
      rgb[j + 1] = png.data[i + 1] / 255;
      rgb[j + 2] = png.data[i + 2] / 255;
    }
    const x = tf.tensor4d(rgb, [1, png.height, png.width, 3]);
    let ys = probe.predict(x);
    if (!Array.isArray(ys)) ys = [ys];
    const entry = { image: name, outputs: {} };
    layers.forEach((n, k) => {
      const data = ys[k].dataSync();
      const kept = new Float32Array(Math.ceil(data.length / strides[n]));
      for (let i = 0; i < kept.length; i++) kept[i] = data[i * strides[n]];
      entry.outputs[n] = { shape: ys[k].shape, stride: strides[n], data: Buffer.from(kept.buffer).toString("base64") };
    });
    // What the converter's pooling heads compute: the maximum and the mean
    // of every channel of Conv1_relu, over the whole map and over each cell
    // of a 3x3, a 4x4 and a 7x7 grid (cell i of g over n rows spans
    // [floor(i*n/g), ceil((i+1)*n/g)), as in vision's grid pooling).
    const c1 = ys[layers.indexOf("Conv1_relu")];
    const heads = [["Conv1_relu/global_max", tf.max(c1, [1, 2], true)], ["Conv1_relu/global_mean", tf.mean(c1, [1, 2], true)]];
    for (const g of [3, 4, 7]) {
      for (const op of ["max", "mean"]) {
        heads.push(["Conv1_relu/grid" + g + "_" + op, gridPool(c1, g, op)]);
      }
    }
    for (const [name, t] of heads) {
      entry.outputs[name] = { shape: t.shape, stride: 1, data: Buffer.from(new Float32Array(t.dataSync()).buffer).toString("base64") };
    }
    out.images.push(entry);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

// gridPool pools an NHWC tensor over a g x g grid of cells: (1, g, g, C).
function gridPool(x, g, op) {
  const [, h, w, c] = x.shape;
  const rows = [];
  for (let gy = 0; gy < g; gy++) {
    const y0 = Math.floor((gy * h) / g), y1 = Math.ceil(((gy + 1) * h) / g);
    const cells = [];
    for (let gx = 0; gx < g; gx++) {
      const x0 = Math.floor((gx * w) / g), x1 = Math.ceil(((gx + 1) * w) / g);
      const cell = tf.slice(x, [0, y0, x0, 0], [1, y1 - y0, x1 - x0, c]);
      cells.push(op === "max" ? tf.max(cell, [1, 2]) : tf.mean(cell, [1, 2])); // (1, C)
    }
    rows.push(tf.stack(cells, 1)); // (1, g, C)
  }
  return tf.stack(rows, 1); // (1, g, g, C)
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
