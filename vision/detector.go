package vision

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"captioner/media"
)

// Detector finds objects in frames with a detector network (a spec with a
// "detector" object: a CenterNet or a YOLO) and computes per-frame "what is
// where" feature vectors from the same forward pass (detfeatures.go). It
// runs the Extractor's machinery (worker.forward: resize, blob, forward pass
// into a reused buffer) and decodes the raw outputs itself, so no output map
// is allocated per frame. It is safe for concurrent use; Close releases its
// networks.
type Detector struct {
	spec    Spec
	det     DetectorSpec // spec.Detector with labels loaded
	base    *Extractor   // the shell the workers' forward passes read spec, fit and layers from
	dec     decoder
	per     []int // values per frame of each output layer
	batch   int
	jobs    chan *detJob
	mu      sync.RWMutex
	closed  bool
	workers sync.WaitGroup
}

// decoder turns one frame's raw outputs (one slice per output layer, in the
// order of Detector.base.layers) into candidate boxes in the network's input
// pixels and into a feature vector.
type decoder interface {
	candidates(outs [][]float32, t thresholds, dst []candidate) []candidate
	features(dst []float32, outs [][]float32)
	dim() int
	grids() []GridLayout
}

// detJob is one forward pass's worth of frames; dets or feats is nil when
// not wanted.
type detJob struct {
	frames []media.Frame
	t      thresholds
	dets   [][]Detection
	feats  [][]float32
	done   chan error
}

// NewDetector reads the detector network of spec once per worker and checks,
// with one forward pass, that its outputs are what the spec's detector
// object says: the layers exist, their shapes fit the kind, and there are as
// many classes as labels. Options are the Extractor's; BatchSize defaults to
// 1 (a detector's input is large and batching gains little), falls back to
// 1 when the network cannot take batches, and Dim must be 0.
func NewDetector(spec Spec, opts Options) (*Detector, error) {
	if err := spec.Check(); err != nil {
		return nil, err
	}
	if spec.Detector == nil {
		return nil, fmt.Errorf("vision: model spec %s: %w: no detector object", spec.name(), ErrSpec)
	}
	if opts.Dim != 0 {
		return nil, errors.New("vision: detector: Options.Dim applies to extractors only")
	}
	det := *spec.Detector
	if spec.Detector.Labels != nil {
		det.Labels = slices.Clone(spec.Detector.Labels)
	}
	if err := det.loadLabels(""); err != nil {
		return nil, fmt.Errorf("vision: model spec %s: %w: detector: %w", spec.name(), ErrSpec, err)
	}
	spec.Detector = &det
	f, _ := parseFit(spec.Input.Fit)
	d := &Detector{spec: spec, det: det, batch: opts.BatchSize, jobs: make(chan *detJob)}
	if d.batch <= 0 {
		d.batch = 1
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
	if spec.Format == "darknet" {
		if err := checkDarknetWeights(&spec, model, config); err != nil {
			return nil, err
		}
	}
	var nets []*net
	fail := func(err error) (*Detector, error) {
		for _, n := range nets {
			n.close()
		}
		return nil, err
	}
	for range max(opts.Workers, 1) {
		n, err := readNet(spec.Format, model, config, nil)
		if err != nil {
			return fail(fmt.Errorf("vision: %s: reading %s model: %w", spec.modelName(), spec.Format, err))
		}
		nets = append(nets, n)
	}
	layers, err := d.outputLayers(nets[0])
	if err != nil {
		return fail(err)
	}
	for _, n := range nets {
		n.setOutputs(layers)
	}
	d.base = &Extractor{spec: spec, fit: f, layers: layers}
	ws := make([]*worker, len(nets))
	for i, n := range nets {
		ws[i] = &worker{e: d.base, net: n}
	}
	if err := d.probe(ws[0]); err != nil {
		for _, w := range ws {
			w.close()
		}
		return nil, err
	}
	for _, w := range ws {
		d.workers.Add(1)
		go d.run(&detWorker{d: d, w: w})
	}
	return d, nil
}

// outputLayers returns the layers the detector reads, checking that they exist.
func (d *Detector) outputLayers(n *net) ([]string, error) {
	var layers []string
	var what []string // what each layer is, for errors
	switch d.det.Kind {
	case DetectorCenterNet:
		layers = []string{d.det.Heatmap, d.det.Extents}
		what = []string{"heatmap", "extents"}
	case DetectorYOLO:
		for _, o := range d.spec.Outputs {
			if !slices.Contains(layers, o.Layer) {
				layers = append(layers, o.Layer)
				what = append(what, "output")
			}
		}
		if len(layers) == 0 {
			names, err := n.outNames()
			if err != nil {
				return nil, fmt.Errorf("vision: %s: listing output layers: %w", d.spec.modelName(), err)
			}
			if len(names) == 0 {
				return nil, fmt.Errorf("vision: %s: the network has no output layers", d.spec.modelName())
			}
			return names, nil
		}
	}
	for i, l := range layers {
		ok, err := n.hasLayer(l)
		if err != nil {
			return nil, fmt.Errorf("vision: %s: looking up layer %q: %w", d.spec.modelName(), l, err)
		}
		if !ok {
			outs, _ := n.outNames()
			return nil, fmt.Errorf("vision: %s: no layer %q (the %s of model spec %s); the network's outputs are %s",
				d.spec.modelName(), l, what[i], d.spec.name(), strings.Join(outs, ", "))
		}
	}
	return layers, nil
}

// probe runs one blank frame to learn the outputs' shapes and builds the
// decoder, which checks them against the spec.
func (d *Detector) probe(w *worker) error {
	in := d.spec.Input
	blank := media.Frame{Width: in.Width, Height: in.Height, Pix: make([]byte, in.Width*in.Height*3)}
	shapes, err := w.forward([]media.Frame{blank})
	if err != nil {
		return fmt.Errorf("vision: %s: trial forward pass: %w", d.spec.modelName(), err)
	}
	for _, s := range shapes {
		d.per = append(d.per, s[0]*s[1]*s[2]*s[3])
	}
	switch d.det.Kind {
	case DetectorCenterNet:
		d.dec, err = newCenterNet(&d.spec, shapes)
	default:
		d.dec, err = newYOLO(&d.spec, d.base.layers, shapes)
	}
	if err != nil || d.batch == 1 {
		return err
	}
	// Converted networks often fix the batch dimension inside (a Reshape to
	// (1, ...)): such a network runs one frame per forward pass.
	shapes, err = w.forward([]media.Frame{blank, blank})
	if err != nil {
		d.batch = 1
		return nil
	}
	for i, s := range shapes {
		if s[0]*s[1]*s[2]*s[3] != 2*d.per[i] {
			d.batch = 1
		}
	}
	return nil
}

// Spec returns the spec the detector was built from, its labels loaded.
func (d *Detector) Spec() Spec { return d.spec }

// Labels returns the class names, class i being Labels()[i].
func (d *Detector) Labels() []string { return slices.Clone(d.det.Labels) }

// Dim returns the length of every feature vector (detfeatures.go).
func (d *Detector) Dim() int { return d.dec.dim() }

// Grids lists where the feature vector keeps per-class maps on a grid.
func (d *Detector) Grids() []GridLayout { return d.dec.grids() }

// Detect returns the objects in each frame, best first, at the spec's
// thresholds. Frames of any size are brought to the network's input size as
// the spec says; boxes are in each frame's own pixels.
func (d *Detector) Detect(ctx context.Context, frames []media.Frame) ([][]Detection, error) {
	dets, _, err := d.do(ctx, frames, DetectOptions{}, true, false)
	return dets, err
}

// DetectWith is Detect with the spec's score threshold and count overridden.
func (d *Detector) DetectWith(ctx context.Context, frames []media.Frame, o DetectOptions) ([][]Detection, error) {
	dets, _, err := d.do(ctx, frames, o, true, false)
	return dets, err
}

// Features returns one feature vector of length Dim for each frame.
func (d *Detector) Features(ctx context.Context, frames []media.Frame) ([][]float32, error) {
	_, feats, err := d.do(ctx, frames, DetectOptions{}, false, true)
	return feats, err
}

// DetectAndFeatures returns each frame's objects and feature vector from
// one forward pass.
func (d *Detector) DetectAndFeatures(ctx context.Context, frames []media.Frame, o DetectOptions) ([][]Detection, [][]float32, error) {
	return d.do(ctx, frames, o, true, true)
}

// DetectFrames is DetectWith for sampled video frames: each result carries
// its frame's index, time and size.
func (d *Detector) DetectFrames(ctx context.Context, frames []media.Frame, o DetectOptions) ([]FrameDetections, error) {
	dets, _, err := d.do(ctx, frames, o, true, false)
	if err != nil {
		return nil, err
	}
	out := make([]FrameDetections, len(frames))
	for i, f := range frames {
		out[i] = FrameDetections{Index: f.Index, Time: f.Time, Width: f.Width, Height: f.Height, Objects: dets[i]}
	}
	return out, nil
}

func (d *Detector) do(ctx context.Context, frames []media.Frame, o DetectOptions, wantDets, wantFeats bool) ([][]Detection, [][]float32, error) {
	for i := range frames {
		f := &frames[i]
		if f.Width < 1 || f.Height < 1 || len(f.Pix) != f.Width*f.Height*3 {
			return nil, nil, fmt.Errorf("vision: frame %d: %dx%d with %d bytes is not packed RGB", i, f.Width, f.Height, len(f.Pix))
		}
	}
	if o.MinScore < 0 || o.MinScore > 1 || o.MaxDetections < 0 {
		return nil, nil, fmt.Errorf("vision: detect options: min score %g (want 0 to 1), max detections %d (want >= 0)", o.MinScore, o.MaxDetections)
	}
	t := d.det.resolve(o)
	var dets [][]Detection
	var feats [][]float32
	if wantDets {
		dets = make([][]Detection, len(frames))
	}
	if wantFeats {
		dim := d.dec.dim()
		feats = make([][]float32, len(frames))
		backing := make([]float32, len(frames)*dim)
		for i := range feats {
			feats[i] = backing[i*dim : (i+1)*dim : (i+1)*dim]
		}
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, nil, errors.New("vision: detector is closed")
	}
	var pending []*detJob
	var err error
	for lo := 0; lo < len(frames) && err == nil; lo += d.batch {
		hi := min(lo+d.batch, len(frames))
		j := &detJob{frames: frames[lo:hi], t: t, done: make(chan error, 1)}
		if dets != nil {
			j.dets = dets[lo:hi]
		}
		if feats != nil {
			j.feats = feats[lo:hi]
		}
		select {
		case d.jobs <- j:
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
		return nil, nil, fmt.Errorf("vision: %w", err)
	}
	return dets, feats, nil
}

// Close stops the workers and releases the networks. It waits for running
// calls to finish.
func (d *Detector) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	close(d.jobs)
	d.workers.Wait()
	return nil
}

// detWorker is one worker's network and the buffers it reuses between
// batches. Only its goroutine touches them.
type detWorker struct {
	d     *Detector
	w     *worker
	cands []candidate
	views [][]float32
}

func (d *Detector) run(dw *detWorker) {
	defer d.workers.Done()
	defer dw.w.close()
	for j := range d.jobs {
		j.done <- dw.do(j)
	}
}

// do runs one batch and decodes each frame's outputs.
func (dw *detWorker) do(j *detJob) error {
	d := dw.d
	shapes, err := dw.w.forward(j.frames)
	if err != nil {
		return fmt.Errorf("%s: forward pass: %w", d.spec.modelName(), err)
	}
	n := len(j.frames)
	base := 0
	starts := make([]int, len(shapes))
	for i, s := range shapes {
		if got := s[0] * s[1] * s[2] * s[3]; got != n*d.per[i] {
			return fmt.Errorf("%s: output %s has shape %v for %d frames, want %d values per frame",
				d.spec.modelName(), d.base.layers[i], s, n, d.per[i])
		}
		starts[i] = base
		base += n * d.per[i]
	}
	dw.views = dw.views[:0]
	for range shapes {
		dw.views = append(dw.views, nil)
	}
	for f := range n {
		for i := range shapes {
			dw.views[i] = dw.w.outBuf[starts[i]+f*d.per[i] : starts[i]+(f+1)*d.per[i]]
		}
		if j.feats != nil {
			d.dec.features(j.feats[f], dw.views)
		}
		if j.dets == nil {
			continue
		}
		j.dets[f], dw.cands = d.detections(dw.views, j.t, j.frames[f].Width, j.frames[f].Height, dw.cands[:0])
	}
	return nil
}

// detections decodes one frame's outputs into its detections, best first,
// in the pixels of the fw x fh frame that was handed in. cands is scratch
// space, returned for reuse.
func (d *Detector) detections(outs [][]float32, t thresholds, fw, fh int, cands []candidate) ([]Detection, []candidate) {
	in := d.spec.Input
	cands = d.dec.candidates(outs, t, cands)
	p := place(fw, fh, in.Width, in.Height, d.base.fit)
	if fw == in.Width && fh == in.Height {
		p = placement{1, 1, 0, 0} // the frame went in as it is
	}
	kept := cands[:0]
	for _, c := range cands {
		c.box = p.back(c.box, fw, fh)
		if c.box.Area() > 0 {
			kept = append(kept, c)
		}
	}
	kept = suppress(kept, t)
	out := make([]Detection, len(kept))
	for k, c := range kept {
		out[k] = Detection{ClassID: c.class, Class: d.det.Labels[c.class], Score: c.score, Box: c.box}
	}
	return out, cands
}
