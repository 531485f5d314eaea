package convert

import (
	"math/rand/v2"
	"testing"
)

// FuzzParseGraphModel feeds ParseGraphModel a model.json and one weight
// shard (every path the manifest names reads it). Neither the parser nor
// ConvertGraph, asked for any one node or for the signature's outputs, may
// panic; a parsed float tensor holds exactly as many values as its shape.
func FuzzParseGraphModel(f *testing.F) {
	r := rand.New(rand.NewPCG(21, 7))
	tiny := tinyGraph(r).files(r, true)
	f.Add(tiny.model, tiny.shards["weights.bin"])
	small := &graphSpec{h: 4, w: 4, c: 2}
	small.node("images", "Placeholder")
	c := small.node("c", "_FusedConv2D", "images", small.floats(r, "k", "f16", 0, 1, 3, 3, 2, 2), small.floats(r, "b", "u8", -1, 1, 2))
	c.fused = []string{"BiasAdd", "Relu6"}
	small.node("m", "Mean", "c", small.int32s("axes", []int{2}, 1, 2)).attr = obj{"keep_dims": obj{"b": true}}
	small.node("s", "Mul", "m", "c")
	small.node("u", "ResizeBilinear", "s", small.int32s("size", []int{2}, 8, 8))
	sf := small.files(r, true)
	f.Add(sf.model, sf.shards["weights.bin"])
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"x","op":"Placeholder","attr":{"shape":{"shape":{"dim":[{"size":"1"},{"size":"2"},{"size":"2"},{"size":"1"}]}}}},{"name":"y","op":"Relu","input":["x"]}]}}`), []byte{})
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"k","op":"Const"}]},"weightsManifest":[{"paths":["a"],"weights":[{"name":"k","shape":[1,1,3,6148914691236517206],"dtype":"float32"}]}]}`), make([]byte, 8))
	f.Add([]byte(`not json`), []byte{})
	f.Fuzz(func(t *testing.T, model, shard []byte) {
		if len(model) > 1<<16 || len(shard) > 1<<16 {
			return
		}
		g, err := ParseGraphModel(model, func(string) ([]byte, error) { return shard, nil })
		if err != nil {
			return
		}
		for name, v := range g.Floats {
			n := 1
			for _, d := range v.Shape {
				n *= d
			}
			if n != len(v.Data) {
				t.Fatalf("weight %s: shape %v but %d values", name, v.Shape, len(v.Data))
			}
		}
		for i, n := range g.Nodes {
			if i == 64 {
				break
			}
			ConvertGraph(g, GraphOptions{Outputs: []string{n.Name}})
		}
		if len(g.Signature.Outputs) > 0 {
			ConvertGraph(g, GraphOptions{Outputs: g.Signature.Outputs})
		}
	})
}
