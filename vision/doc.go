// Package vision turns frames into CNN feature vectors with OpenCV's dnn
// module: the first stage of every caption and subtitle model.
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
// OpenCV calls that can throw (reading a model, a forward pass) go through
// vision's own cgo wrappers that turn C++ exceptions into errors.
package vision
