// Package convert converts TensorFlow.js layers models (a Keras functional
// model's topology and its weights, as the npm package nsfwjs ships them:
// model.min.js and base64 shards with uint8-quantised weights) into ONNX
// files that OpenCV 4.6's dnn importer reads.
//
// The output uses only operators OpenCV 4.6 handles: Conv (batch
// normalisation and Keras's ZeroPadding2D folded in; depthwise convolutions
// as grouped Conv), Relu, Clip with attribute bounds (opset 9) for ReLU6,
// Add, AveragePool, GlobalAveragePool, Flatten, Gemm with transB=1 and
// Softmax; float32 weights and fixed input dimensions. Asking for mid-level
// outputs truncates the graph to the layers they need. The protobuf is
// written by a small hand-written encoder (onnxpb.go).
package convert
