package vision

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

	"captioner/media"
	"captioner/vision/convert"
	"captioner/world"
)

// TestProbe measures candidate feature vectors of nsfwjs's MobileNetV2 with a
// linear probe for shape, colour, size and grid position on Shapes-world
// images (see PROBE.md). It needs the npm tarball, so it runs only when
// NSFWJS_TGZ names it:
//
//	NSFWJS_TGZ=/path/nsfwjs-4.3.0.tgz go test -run TestProbe -v -timeout 30m ./vision
func TestProbe(t *testing.T) {
	m := packageModel(t)
	const nTrain, nTest = 3000, 1000
	var frames []media.Frame
	var labels [4][]int
	for i := 0; len(frames) < nTrain+nTest; i++ {
		s, err := world.MakeImage(11, i, 224, 224)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Scene.Objects) != 1 {
			continue
		}
		o := s.Scene.Objects[0]
		frames = append(frames, media.Frame{Index: len(frames), Width: 224, Height: 224, Pix: s.Pix})
		labels[0] = append(labels[0], int(o.Shape)-1)
		labels[1] = append(labels[1], int(o.Colour)-1)
		labels[2] = append(labels[2], int(o.Size)-1)
		labels[3] = append(labels[3], int(s.Scene.Position)-1)
	}
	classes := [4]int{4, 6, 2, 9}
	g := func(layer string, n int) OutputSpec { return OutputSpec{Layer: layer, Pool: PoolGrid, Grid: n} }
	global := func(layer string) OutputSpec { return OutputSpec{Layer: layer, Pool: PoolGlobal} }
	gmax := func(layer string, n int) OutputSpec {
		return OutputSpec{Layer: layer, Pool: PoolGrid, Grid: n, Stat: StatMax}
	}
	candidates := []struct {
		name string
		outs []OutputSpec
	}{
		{"block_5_add 3x3", []OutputSpec{g("block_5_add", 3)}},
		{"block_12_add 3x3", []OutputSpec{g("block_12_add", 3)}},
		{"block_12_add 4x4", []OutputSpec{g("block_12_add", 4)}},
		{"out_relu global", []OutputSpec{global("out_relu")}},
		{"out_relu 3x3", []OutputSpec{g("out_relu", 3)}},
		{"block_12_add 3x3 + out_relu global", []OutputSpec{g("block_12_add", 3), global("out_relu")}},
		{"block_12_add 3x3 + expanded_conv_project_BN 3x3", []OutputSpec{g("block_12_add", 3), g("expanded_conv_project_BN", 3)}},
		{"block_12_add 3x3 + block_2_add 3x3", []OutputSpec{g("block_12_add", 3), g("block_2_add", 3)}},
		{"block_12_add 4x4 + expanded_conv_project_BN 4x4", []OutputSpec{g("block_12_add", 4), g("expanded_conv_project_BN", 4)}},
		{"block_5_add 3x3 + block_12_add 3x3 + expanded_conv_project_BN 3x3", []OutputSpec{g("block_5_add", 3), g("block_12_add", 3), g("expanded_conv_project_BN", 3)}},
		{"block_12_add 3x3 + expanded_conv_project_BN max 3x3", []OutputSpec{g("block_12_add", 3), gmax("expanded_conv_project_BN", 3)}},
		{"block_12_add 3x3 + Conv1_relu max 3x3", []OutputSpec{g("block_12_add", 3), gmax("Conv1_relu", 3)}},
		{"block_12_add 3x3 + block_2_add max 3x3", []OutputSpec{g("block_12_add", 3), gmax("block_2_add", 3)}},
		{"block_12_add max 3x3 + block_2_add max 3x3", []OutputSpec{gmax("block_12_add", 3), gmax("block_2_add", 3)}},
		{"block_12_add 3x3 + Conv1_relu max", []OutputSpec{g("block_12_add", 3), gmax("Conv1_relu", 1)}},
		{"block_12_add 3x3 + Conv1_relu max + Conv1_relu mean", []OutputSpec{g("block_12_add", 3), gmax("Conv1_relu", 1), global("Conv1_relu")}},
		{"block_12_add 3x3 + Conv1_relu max 3x3 + Conv1_relu max", []OutputSpec{g("block_12_add", 3), gmax("Conv1_relu", 3), gmax("Conv1_relu", 1)}},
		{"block_12_add 3x3 + block_1_expand_relu max", []OutputSpec{g("block_12_add", 3), gmax("block_1_expand_relu", 1)}},
		{"block_12_add 3x3 + block_1_expand_relu max 3x3", []OutputSpec{g("block_12_add", 3), gmax("block_1_expand_relu", 3)}},
		{"block_12_add 3x3 + Conv1_relu max 4x4", []OutputSpec{g("block_12_add", 3), gmax("Conv1_relu", 4)}},
		{"block_12_add 4x4 + Conv1_relu max 4x4", []OutputSpec{g("block_12_add", 4), gmax("Conv1_relu", 4)}},
		{"embedded default (as shipped, its heads pooled in the network)", nil},
		{"block_12_add 3x3 + expanded_conv_project_BN 3x3 + out_relu global", []OutputSpec{g("block_12_add", 3), g("expanded_conv_project_BN", 3), global("out_relu")}},
	}
	if only := os.Getenv("PROBE_ONLY"); only != "" {
		t.Logf("only candidates containing %q", only)
	}
	fmt.Println("| candidate | dim | ms/frame | shape | colour | size | position |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- |")
	for _, c := range candidates {
		if only := os.Getenv("PROBE_ONLY"); only != "" && !regexp.MustCompile(only).MatchString(c.name) {
			continue
		}
		var layers []string
		for _, o := range c.outs {
			layers = append(layers, o.Layer)
		}
		var spec Spec
		var err error
		if c.outs == nil { // the embedded default, as shipped
			if spec, err = DefaultSpec(); err != nil {
				t.Fatal(err)
			}
		} else {
			onnx, _, err := convert.Convert(m, convert.Options{Outputs: layers})
			if err != nil {
				t.Fatal(err)
			}
			spec = Spec{Format: "onnx", ModelData: onnx, Source: c.name, Outputs: c.outs,
				Input: InputSpec{Width: 224, Height: 224, Channels: "rgb", Scale: 1.0 / 255}}
		}
		e, err := New(spec, Options{BatchSize: 8})
		if err != nil {
			t.Fatal(err)
		}
		// Speed: a warm pass, then 256 frames timed alone.
		if _, err := e.Features(context.Background(), frames[:16]); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := e.Features(context.Background(), frames[:256]); err != nil {
			t.Fatal(err)
		}
		ms := float64(time.Since(start).Microseconds()) / 1000 / 256
		acc := make([]float64, 4)
		if os.Getenv("PROBE_TIMING") == "" {
			x, err := e.Features(context.Background(), frames)
			if err != nil {
				t.Fatal(err)
			}
			acc = probeAccuracies(x, labels[:], classes[:], nTrain*4/5, nTrain/5)
		}
		e.Close()
		fmt.Printf("| %s | %d | %.1f | %.3f | %.3f | %.3f | %.3f |\n", c.name, e.Dim(), ms, acc[0], acc[1], acc[2], acc[3])
	}
}

// packageModel reads nsfwjs's MobileNetV2 from the npm tarball that
// NSFWJS_TGZ names, and skips the test when it is not set.
func packageModel(t *testing.T) *convert.Model {
	t.Helper()
	tgz := os.Getenv("NSFWJS_TGZ")
	if tgz == "" {
		t.Skip("NSFWJS_TGZ not set")
	}
	f, err := os.Open(tgz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := convert.ReadPackageModel(f, "package/dist/models/mobilenet_v2")
	if err != nil {
		t.Fatal(err)
	}
	return m
}
