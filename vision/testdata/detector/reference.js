// Computes the reference outputs that vision's tests compare the converted
// CenterNet (ONNX, in OpenCV's dnn) against, with the package's own runtime
// (TensorFlow.js 4.22, pure JS, cpu backend).
//
//   npm pack @vladmandic/human@3.3.6 && tar xzf vladmandic-human-3.3.6.tgz
//   npm install            # in this folder: @tensorflow/tfjs, pngjs
//   node reference.js ./package/models > reference.json
//
// Input: the PNG fixtures here (256x256 RGB, made with ffmpeg -vf
// scale=256:256:flags=area from Debian-packaged photos, see README.md), each
// pixel replicated into a 2x2 block (nearest neighbour, exact) to make the
// network's 1x512x512x3 input, values 0..255 RGB, not scaled. (128x128
// replicated 4x4 was too blocky: the dog and the bicycle were not found.) Output: per image, tower_0/keypoints
// (1x128x128x80) and tower_0/wh (1x128x128x4) in NHWC order, float32
// little-endian base64, every stride-th value; the per-class maximum of the
// keypoints with its cell; and the model's own tower_0/detections rows with a
// score over 0.2.
"use strict";
const fs = require("fs");
const path = require("path");
const { PNG } = require("pngjs");
const { tf, outputs, loadModel, labels, rows } = require("./common");

const images = ["dog.png", "person.png"];
const block = 2; // each PNG pixel becomes a block x block square of the input
// Strides coprime with the channel counts, so the kept values cycle through
// every channel.
const strides = { "tower_0/keypoints": 79, "tower_0/wh": 5 };
const minScore = 0.2;

async function main() {
  const dir = process.argv[2];
  const model = await loadModel(dir);
  const names = labels(dir);
  const out = {
    runtime: "@tensorflow/tfjs " + tf.version.tfjs + " (backend " + tf.getBackend() + ")",
    model: "@vladmandic/human 3.3.6 models/centernet.json (MB3-CenterNet, COCO 80 classes)",
    layout: "NHWC",
    input: "1x512x512x3 float32 RGB 0..255 (not scaled): each pixel of the 128x128 PNG replicated into a 4x4 block",
    block: block,
    min_score: minScore,
    labels: names,
    images: [],
  };
  for (const name of images) {
    const png = PNG.sync.read(fs.readFileSync(path.join(__dirname, name)));
    const w = png.width * block, h = png.height * block;
    const rgb = new Float32Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = ((Math.floor(y / block) * png.width) + Math.floor(x / block)) * 4;
        const d = (y * w + x) * 3;
        rgb[d] = png.data[s];
        rgb[d + 1] = png.data[s + 1];
        rgb[d + 2] = png.data[s + 2];
      }
    }
    const x = tf.tensor4d(rgb, [1, h, w, 3]);
    const [kp, wh, det] = model.execute(x, outputs);
    const entry = { image: name, outputs: {} };
    for (const [n, t] of [["tower_0/keypoints", kp], ["tower_0/wh", wh]]) {
      const data = t.dataSync();
      const kept = new Float32Array(Math.ceil(data.length / strides[n]));
      for (let i = 0; i < kept.length; i++) kept[i] = data[i * strides[n]];
      entry.outputs[n] = { shape: t.shape, stride: strides[n], data: Buffer.from(kept.buffer).toString("base64") };
    }
    // The maximum of every class's heat map, with its cell (first in NHWC
    // order on ties).
    const [, gh, gw, nc] = kp.shape;
    const k = kp.dataSync();
    const max = [];
    for (let c = 0; c < nc; c++) {
      let best = -Infinity, by = 0, bx = 0;
      for (let yy = 0; yy < gh; yy++) {
        for (let xx = 0; xx < gw; xx++) {
          const v = k[(yy * gw + xx) * nc + c];
          if (v > best) { best = v; by = yy; bx = xx; }
        }
      }
      max.push({ class: c, label: names[c], max: best, y: by, x: bx });
    }
    entry.keypoints_max = max;
    entry.decode_check = decodeCheck(k, wh.dataSync(), det.dataSync(), gh, gw, nc);
    entry.detections = rows(det, minScore).map((r) => ({ box: r.slice(0, 4), score: r[4], class: r[5], label: names[r[5]] }));
    out.images.push(entry);
    tf.dispose([x, kp, wh, det]);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

// decodeCheck decodes the heat map and extents as README.md says (3x3
// max-pool peaks, the 100 best, box = 4*(x, y) minus wh[0], wh[1] and plus
// wh[2], wh[3]) and returns the largest difference from the graph's own
// tower_0/detections rows.
function decodeCheck(k, wh, det, gh, gw, nc) {
  const peaks = [];
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      for (let c = 0; c < nc; c++) {
        const v = k[(y * gw + x) * nc + c];
        let peak = true;
        for (let dy = -1; dy <= 1 && peak; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= gh || xx < 0 || xx >= gw) continue;
            if (k[(yy * gw + xx) * nc + c] > v) { peak = false; break; }
          }
        }
        if (peak) peaks.push([v, (y * gw + x) * nc + c]);
      }
    }
  }
  peaks.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let maxBox = 0, maxScore = 0, classes = 0;
  for (let i = 0; i < det.length / 6; i++) {
    const [v, idx] = peaks[i];
    const c = idx % nc, cell = Math.floor(idx / nc), y = Math.floor(cell / gw), x = cell % gw;
    const e = wh.slice(cell * 4, cell * 4 + 4);
    const box = [4 * x - e[0], 4 * y - e[1], 4 * x + e[2], 4 * y + e[3]];
    for (let j = 0; j < 4; j++) maxBox = Math.max(maxBox, Math.abs(box[j] - det[i * 6 + j]));
    maxScore = Math.max(maxScore, Math.abs(v - det[i * 6 + 4]));
    if (c !== det[i * 6 + 5]) classes++;
  }
  return { rows: det.length / 6, max_box_diff: maxBox, max_score_diff: maxScore, class_mismatches: classes };
}

main().catch((e) => { console.error(e); process.exit(1); });
