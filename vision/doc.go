// Package vision turns frames into CNN feature vectors and object
// detections with OpenCV's dnn module: the first stage of every caption and
// subtitle model.
//
// A Spec names a network that OpenCV reads (ONNX, Caffe, TensorFlow or
// Darknet), its preprocessing (input size, mean, scale, channel order, how a
// frame of another aspect ratio is fitted) and the layers whose outputs,
// pooled globally or over a grid of cells, make up the vector. Grid pooling
// keeps where things are, which captions that name positions need.
//
// An Extractor runs a spec: one network per worker, several frames per
// forward pass, OpenCV's thread count set explicitly, every Mat closed.
// Callers that only need vectors declare a small interface of their own:
//
//	type featurizer interface {
//		Features(ctx context.Context, frames []media.Frame) ([][]float32, error)
//		Dim() int
//	}
//
// The default CNN is embedded in package models: the first blocks of the
// MobileNetV2 of the npm package nsfwjs 4.3.0 (MIT), converted to ONNX by
// vision/cmd/convert-nsfwjs (package vision/convert) and checked against
// TensorFlow.js's outputs. Its feature vector was chosen with the linear
// probe of PROBE.md; speed is in BENCHMARKS.md.
//
// A Detector runs a spec with a "detector" object (DetectorSpec): a
// CenterNet (a heat map per class and box extents) or a YOLO (Darknet's
// [yolo]/[region] rows), with its class names. Detect returns each frame's
// objects: class, score and box in the frame's pixels (whatever the
// network's own fit did), from the heat map's 3x3 peaks (one class a cell),
// a score threshold, per-class non-maximum suppression and a maximum count; SourceBox and
// FrameDetections.ToSource map boxes of a video's sampled frames back to the
// video's pixels. A Detector is also a featurizer: its vector is each
// class's heat map max-pooled on a coarse grid, plus its maximum (what is
// where), for the recurrent models.
//
// The default detector is embedded too: the CenterNet (MobileNetV3, 80 COCO
// classes) of the npm package @vladmandic/human 3.3.6 (MIT), a TF.js graph
// model converted by vision/cmd/convert-centernet and checked against
// TensorFlow.js's heat map and extents and against the graph's own
// detections. Its speed, input sizes and scores on hand-labelled real photos
// are in BENCHMARKS.md.
//
// OpenCV calls that can throw (reading a model, a forward pass) go through
// vision's own cgo wrappers that turn C++ exceptions into errors.
package vision
