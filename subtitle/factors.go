package subtitle

import (
	"captioner/world"
)

// The Shapes world's label schema. New labellers save their schema in the
// model file (Schema); this one is only for those written before that
// (models/default's subtitle.safetensors, "factored" with no schema in its
// metadata), which LoadModel reads as factored by it, and for training on
// Shapes-world tracks (Train factors a label set that is all Shapes-world
// labels by it).

// worldEvents are the first group's values, in order.
var worldEvents = []world.Label{
	{Event: world.Still},
	{Event: world.Move, Direction: world.DirLeft},
	{Event: world.Move, Direction: world.DirRight},
	{Event: world.Move, Direction: world.DirUp},
	{Event: world.Move, Direction: world.DirDown},
	{Event: world.Appear},
	{Event: world.Disappear},
}

const worldColours, worldShapes = 6, 4

// worldLabels returns every label of the Shapes world ("nothing moves",
// then each colour, shape and event) and their schema.
func worldLabels() ([]string, *Schema) {
	labels := []string{world.NothingMoves}
	s := &Schema{Parts: [][]int{{0, -1, -1}}}
	events := &SchemaGroup{Name: "event"}
	for _, ev := range worldEvents {
		text := world.NothingMoves
		if ev.Event != world.Still {
			text = ev.Event.String()
			if ev.Direction != world.NoDirection {
				text += " " + ev.Direction.String()
			}
		}
		events.Values = append(events.Values, text)
	}
	colours, shapes := &SchemaGroup{Name: "colour"}, &SchemaGroup{Name: "shape"}
	for c := 1; c <= worldColours; c++ {
		colours.Values = append(colours.Values, world.Colour(c).String())
	}
	for sh := 1; sh <= worldShapes; sh++ {
		shapes.Values = append(shapes.Values, world.Shape(sh).String())
	}
	s.Groups = []SchemaGroup{*events, *colours, *shapes}
	for c := 1; c <= worldColours; c++ {
		for sh := 1; sh <= worldShapes; sh++ {
			for e, ev := range worldEvents[1:] {
				l := ev
				l.Colour, l.Shape = world.Colour(c), world.Shape(sh)
				labels = append(labels, l.String())
				s.Parts = append(s.Parts, []int{e + 1, c - 1, sh - 1})
			}
		}
	}
	return labels, s
}

// isWorldLabelSet says whether every text is a Shapes-world label.
func isWorldLabelSet(texts []string) bool {
	for _, t := range texts {
		if _, err := world.ParseLabel(t); err != nil {
			return false
		}
	}
	return len(texts) > 0
}
