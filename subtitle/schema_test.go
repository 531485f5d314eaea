package subtitle

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"captioner/models"
)

// userSchema is a label set no package knows: a user's.
func userSchema() ([]string, *Schema) {
	labels := []string{"quiet", "a frog jumps", "a frog sings", "two frogs jump", "two frogs sing", "a toad sings"}
	s := &Schema{
		Groups: []SchemaGroup{{Name: "what", Values: []string{"quiet", "jump", "sing"}}, {Name: "who", Values: []string{"frog", "toad"}}, {Name: "count", Values: []string{"1", "2"}}},
		Parts:  [][]int{{0, -1, -1}, {1, 0, 0}, {2, 0, 0}, {1, 0, 1}, {2, 0, 1}, {2, 1, 0}},
	}
	return labels, s
}

// A labeller of a user's schema saves it and loads back the same, giving
// the same probabilities; its head has one output a group value.
func TestSchemaModelRoundTrip(t *testing.T) {
	labels, schema := userSchema()
	cfg := Config{FeatureDim: 5, Hidden: 4, Layers: 1, Inputs: []string{InputFeatures, InputChange}, FPS: 2, Window: 16}
	m, err := NewSchemaModel(cfg, labels, schema, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	m.SetTrain(false)
	if got := m.Net.Head.Out; got != 7 {
		t.Errorf("head has %d outputs, want 3+2+2", got)
	}
	data, err := m.Save()
	if err != nil {
		t.Fatal(err)
	}
	back, err := LoadModel(data, "user")
	if err != nil {
		t.Fatal(err)
	}
	if !back.Config.Factored || !reflect.DeepEqual(back.Schema, schema) || !reflect.DeepEqual(back.Labels, labels) {
		t.Fatalf("loaded factored %v, schema %+v, labels %q", back.Config.Factored, back.Schema, back.Labels)
	}
	feats := randomFeats(rand.New(rand.NewPCG(2, 2)), 12, 5)
	a, b := m.Probabilities(feats), back.Probabilities(feats)
	if d := maxDiff(a, b); d != 0 {
		t.Errorf("probabilities differ by %g after loading", d)
	}
	for i, p := range a {
		sum := float32(0)
		for _, v := range p {
			sum += v
		}
		// Combinations outside the label set ("two toads") take the rest.
		if len(p) != len(labels) || sum <= 0 || sum > 1.0001 {
			t.Fatalf("step %d: %d probabilities summing to %g", i, len(p), sum)
		}
	}
}

func TestSchemaValidate(t *testing.T) {
	labels, good := userSchema()
	for _, tc := range []struct {
		name string
		edit func(s *Schema)
		says string
	}{
		{"short", func(s *Schema) { s.Parts = s.Parts[1:] }, "parts for 5 labels"},
		{"range", func(s *Schema) { s.Parts[1][1] = 2 }, "out of group"},
		{"empty", func(s *Schema) { s.Parts[0] = []int{-1, -1, -1} }, "no part"},
		{"same", func(s *Schema) { s.Parts[2] = []int{1, 0, 0} }, "same parts"},
		{"width", func(s *Schema) { s.Parts[3] = []int{1, 0} }, "has 2 parts"},
	} {
		s := good.clone()
		tc.edit(s)
		if err := s.Validate(labels); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.says)
		}
	}
	if err := good.Validate(labels); err != nil {
		t.Errorf("good schema: %v", err)
	}
}

// The embedded Shapes labeller predates saved schemas: it loads factored by
// the Shapes world's schema, and saved again it carries that schema, so the
// copy loads without the world's code.
func TestEmbeddedShapesSchema(t *testing.T) {
	m, _, err := LoadBundle(models.Default(), "default")
	if err != nil {
		t.Fatal(err)
	}
	labels, schema := worldLabels()
	if !reflect.DeepEqual(m.Labels, labels) || !reflect.DeepEqual(m.Schema, schema) {
		t.Fatalf("embedded labeller: %d labels, schema groups %v", len(m.Labels), m.Schema.Groups)
	}
	if got := []int{len(schema.Groups[0].Values), len(schema.Groups[1].Values), len(schema.Groups[2].Values)}; !reflect.DeepEqual(got, []int{7, 6, 4}) {
		t.Errorf("groups of %v values", got)
	}
	data, err := m.Save()
	if err != nil {
		t.Fatal(err)
	}
	back, err := LoadModel(data, "resaved")
	if err != nil || !reflect.DeepEqual(back.Schema, schema) {
		t.Fatalf("resaved: %v", err)
	}
}
