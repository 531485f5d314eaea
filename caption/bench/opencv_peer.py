#!/usr/bin/python3
"""The peer of captioner's caption benchmarks: the same CNN through OpenCV's
own Python binding (Debian's python3-opencv), with nothing of captioner's.

  opencv_peer.py forward MODEL.onnx LAYERS IMAGE...   bare batched forward pass
  opencv_peer.py cold MODEL.onnx LAYERS IMAGE         the whole of a cold run

forward: decodes and resizes the images first (not timed), then times only
net.forward of the comma-separated LAYERS over batches of 16 blobs, as
captioner's extractor asks for them; prints "forward-ms-per-frame X".
cold: what a fresh process does to describe one image: import cv2, read the
ONNX, decode and resize the image, one forward pass; the caller times the
whole process. Inputs: 224x224 RGB, scaled by 1/255, stretched.
"""
import sys
import time


def blob(cv2, path):
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    img = cv2.resize(img, (224, 224), interpolation=cv2.INTER_AREA)
    return img


def main():
    mode, model, layers = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    paths = sys.argv[4:]
    import cv2
    net = cv2.dnn.readNetFromONNX(model)
    if mode == "cold":
        b = cv2.dnn.blobFromImage(blob(cv2, paths[0]), 1 / 255.0, (224, 224), swapRB=True)
        net.setInput(b)
        out = net.forward(layers)
        print("cold-outputs", len(out))
        return
    import numpy as np
    imgs = [blob(cv2, p) for p in paths]
    batches = [cv2.dnn.blobFromImages(imgs[i:i + 16], 1 / 255.0, (224, 224), swapRB=True)
               for i in range(0, len(imgs), 16)]
    net.setInput(batches[0])  # warm-up: the first pass allocates
    net.forward(layers)
    spent = 0.0
    for b in batches:
        net.setInput(b)
        t = time.perf_counter()
        net.forward(layers)
        spent += time.perf_counter() - t
    print("forward-ms-per-frame %.3f" % (1000 * spent / len(imgs)))
    del np


if __name__ == "__main__":
    main()
