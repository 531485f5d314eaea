#include "detnet.h"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static char *detnet_dup(const std::string &s) {
    char *p = (char *)malloc(s.size() + 1);
    if (p) {
        memcpy(p, s.c_str(), s.size() + 1);
    }
    return p;
}

int vision_net_has_layer(VisionNet net, const char *name, char **err) {
    try {
        return ((cv::dnn::Net *)net)->getLayerId(name) >= 0 ? 1 : 0;
    } catch (const std::exception &e) {
        *err = detnet_dup(e.what());
    } catch (...) {
        *err = detnet_dup("unknown OpenCV error");
    }
    return -1;
}

char *vision_net_out_names(VisionNet net, char **err) {
    try {
        std::vector<cv::String> names = ((cv::dnn::Net *)net)->getUnconnectedOutLayersNames();
        std::string joined;
        for (size_t i = 0; i < names.size(); i++) {
            if (i > 0) {
                joined += '\n';
            }
            joined += names[i];
        }
        return detnet_dup(joined);
    } catch (const std::exception &e) {
        *err = detnet_dup(e.what());
    } catch (...) {
        *err = detnet_dup("unknown OpenCV error");
    }
    return NULL;
}
