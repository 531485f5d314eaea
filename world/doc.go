// Package world is the Shapes world of shared/WORLD.md: flat coloured shapes on
// plain backgrounds, in still images with canonical captions and in short videos
// with per-segment labels. It generates images, videos and their ground truth
// (GenerateImages, GenerateVideos, or MakeImage and PlanVideo in memory), parses
// captions and labels back into structure (ParseCaption, ParseLabel), and scores
// predictions against ground truth (CaptionScorer, TrackScorer) for training
// and evaluation alike.
//
// Output of GenerateImages:
//
//	OUT/images/000000.png   one file per image (or .jpg)
//	OUT/captions.jsonl      one ImageRecord per line, in image order
//	OUT/synth.json          a SynthInfo, written last
//
// Output of GenerateVideos:
//
//	OUT/0000.mp4            H.264
//	OUT/0000.json           a VideoRecord: timing, background, segments, objects
//	OUT/0000.vtt, 0000.srt  the labels, one cue per segment
//	OUT/synth.json          a SynthInfo, written last
//
// Item i of a run depends only on (seed, i) and the options other than N.
// Images drawn under a Spread (what `captioner synth images` does by
// default) each take their own reading of WORLD.md: size, aspect ratio,
// noise kind, edges, PNG or JPEG, and every range at its whole width;
// without one, every image has one size and format, as generator version 1
// drew them. Videos draw their noise shared or per channel (VideoOptions).
//
// Geometry is in pixels, in edge coordinates: the pixel at column x, row y covers
// [x, x+1) x [y, y+1), so a frame of width W spans [0, W). A box is [X0, X1) x
// [Y0, Y1) and its centre is its midpoint.
package world

// Version names the generator; it changes whenever the same seed would give
// different output. Version 2 added images drawn from a Spread (every reading
// of WORLD.md); fixed-size images and videos are as version 1 made them.
const Version = "shapes-world/2"
