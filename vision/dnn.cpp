#include "dnn.h"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static char *dup_message(const std::string &s) {
    char *p = (char *)malloc(s.size() + 1);
    if (p) {
        memcpy(p, s.c_str(), s.size() + 1);
    }
    return p;
}

VisionNet vision_net_read(const char *format, const char *model, size_t model_len,
                          const char *config, size_t config_len, char **err) {
    try {
        std::string f(format);
        cv::dnn::Net net;
        if (f == "onnx") {
            net = cv::dnn::readNetFromONNX(model, model_len);
        } else if (f == "caffe") {
            net = cv::dnn::readNetFromCaffe(config, config_len, model, model_len);
        } else if (f == "tensorflow") {
            net = cv::dnn::readNetFromTensorflow(model, model_len, config, config_len);
        } else if (f == "darknet") {
            net = cv::dnn::readNetFromDarknet(config, config_len, model, model_len);
        } else {
            *err = dup_message("unknown format " + f);
            return NULL;
        }
        if (net.empty()) {
            *err = dup_message("OpenCV read an empty network");
            return NULL;
        }
        return new cv::dnn::Net(net);
    } catch (const std::exception &e) {
        *err = dup_message(e.what());
    } catch (...) {
        *err = dup_message("unknown OpenCV error");
    }
    return NULL;
}

void vision_net_close(VisionNet net) { delete (cv::dnn::Net *)net; }

int vision_net_forward(VisionNet net, void *blob, const char **names, int n,
                       float *out, size_t out_cap, int *shapes, size_t *sizes, char **err) {
    try {
        cv::dnn::Net *nt = (cv::dnn::Net *)net;
        std::vector<cv::String> outNames(names, names + n);
        std::vector<cv::Mat> outs;
        nt->setInput(*(cv::Mat *)blob);
        nt->forward(outs, outNames);
        size_t total = 0;
        for (int i = 0; i < n; i++) {
            const cv::Mat &m = outs[i];
            if (m.depth() != CV_32F) {
                *err = dup_message("output " + outNames[i] + " is not float32");
                return -1;
            }
            if (m.dims > 4) {
                *err = dup_message("output " + outNames[i] + " has more than 4 dimensions");
                return -1;
            }
            for (int d = 0; d < 4; d++) {
                shapes[4 * i + d] = d < m.dims ? m.size[d] : 1;
            }
            sizes[i] = m.total();
            total += m.total();
        }
        if (total > out_cap) {
            return 1;
        }
        size_t used = 0;
        for (int i = 0; i < n; i++) {
            cv::Mat m = outs[i].isContinuous() ? outs[i] : outs[i].clone();
            memcpy(out + used, m.ptr<float>(), m.total() * sizeof(float));
            used += m.total();
        }
        return 0;
    } catch (const std::exception &e) {
        *err = dup_message(e.what());
    } catch (...) {
        *err = dup_message("unknown OpenCV error");
    }
    return -1;
}

void vision_set_num_threads(int n) { cv::setNumThreads(n); }

int vision_get_num_threads(void) { return cv::getNumThreads(); }
