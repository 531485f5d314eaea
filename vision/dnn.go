package vision

/*
#cgo !windows pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include <stdlib.h>
#include "dnn.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"gocv.io/x/gocv"
)

// net is one OpenCV dnn network, read through vision's own cgo calls so that
// an OpenCV exception (a bad model file, an input the network cannot take)
// comes back as an error instead of aborting the process. A net is used by
// one goroutine at a time.
type net struct {
	p     C.VisionNet
	names []string
	cstrs []*C.char // names as C strings, freed by close
}

// readNet reads a network of the given format from memory; config is the
// Caffe prototxt, TensorFlow pbtxt or Darknet cfg.
func readNet(format string, model, config []byte, outputs []string) (*net, error) {
	if len(model) == 0 {
		return nil, errors.New("empty model")
	}
	cf := C.CString(format)
	defer C.free(unsafe.Pointer(cf))
	cm := C.CBytes(model)
	defer C.free(cm)
	var cc unsafe.Pointer
	if len(config) > 0 {
		cc = C.CBytes(config)
		defer C.free(cc)
	}
	var cerr *C.char
	p := C.vision_net_read(cf, (*C.char)(cm), C.size_t(len(model)), (*C.char)(cc), C.size_t(len(config)), &cerr)
	if p == nil {
		return nil, errors.New(takeError(cerr))
	}
	n := &net{p: p, names: outputs}
	for _, o := range outputs {
		n.cstrs = append(n.cstrs, C.CString(o))
	}
	return n, nil
}

func takeError(e *C.char) string {
	if e == nil {
		return "unknown error"
	}
	defer C.free(unsafe.Pointer(e))
	return C.GoString(e)
}

// forward runs blob (NCHW float32) through the network and copies the named
// outputs, one after the other, into *out, growing it (and running the
// network again) when it is too small. It returns each output's shape (N, C,
// H, W; missing trailing dims are 1).
func (n *net) forward(blob *gocv.Mat, out *[]float32) ([][4]int, error) {
	shapes, need, err := n.forwardInto(blob, *out)
	if err == nil && need > len(*out) {
		*out = make([]float32, need)
		shapes, _, err = n.forwardInto(blob, *out)
	}
	return shapes, err
}

func (n *net) forwardInto(blob *gocv.Mat, out []float32) ([][4]int, int, error) {
	k := len(n.names)
	shapes := make([]C.int, 4*k)
	sizes := make([]C.size_t, k)
	names := (**C.char)(C.malloc(C.size_t(k) * C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(names))
	copy(unsafe.Slice(names, k), n.cstrs)
	var cerr *C.char
	var outp *C.float
	if len(out) > 0 {
		outp = (*C.float)(unsafe.Pointer(&out[0]))
	}
	rc := C.vision_net_forward(n.p, unsafe.Pointer(blob.Ptr()), names, C.int(k), outp, C.size_t(len(out)), &shapes[0], &sizes[0], &cerr)
	runtime.KeepAlive(out)
	if rc < 0 {
		return nil, 0, errors.New(takeError(cerr))
	}
	total := 0
	res := make([][4]int, k)
	for i := range res {
		for d := range 4 {
			res[i][d] = int(shapes[4*i+d])
		}
		if s := res[i]; s[0]*s[1]*s[2]*s[3] != int(sizes[i]) {
			return nil, 0, fmt.Errorf("output %s: shape %v does not match its %d values", n.names[i], s, sizes[i])
		}
		total += int(sizes[i])
	}
	return res, total, nil
}

func (n *net) close() {
	if n.p != nil {
		C.vision_net_close(n.p)
		n.p = nil
	}
	for _, s := range n.cstrs {
		C.free(unsafe.Pointer(s))
	}
	n.cstrs = nil
}

// SetThreads sets the number of threads OpenCV uses for its parallel loops
// (cv::setNumThreads). The setting is process-wide, inside OpenCV; n <= 0
// means OpenCV's default (one per CPU).
func SetThreads(n int) {
	if n <= 0 {
		n = -1
	}
	C.vision_set_num_threads(C.int(n))
}

// Threads returns the number of threads OpenCV uses (cv::getNumThreads).
func Threads() int { return int(C.vision_get_num_threads()) }
