// Package subtitle writes subtitle tracks that say what happens in a video,
// moment by moment, with a synced many-to-many recurrent labeller.
//
// From a video to a file:
//
//	video ──Sampler──> feature vectors of frames sampled at FPS (decoding and the CNN concurrently)
//	  ──Model (Stream)──> a label distribution per step (an LSTM over windows of the steps' inputs)
//	  ──Smooth──> one label per step (Viterbi, switch penalty)
//	  ──Segments──> segments with start, end and confidence
//	  ──BuildCues──> cues that follow subtitle conventions (duration, gap, lines, reading speed)
//	  ──WriteTracks──> WebVTT, SRT, TTML, SSA, STL through go-astisub, atomically
//
// Labeller.Label runs the whole path for one video; Train fits a Model to a
// folder of videos with label tracks beside them (Data), and Evaluate
// scores tracks as WORLD.md says. CHOICES.md records how the labeller's
// inputs and network were chosen; DENSE.md compares it with labellers that
// have no memory (Config.Dense).
package subtitle
