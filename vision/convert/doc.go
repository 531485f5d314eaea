// Package convert converts TensorFlow.js models into ONNX files that OpenCV
// 4.6's dnn importer reads. Two kinds are read:
//
//   - Layers models (a Keras functional model's topology and its weights, as
//     the npm package nsfwjs ships them: model.min.js and base64 shards with
//     uint8-quantised weights): ParseModel, ReadPackageModel and Convert.
//     The output uses Conv (batch normalisation and Keras's ZeroPadding2D
//     folded in; depthwise convolutions as grouped Conv), Relu, Clip with
//     attribute bounds (opset 9) for ReLU6, Add, AveragePool,
//     GlobalAveragePool, Flatten, Gemm with transB=1 and Softmax. Asking for
//     mid-level outputs truncates the graph to the layers they need.
//   - Graph models (a TensorFlow GraphDef in JSON and weight shards of
//     float32, float16, uint8 or uint16 values, as @vladmandic/human ships
//     its CenterNet): ParseGraphModel and ConvertGraph. Fused nodes
//     (_FusedConv2D, FusedDepthwiseConv2dNative with their fused_ops: bias,
//     batch normalisation, an activation) are split; Relu6 becomes Clip,
//     a squeeze-and-excite Mean GlobalAveragePool, ResizeBilinear (TF's
//     asymmetric mapping) Upsample by a scale, so the network stays fully
//     convolutional. The graph is cut at the named outputs, leaving a
//     post-processing tail OpenCV cannot run to the caller; an op with no
//     mapping is an error naming the node and its op, never a wrong network.
//
// Weights are written as float32 (OpenCV 4.6 does not read float16
// initialisers) and input dimensions are fixed. The protobuf is written by a
// small hand-written encoder (onnxpb.go), so the output is the same byte for
// byte for the same input.
package convert
