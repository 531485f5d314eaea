// Runs @vladmandic/human's CenterNet the way the package itself does on every
// hand-labelled photo of ../realmedia/labels.json, and writes what it finds:
// a reference for the Go pipeline's findings.
//
//   npm install            # in this folder: @tensorflow/tfjs, pngjs
//   scripts/realmedia.sh   # from the repository root
//   node detections.js ./package/models ~/.cache/captioner/realmedia > tfjs_detections.json
//
// Each photo is decoded by ffmpeg (to RGB, full size, as PNG on a pipe),
// resized to 512x512 with tf.image.resizeBilinear (alignCorners false,
// halfPixelCenters false: what the package's centernet.ts does; aspect not
// kept), given to the network as values 0..255, and the graph's own
// tower_0/detections rows with a score over 0.2 are kept, boxes in the
// 512x512 input's pixels. nms lists the indices of the rows that the package's
// own post-processing keeps: tf.image.nonMaxSuppression over all classes
// together, IoU 0.4, score 0.2, at most 10 (human's default config.object).
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { PNG } = require("pngjs");
const { tf, loadModel, labels, rows } = require("./common");

const size = 512;
const minScore = 0.2;
const nms = { iou: 0.4, score: 0.2, max: 10 };

async function main() {
  const [dir, media] = process.argv.slice(2);
  const model = await loadModel(dir);
  const names = labels(dir);
  const photos = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "realmedia", "labels.json"), "utf8")).photos;
  const out = {
    runtime: "@tensorflow/tfjs " + tf.version.tfjs + " (backend " + tf.getBackend() + ")",
    model: "@vladmandic/human 3.3.6 models/centernet.json",
    input: "photo decoded by ffmpeg to rgb24, tf.image.resizeBilinear to 512x512 (alignCorners false, halfPixelCenters false), float32 0..255",
    min_score: minScore,
    nms: nms,
    box: "x1, y1, x2, y2 in the 512x512 input's pixels",
    photos: [],
  };
  for (const p of photos) {
    const png = PNG.sync.read(execFileSync("ffmpeg", ["-v", "error", "-protocol_whitelist", "file,pipe", "-i", path.join(media, p.file), "-frames:v", "1", "-pix_fmt", "rgb24", "-f", "image2pipe", "-vcodec", "png", "-"], { maxBuffer: 1 << 28 }));
    const rgb = new Float32Array(png.width * png.height * 3);
    for (let i = 0, j = 0; i < png.data.length; i += 4, j += 3) {
      rgb[j] = png.data[i];
      rgb[j + 1] = png.data[i + 1];
      rgb[j + 2] = png.data[i + 2];
    }
    const x = tf.tensor4d(rgb, [1, png.height, png.width, 3]);
    const r = tf.image.resizeBilinear(x, [size, size]);
    const det = model.execute(r, "tower_0/detections");
    const kept = rows(det, minScore);
    const boxes = tf.tensor2d(kept.length ? kept.map((d) => [d[1], d[0], d[3], d[2]]) : [[0, 0, 0, 0]]);
    const scores = tf.tensor1d(kept.length ? kept.map((d) => d[4]) : [0]);
    const keep = kept.length ? Array.from((await tf.image.nonMaxSuppressionAsync(boxes, scores, nms.max, nms.iou, nms.score)).dataSync()) : [];
    out.photos.push({
      file: p.file,
      size: [png.width, png.height],
      detections: kept.map((d) => ({ label: names[d[5]], score: +d[4].toFixed(4), box: d.slice(0, 4).map((v) => +v.toFixed(1)) })),
      nms: keep,
    });
    process.stderr.write(p.file + ": " + keep.map((i) => names[kept[i][5]] + " " + kept[i][4].toFixed(2)).join(", ") + "\n");
    tf.dispose([x, r, det, boxes, scores]);
  }
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
}

main().catch((e) => { console.error(e); process.exit(1); });
