package vision

/*
#include <stdlib.h>
#include "detnet.h"
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"
)

// hasLayer reports whether the network has a layer of that name.
func (n *net) hasLayer(name string) (bool, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var cerr *C.char
	switch C.vision_net_has_layer(n.p, cs, &cerr) {
	case 1:
		return true, nil
	case 0:
		return false, nil
	}
	return false, errors.New(takeError(cerr))
}

// outNames returns the names of the layers whose outputs nothing consumes,
// in OpenCV's order (for a Darknet YOLO: its [yolo] or [region] layers).
func (n *net) outNames() ([]string, error) {
	var cerr *C.char
	p := C.vision_net_out_names(n.p, &cerr)
	if p == nil {
		return nil, errors.New(takeError(cerr))
	}
	s := C.GoString(p)
	C.free(unsafe.Pointer(p))
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, "\n"), nil
}

// setOutputs makes forward return the named layers' outputs.
func (n *net) setOutputs(names []string) {
	for _, s := range n.cstrs {
		C.free(unsafe.Pointer(s))
	}
	n.names, n.cstrs = names, nil
	for _, o := range names {
		n.cstrs = append(n.cstrs, C.CString(o))
	}
}
