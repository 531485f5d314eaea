package vision

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"gocv.io/x/gocv"

	"captioner/media"
)

// Options tune an Extractor. The zero value is a good default.
type Options struct {
	// Workers is the number of networks run side by side, each on its own
	// goroutine with its own copy of the network; 0 means 1.
	Workers int
	// Threads is the number of threads OpenCV uses inside each forward pass
	// (process-wide; see SetThreads); 0 means one per CPU.
	Threads int
	// BatchSize is the number of frames per forward pass; 0 means 8.
	BatchSize int
	// Dim, when set, keeps the spec's leading outputs whose values add up
	// to Dim and leaves the others out of the vectors: a model trained on
	// the vectors of a spec still reads them after outputs are appended to
	// it. New fails when no leading outputs add up to Dim.
	Dim int
}

// Extractor turns frames into feature vectors with a CNN. It is safe for
// concurrent use; Close releases its networks.
type Extractor struct {
	spec    Spec
	fit     fit
	batch   int
	layers  []string // distinct output layers, in the order the network returns them
	outs    []outputInfo
	dim     int
	jobs    chan *job
	mu      sync.RWMutex
	closed  bool
	workers sync.WaitGroup
}

// outputInfo is an output layer's shape for one frame and its place in the vector.
type outputInfo struct {
	spec    OutputSpec
	layer   int // index in Extractor.layers
	c, h, w int
	offset  int // first index in the feature vector
	dim     int
}

// job is one forward pass's worth of frames.
type job struct {
	frames []media.Frame
	out    [][]float32
	done   chan error
}

// New reads the network of spec once per worker and checks, with one
// forward pass, that its output layers exist and can be pooled as asked.
func New(spec Spec, opts Options) (*Extractor, error) {
	if err := spec.Check(); err != nil {
		return nil, err
	}
	if len(spec.Outputs) == 0 {
		return nil, fmt.Errorf("vision: model spec %s: %w: no outputs for feature vectors (a detector's vectors come from NewDetector)", spec.name(), ErrSpec)
	}
	f, _ := parseFit(spec.Input.Fit)
	workers := max(opts.Workers, 1)
	e := &Extractor{spec: spec, fit: f, batch: opts.BatchSize, jobs: make(chan *job)}
	if e.batch <= 0 {
		e.batch = 8
	}
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	SetThreads(threads)
	model, config, err := spec.readFiles()
	if err != nil {
		return nil, err
	}
	for _, o := range spec.Outputs {
		if !slices.Contains(e.layers, o.Layer) {
			e.layers = append(e.layers, o.Layer)
		}
	}
	var ws []*worker
	fail := func(err error) (*Extractor, error) {
		for _, w := range ws {
			w.close()
		}
		return nil, err
	}
	for range workers {
		n, err := readNet(spec.Format, model, config, e.layers)
		if err != nil {
			return fail(fmt.Errorf("vision: %s: reading %s model: %w", spec.modelName(), spec.Format, err))
		}
		ws = append(ws, &worker{e: e, net: n})
	}
	if err := e.probeOutputs(ws[0]); err != nil {
		return fail(err)
	}
	if opts.Dim > 0 {
		if err := e.keepLeading(opts.Dim); err != nil {
			return fail(err)
		}
	}
	for _, w := range ws {
		e.workers.Add(1)
		go w.run()
	}
	return e, nil
}

// probeOutputs runs one blank frame to learn each output's shape.
func (e *Extractor) probeOutputs(w *worker) error {
	in := e.spec.Input
	blank := media.Frame{Width: in.Width, Height: in.Height, Pix: make([]byte, in.Width*in.Height*3)}
	shapes, err := w.forward([]media.Frame{blank})
	if err != nil {
		return fmt.Errorf("vision: %s: trial forward pass: %w", e.spec.modelName(), err)
	}
	off := 0
	for _, o := range e.spec.Outputs {
		li := slices.Index(e.layers, o.Layer)
		s := shapes[li]
		if s[0] != 1 {
			return fmt.Errorf("vision: %s: output %s: batch dimension %d, want 1", e.spec.modelName(), o.Layer, s[0])
		}
		if o.Pool == PoolGrid && (o.Grid > s[2] || o.Grid > s[3]) {
			return fmt.Errorf("vision: model spec %s: %w: output %s is %dx%d, too small for a %dx%d grid",
				e.spec.name(), ErrSpec, o.Layer, s[2], s[3], o.Grid, o.Grid)
		}
		d := poolDim(o, s[1], s[2], s[3])
		e.outs = append(e.outs, outputInfo{spec: o, layer: li, c: s[1], h: s[2], w: s[3], offset: off, dim: d})
		off += d
	}
	e.dim = off
	return nil
}

// keepLeading keeps the leading outputs whose values add up to dim.
func (e *Extractor) keepLeading(dim int) error {
	for k, o := range e.outs {
		if o.offset+o.dim == dim {
			e.outs = e.outs[:k+1]
			e.spec.Outputs = e.spec.Outputs[:k+1]
			e.dim = dim
			return nil
		}
	}
	var ends []string
	for _, o := range e.outs {
		ends = append(ends, fmt.Sprint(o.offset+o.dim))
	}
	return fmt.Errorf("vision: %s: no leading outputs give vectors of %d values (they give %s)", e.spec.modelName(), dim, strings.Join(ends, ", "))
}

// Dim returns the length of every feature vector.
func (e *Extractor) Dim() int { return e.dim }

// Spec returns the spec the extractor was built from.
func (e *Extractor) Spec() Spec { return e.spec }

// Features returns one feature vector of length Dim for each frame, in
// order. Frames of any size are brought to the network's input size as the
// spec says. It stops at the next batch when ctx is cancelled.
func (e *Extractor) Features(ctx context.Context, frames []media.Frame) ([][]float32, error) {
	for i := range frames {
		f := &frames[i]
		if f.Width < 1 || f.Height < 1 || len(f.Pix) != f.Width*f.Height*3 {
			return nil, fmt.Errorf("vision: frame %d: %dx%d with %d bytes is not packed RGB", i, f.Width, f.Height, len(f.Pix))
		}
	}
	out := make([][]float32, len(frames))
	backing := make([]float32, len(frames)*e.dim)
	for i := range out {
		out[i] = backing[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, errors.New("vision: extractor is closed")
	}
	var pending []*job
	var err error
	for lo := 0; lo < len(frames) && err == nil; lo += e.batch {
		hi := min(lo+e.batch, len(frames))
		j := &job{frames: frames[lo:hi], out: out[lo:hi], done: make(chan error, 1)}
		select {
		case e.jobs <- j:
			pending = append(pending, j)
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	for _, j := range pending {
		if jerr := <-j.done; jerr != nil && err == nil {
			err = jerr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("vision: %w", err)
	}
	return out, nil
}

// Close stops the workers and releases the networks. It waits for running
// calls to Features to finish.
func (e *Extractor) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	close(e.jobs)
	e.workers.Wait()
	return nil
}

// worker owns one network and the Mats and buffers it reuses between
// batches. Only its goroutine touches them.
type worker struct {
	e      *Extractor
	net    *net
	blob   gocv.Mat // (N, 3, H, W) float32, reallocated when N changes
	blobN  int
	sized  gocv.Mat // a frame brought to the input size
	outBuf []float32
	lut    [3][256]float32
	lutOK  bool
}

func (w *worker) run() {
	defer w.e.workers.Done()
	defer w.close()
	for j := range w.e.jobs {
		j.done <- w.do(j)
	}
}

func (w *worker) close() {
	w.net.close()
	if w.blobN > 0 {
		w.blob.Close()
		w.blobN = 0
	}
	if w.sized.Ptr() != nil {
		w.sized.Close()
	}
}

// do runs one batch and pools its outputs into j.out.
func (w *worker) do(j *job) error {
	e := w.e
	shapes, err := w.forward(j.frames)
	if err != nil {
		return fmt.Errorf("%s: forward pass: %w", e.spec.modelName(), err)
	}
	n := len(j.frames)
	base := make([]int, len(shapes)) // where each layer's (N, C, H, W) output starts in outBuf
	for i := 1; i < len(shapes); i++ {
		s := shapes[i-1]
		base[i] = base[i-1] + s[0]*s[1]*s[2]*s[3]
	}
	for _, o := range e.outs {
		per := o.c * o.h * o.w
		if s := shapes[o.layer]; s[0] != n || s[1]*s[2]*s[3] != per {
			return fmt.Errorf("%s: output %s has shape %v for %d frames, want (%d, %d, %d, %d)",
				e.spec.modelName(), o.spec.Layer, s, n, n, o.c, o.h, o.w)
		}
		for f := range n {
			x := w.outBuf[base[o.layer]+f*per : base[o.layer]+(f+1)*per]
			pool(j.out[f][o.offset:o.offset+o.dim], x, o.spec, o.c, o.h, o.w)
		}
	}
	return nil
}

// forward fills the input blob from frames and runs the network, leaving
// the outputs in w.outBuf.
func (w *worker) forward(frames []media.Frame) ([][4]int, error) {
	in := w.e.spec.Input
	n := len(frames)
	if w.blobN != n {
		if w.blobN > 0 {
			w.blob.Close()
		}
		w.blob = gocv.NewMatWithSizes([]int{n, 3, in.Height, in.Width}, gocv.MatTypeCV32F)
		w.blobN = n
	}
	data, err := w.blob.DataPtrFloat32()
	if err != nil {
		return nil, err
	}
	plane := in.Width * in.Height
	for i := range frames {
		pix, err := w.sizedPixels(&frames[i])
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", frames[i].Index, err)
		}
		w.fill(data[i*3*plane:(i+1)*3*plane], pix, plane)
	}
	return w.net.forward(&w.blob, &w.outBuf)
}

// sizedPixels returns the frame's RGB pixels at the input size.
func (w *worker) sizedPixels(f *media.Frame) ([]byte, error) {
	in := w.e.spec.Input
	if f.Width == in.Width && f.Height == in.Height {
		return f.Pix, nil
	}
	src, err := gocv.NewMatFromBytes(f.Height, f.Width, gocv.MatTypeCV8UC3, f.Pix)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if w.sized.Ptr() == nil {
		w.sized = gocv.NewMat()
	}
	resizeTo(src, &w.sized, in.Width, in.Height, w.e.fit)
	if !w.sized.IsContinuous() {
		return nil, errors.New("resized frame is not continuous")
	}
	return w.sized.DataPtrUint8()
}

// fill writes one frame's planes into dst (3, H, W): plane c holds
// (pixel - mean) * scale of the channel the network wants there.
func (w *worker) fill(dst []float32, pix []byte, plane int) {
	in := w.e.spec.Input
	if !w.lutOK {
		s := in.scale()
		for c := range 3 {
			for v := range 256 {
				w.lut[c][v] = float32((float64(v) - in.Mean[c]) * s)
			}
		}
		w.lutOK = true
	}
	order := [3]int{0, 1, 2}
	if in.Channels == "bgr" {
		order = [3]int{2, 1, 0}
	}
	for c, src := range order {
		lut := &w.lut[src]
		d := dst[c*plane : (c+1)*plane]
		for i := range d {
			d[i] = lut[pix[3*i+src]]
		}
	}
}

// GridLayout is where a spatial output lies in the feature vector: Channels
// maps of Side x Side cells, channel by channel, row by row, from Offset on.
type GridLayout struct {
	Offset, Channels, Side int
}

// Grids lists the outputs that keep a square spatial layout: grid-pooled
// ones, and unpooled ones whose map is square (at least 2x2).
func (e *Extractor) Grids() []GridLayout {
	var out []GridLayout
	for _, o := range e.outs {
		switch {
		case o.spec.Pool == PoolGrid:
			out = append(out, GridLayout{Offset: o.offset, Channels: o.c, Side: o.spec.Grid})
		case o.spec.Pool == PoolNone && o.h == o.w && o.h >= 2:
			out = append(out, GridLayout{Offset: o.offset, Channels: o.c, Side: o.h})
		}
	}
	return out
}
