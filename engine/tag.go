package engine

import (
	"captioner/tag"
)

// TagModel loads the bundle's tagger (many-to-one: a whole video's tags).
func (b *Bundle) TagModel() (*tag.Model, *tag.Entry, error) {
	return tag.LoadBundle(b.FS, b.Name)
}

// Tagger loads the bundle's tagger over the shared CNN, sampling at the
// rate it was trained at. It answers in the Shapes world; a video unlike
// the tagger's training videos (any real footage) gets the same kind of
// answer flagged as unsure by its novelty.
func (e *Engine) Tagger() (*tag.Tagger, error) {
	b, err := e.Bundle()
	if err != nil {
		return nil, err
	}
	m, entry, err := b.TagModel()
	if err != nil {
		return nil, err
	}
	c, load, err := e.cnn(m.Config.FeatureDim)
	if err != nil {
		return nil, err
	}
	s := samplerOf(c.ex, load, m.Config.FPS, e.opts.SampleBatch, c.cache)
	return &tag.Tagger{Model: m, Entry: entry, Sampler: s}, nil
}
