package vision

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"captioner/media"
)

// The YOLO plumbing is tested with a real Darknet cfg (yolov3-tiny, from
// Debian's darknet package, which ships cfgs and class lists but no
// weights) and weights this file writes with a fixed seed: the values mean
// nothing, the decoding must still give well-formed detections.

// darknetFiles returns the folder holding Debian's darknet cfg/ and data/:
// the installed package's /usr/share/darknet, or else the package's .deb,
// downloaded once with `apt-get download` into a cache
// (${CAPTIONER_DEBS:-$HOME/.cache/captioner/debs}) and unpacked into a
// temporary folder. It skips the test when neither can be had.
func darknetFiles(t testing.TB) string {
	t.Helper()
	const installed = "/usr/share/darknet"
	if _, err := os.Stat(filepath.Join(installed, "cfg", "yolov3-tiny.cfg")); err == nil {
		return installed
	}
	cache := os.Getenv("CAPTIONER_DEBS")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skipf("darknet: no home folder for the .deb cache (%v); set CAPTIONER_DEBS", err)
		}
		cache = filepath.Join(home, ".cache", "captioner", "debs")
	}
	debs, _ := filepath.Glob(filepath.Join(cache, "darknet_*.deb"))
	if len(debs) == 0 {
		if err := os.MkdirAll(cache, 0o755); err != nil {
			t.Skipf("darknet: cache folder: %v", err)
		}
		if err := os.Chmod(cache, 0o755); err != nil { // apt-get download as root hands over to user _apt
			t.Logf("darknet: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "apt-get", "download", "-q", "darknet")
		cmd.Dir = cache
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("darknet: Debian's darknet package is neither installed nor downloadable (apt-get download darknet in %s: %v: %s)",
				cache, err, strings.TrimSpace(string(out)))
		}
		if debs, _ = filepath.Glob(filepath.Join(cache, "darknet_*.deb")); len(debs) == 0 {
			t.Skipf("darknet: apt-get download left no darknet_*.deb in %s", cache)
		}
	}
	dir := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], dir).CombinedOutput(); err != nil {
		t.Skipf("darknet: dpkg-deb -x %s: %v: %s", debs[0], err, out)
	}
	return filepath.Join(dir, "usr", "share", "darknet")
}

// darknetSection is one [section] of a cfg, with its key=value lines.
type darknetSection struct {
	kind string
	kv   map[string]string
}

func readDarknetCfg(t testing.TB, path string) []darknetSection {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var secs []darknetSection
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			secs = append(secs, darknetSection{kind: strings.Trim(line, "[]"), kv: map[string]string{}})
		case len(secs) > 0:
			if k, v, ok := strings.Cut(line, "="); ok {
				secs[len(secs)-1].kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return secs
}

func cfgInt(t testing.TB, s darknetSection, key string, def int) int {
	t.Helper()
	v, ok := s.kv[key]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("cfg [%s] %s=%q: %v", s.kind, key, v, err)
	}
	return n
}

// writeDarknetWeights writes a weights file for the cfg's convolutional
// layers in Darknet's format: int32 major, minor, revision, then (version
// 0.2 and later) a uint64 count of images seen, then float32s layer by
// layer: for a convolution with batch_normalize, biases[out], scales[out],
// rolling_mean[out], rolling_variance[out], weights[out*in*k*k]; without,
// biases[out], weights[out*in*k*k]. Values come from a fixed seed and keep
// activations near unit scale (weights uniform with variance 1/fan_in,
// scales 1, means 0, variances 1). It follows channels through the layers
// yolov3-tiny uses (convolutional, maxpool, upsample, route, shortcut,
// yolo) and returns the file's size.
func writeDarknetWeights(t testing.TB, cfg, path string, seed uint64) int64 {
	t.Helper()
	secs := readDarknetCfg(t, cfg)
	if len(secs) == 0 || secs[0].kind != "net" {
		t.Fatalf("%s: no [net] section first", cfg)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	w := new(strings.Builder)
	put := func(v any) {
		if err := binary.Write(w, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	put([3]int32{0, 2, 0})
	put(uint64(0))
	prev := cfgInt(t, secs[0], "channels", 3)
	var outs []int // channels out of each layer after [net]
	for i, s := range secs[1:] {
		out := prev
		switch s.kind {
		case "convolutional":
			out = cfgInt(t, s, "filters", 1)
			k := cfgInt(t, s, "size", 1)
			n := out * prev * k * k
			bias := make([]float32, out)
			for j := range bias {
				bias[j] = float32(rng.NormFloat64() * 0.1)
			}
			put(bias)
			if cfgInt(t, s, "batch_normalize", 0) == 1 {
				ones, zeros := make([]float32, out), make([]float32, out)
				for j := range ones {
					ones[j] = 1
				}
				put(ones)  // scales
				put(zeros) // rolling mean
				put(ones)  // rolling variance
			}
			a := math.Sqrt(3 / float64(prev*k*k))
			ws := make([]float32, n)
			for j := range ws {
				ws[j] = float32((2*rng.Float64() - 1) * a)
			}
			put(ws)
		case "maxpool", "upsample", "shortcut", "yolo", "region":
		case "route":
			out = 0
			for _, f := range strings.Split(s.kv["layers"], ",") {
				l, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil {
					t.Fatalf("cfg route layers %q: %v", s.kv["layers"], err)
				}
				if l < 0 {
					l += i
				}
				out += outs[l]
			}
		default:
			t.Fatalf("%s: layer %d is a [%s], which writeDarknetWeights does not know", cfg, i, s.kind)
		}
		outs = append(outs, out)
		prev = out
	}
	if err := os.WriteFile(path, []byte(w.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return int64(w.Len())
}

// yoloSetup writes into a temporary folder a copy of yolov3-tiny.cfg for a
// size x size input, weights for it, coco.names and a spec reading them, and
// returns the spec's path and the darknet folder.
func yoloSetup(t testing.TB, size int) (specPath, darknet string) {
	t.Helper()
	darknet = darknetFiles(t)
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(darknet, "cfg", "yolov3-tiny.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg = regexp.MustCompile(`(?m)^(width|height)=\d+`).ReplaceAll(cfg, []byte("${1}="+strconv.Itoa(size)))
	cfgPath := filepath.Join(dir, "yolov3-tiny.cfg")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	writeDarknetWeights(t, cfgPath, filepath.Join(dir, "yolov3-tiny.weights"), 12)
	names, err := os.ReadFile(filepath.Join(darknet, "data", "coco.names"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "coco.names"), names, 0o644); err != nil {
		t.Fatal(err)
	}
	specPath = filepath.Join(dir, "yolo.json")
	spec := fmt.Sprintf(`{"format": "darknet", "model": "yolov3-tiny.weights", "config": "yolov3-tiny.cfg",
		"input": {"width": %d, "height": %d, "channels": "rgb", "scale": 0.00392156862745098, "fit": "letterbox"},
		"outputs": [],
		"detector": {"kind": "yolo", "labels_file": "coco.names", "min_score": 0.05}}`, size, size)
	if err := os.WriteFile(specPath, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return specPath, darknet
}

// TestYOLODarknet runs yolov3-tiny with made-up weights on darknet's dog
// photo: the outputs are found from the network (its two [yolo] layers),
// OpenCV's class scores include the objectness, and every detection is
// well formed: a class name from coco.names, a score in [min, 1], a
// non-empty box inside the photo, best first, no two boxes of a class
// overlapping beyond the spec's IoU.
func TestYOLODarknet(t *testing.T) {
	specPath, darknet := yoloSetup(t, 160)
	spec, err := LoadSpec(specPath)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDetector(spec, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := d.base.layers; len(got) != 2 || !strings.HasPrefix(got[0], "yolo") {
		t.Errorf("output layers %v, want yolov3-tiny's two yolo layers", got)
	}
	labels := d.Labels()
	if len(labels) != 80 || labels[0] != "person" || labels[16] != "dog" {
		t.Fatalf("labels: %d, first %q", len(labels), labels[:1])
	}
	ctx := context.Background()
	dog, err := media.LoadImage(ctx, filepath.Join(darknet, "data", "dog.jpg"), media.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// OpenCV's region layer multiplies class probabilities by the
	// objectness: no class score may exceed it.
	dw := rawWorker(t, d)
	defer dw.close()
	shapes, err := dw.forward([]media.Frame{dog})
	if err != nil {
		t.Fatal(err)
	}
	rows, above := 0, 0
	y := d.dec.(*yolo)
	for i, off := 0, 0; i < len(shapes); i++ {
		n := shapes[i][0] * shapes[i][1] * shapes[i][2] * shapes[i][3]
		out := dw.outBuf[off : off+n]
		off += n
		for r := range n / y.cols {
			row := out[r*y.cols : (r+1)*y.cols]
			rows++
			for _, v := range row[5:] {
				if v > row[4]+1e-6 || v < 0 {
					t.Fatalf("row %d of %s: class score %g, objectness %g", r, d.base.layers[i], v, row[4])
				}
				if v > 0.05 {
					above++
				}
			}
		}
	}
	// yolov3-tiny at 160: 5x5 and 10x10 cells, 3 anchors each.
	if rows != 3*(5*5+10*10) {
		t.Errorf("%d rows, want %d", rows, 3*(5*5+10*10))
	}
	if above == 0 {
		t.Fatal("no class score above 0.05: the made-up weights give nothing to decode")
	}

	min := float32(0.05)
	dets, feats, err := d.DetectAndFeatures(ctx, []media.Frame{dog}, DetectOptions{MaxDetections: 30})
	if err != nil {
		t.Fatal(err)
	}
	got := dets[0]
	t.Logf("%d detections on dog.jpg (%dx%d), best %v", len(got), dog.Width, dog.Height, got[:1])
	if len(got) == 0 || len(got) > 30 {
		t.Fatalf("%d detections, want 1 to 30", len(got))
	}
	for i, g := range got {
		b := g.Box
		if g.ClassID < 0 || g.ClassID >= 80 || g.Class != labels[g.ClassID] {
			t.Errorf("detection %d: class %d %q", i, g.ClassID, g.Class)
		}
		if !(g.Score >= min && g.Score <= 1) {
			t.Errorf("detection %d: score %g outside [%g, 1]", i, g.Score, min)
		}
		if !(b.X0 >= 0 && b.X0 < b.X1 && b.X1 <= float32(dog.Width) && b.Y0 >= 0 && b.Y0 < b.Y1 && b.Y1 <= float32(dog.Height)) {
			t.Errorf("detection %d: box %v not inside %dx%d", i, b, dog.Width, dog.Height)
		}
		if i > 0 && g.Score > got[i-1].Score {
			t.Errorf("detection %d scores %g, above detection %d's %g", i, g.Score, i-1, got[i-1].Score)
		}
		for _, o := range got[:i] {
			if o.ClassID == g.ClassID && o.Box.IoU(g.Box) > DefaultNMSIoU {
				t.Errorf("detection %d overlaps a better %s by %g", i, g.Class, o.Box.IoU(g.Box))
			}
		}
	}
	if len(feats[0]) != d.Dim() || d.Dim() != 80*17 {
		t.Fatalf("features: %d values, Dim %d, want %d", len(feats[0]), d.Dim(), 80*17)
	}
	for c := range 80 { // each class's global maximum is its best cell
		best := float32(0)
		for _, v := range feats[0][c*16 : (c+1)*16] {
			best = max(best, v)
		}
		if g := feats[0][80*16+c]; g != best || g < 0 || g > 1 {
			t.Fatalf("class %d: global %g, best cell %g", c, g, best)
		}
	}
	if top := got[0]; feats[0][80*16+top.ClassID] < top.Score {
		t.Errorf("the best detection (%s %g) scores above its class's feature %g", top.Class, top.Score, feats[0][80*16+top.ClassID])
	}
}

// rawWorker is a worker on a fresh copy of d's network, to read its raw
// outputs.
func rawWorker(t testing.TB, d *Detector) *worker {
	t.Helper()
	model, config, err := d.spec.readFiles()
	if err != nil {
		t.Fatal(err)
	}
	n, err := readNet(d.spec.Format, model, config, d.base.layers)
	if err != nil {
		t.Fatal(err)
	}
	return &worker{e: d.base, net: n}
}

// TestYOLOSpecMismatch: a labels file that does not match the network's
// classes, a layer the network lacks, and a truncated weights file are each
// refused at NewDetector with an error naming the file, not a panic.
func TestYOLOSpecMismatch(t *testing.T) {
	specPath, _ := yoloSetup(t, 160)
	dir := filepath.Dir(specPath)
	spec, err := LoadSpec(specPath)
	if err != nil {
		t.Fatal(err)
	}

	short := spec
	short.Detector = &DetectorSpec{Kind: DetectorYOLO, Labels: spec.Detector.Labels[:79]}
	_, err = NewDetector(short, Options{})
	if err == nil || !strings.Contains(err.Error(), spec.Model) || !strings.Contains(err.Error(), "80 class scores") ||
		!strings.Contains(err.Error(), "79 labels") || !strings.Contains(err.Error(), specPath) {
		t.Errorf("79 labels for 80 classes: %v", err)
	}

	missing := spec
	missing.Outputs = []OutputSpec{{Layer: "detections"}}
	_, err = NewDetector(missing, Options{})
	if err == nil || !strings.Contains(err.Error(), spec.Model) || !strings.Contains(err.Error(), `no layer "detections"`) {
		t.Errorf("a missing output layer: %v", err)
	}

	data, err := os.ReadFile(spec.Model)
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []int{len(data) / 2, 10} {
		cut := filepath.Join(dir, fmt.Sprintf("cut%d.weights", keep))
		if err := os.WriteFile(cut, data[:keep], 0o644); err != nil {
			t.Fatal(err)
		}
		truncated := spec
		truncated.Model = cut
		d, err := NewDetector(truncated, Options{})
		if err == nil {
			d.Close()
			t.Errorf("weights cut to %d of %d bytes: no error", keep, len(data))
			continue
		}
		if !strings.Contains(err.Error(), cut) {
			t.Errorf("weights cut to %d bytes: error %q does not name %s", keep, err, cut)
		}
		t.Logf("cut to %d bytes: %v", keep, err)
	}
}

// TestDarknetWeightsSize checks the size check against the published
// weights files of two of the package's cfgs (header of 20 bytes included).
func TestDarknetWeightsSize(t *testing.T) {
	darknet := darknetFiles(t)
	for _, tc := range []struct {
		cfg  string
		want int64
	}{
		{"yolov3-tiny.cfg", 35434956},
		{"yolov3.cfg", 248007048},
	} {
		cfg, err := os.ReadFile(filepath.Join(darknet, "cfg", tc.cfg))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := darknetWeightsSize(cfg)
		if !ok || 20+got != tc.want {
			t.Errorf("%s: %d bytes of weights (known: %v), want %d", tc.cfg, 20+got, ok, tc.want)
		}
	}
	if _, ok := darknetWeightsSize([]byte("[net]\nchannels=3\n[connected]\noutput=10\n")); ok {
		t.Error("a connected layer's size needs spatial sizes: want not known")
	}
}
