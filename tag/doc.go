// Package tag says what a whole video is about with a many-to-one
// recurrent network: which objects take part and which kinds of event
// happen (for the Shapes world, "red square", "blue circle", "moves",
// "appears", "disappears"), each with its probability.
//
//	video ──subtitle.Sampler──> feature vectors of frames sampled at FPS (the bundle's CNN, cached)
//	  ──subtitle.Config.BuildInputs──> a step's inputs: what is in view, what changed, what moves
//	  ──Model──> one probability a tag (an LSTM read at its last step, then a sigmoid a tag)
//	  ──Threshold──> the video's tags
//
// Beside the recurrent network, a Model may be the no-memory baseline
// (Config.Arch "dense"): a dense classifier of each step on its own, whose
// per-step probabilities are averaged over the video. Train fits either to
// a folder of videos with their tags (Data: a VIDEO.tags sidecar, or the
// Shapes world's VIDEO.json record), Evaluate scores tags per tag
// (precision, recall, F1) and by exact tag-set match, and Tagger tags
// videos with a trained model. The tag list is data, saved with the
// weights: a model of any domain loads the same way.
package tag
