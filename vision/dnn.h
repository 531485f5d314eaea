// C interface to the few OpenCV dnn calls vision makes itself, each wrapped
// in try/catch: an OpenCV exception crossing cgo would abort the process, so
// every call returns an error message instead.
#ifndef VISION_DNN_H
#define VISION_DNN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *VisionNet;

// vision_net_read reads a network from memory. format is "onnx", "caffe",
// "tensorflow" or "darknet"; config is the Caffe prototxt, TensorFlow pbtxt
// or Darknet cfg (may be empty for onnx and tensorflow). On failure it
// returns NULL and sets *err to a malloc'd message.
VisionNet vision_net_read(const char *format, const char *model, size_t model_len,
                          const char *config, size_t config_len, char **err);

void vision_net_close(VisionNet net);

// vision_net_forward sets blob (a cv::Mat*, NCHW float32) as the input, runs
// the network up to the n named outputs and copies them one after the other
// into out (capacity out_cap floats). shapes receives 4 ints per output (N,
// C, H, W; missing trailing dims are 1), sizes the element count of each.
// Returns 0; 1 when out is too small (shapes and sizes are filled in, out is
// not); or -1 with *err set (malloc'd).
int vision_net_forward(VisionNet net, void *blob, const char **names, int n,
                       float *out, size_t out_cap, int *shapes, size_t *sizes, char **err);

// vision_set_num_threads sets OpenCV's worker thread count for the process.
void vision_set_num_threads(int n);
int vision_get_num_threads(void);

#ifdef __cplusplus
}
#endif

#endif
