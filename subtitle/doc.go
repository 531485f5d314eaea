// Package subtitle turns per-step labels into subtitle cues and writes them as
// subtitle tracks.
//
// The path from a labeller's output to a file:
//
//	per-step label probabilities ──Smooth──> one label per step (Viterbi, switch penalty)
//	  ──Segments──> segments with start, end and confidence
//	  ──BuildCues──> cues that follow subtitle conventions (duration, gap, lines, reading speed)
//	  ──WriteTracks──> WebVTT, SRT, TTML, SSA, STL through go-astisub, atomically
package subtitle
