// C interface to the OpenCV dnn calls the detector needs beyond dnn.h, each
// wrapped in try/catch like dnn.h's: the names of a network's layers.
#ifndef VISION_DETNET_H
#define VISION_DETNET_H

#include "dnn.h"

#ifdef __cplusplus
extern "C" {
#endif

// vision_net_has_layer returns 1 when the network has a layer of that name,
// 0 when not, -1 with *err set (malloc'd) on an OpenCV error.
int vision_net_has_layer(VisionNet net, const char *name, char **err);

// vision_net_out_names returns the names of the layers whose outputs nothing
// consumes (getUnconnectedOutLayersNames), joined by '\n', malloc'd; NULL with
// *err set (malloc'd) on an OpenCV error.
char *vision_net_out_names(VisionNet net, char **err);

#ifdef __cplusplus
}
#endif

#endif
