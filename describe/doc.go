// Package describe says what happens in a whole clip in one sentence, with
// a many-to-many encoder-decoder (S2VT-style), and cuts long clips into
// chapters titled by their descriptions (docs/DESCRIBE.md).
//
// From a video to a description:
//
//	video ──subtitle.Sampler──> feature vectors of frames sampled at FPS
//	  ├──the Shapes labeller──> a label distribution per step ──Smooth──> runs of labels
//	  │     ──PlanChapters──> spans of at most MaxEvents events, cut in still
//	  │                       stretches where it can, else at event boundaries
//	  └──Inputs──> one row a step (the labeller's distribution and/or the
//	               CNN-derived parts of subtitle.Config.BuildInputs)
//	each span's rows ──Model (LSTM encoder ─(h, c)─> LSTM decoder, beam search)──> words
//	  ──world.ParseDescription──> the span's events, canonical: a chapter's title
//	the chapters' events, in order ──world.Describe──> the clip's description
//
// Train fits a Model to windows of labelled videos that span one to
// MaxEvents events (and stretches with none), cut at the true segment
// edges with a step of jitter; Evaluate scores whole clips as
// docs/DESCRIBE.md says: exact event-sequence match, BLEU-4 and CIDEr-D.
package describe
