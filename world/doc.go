// Package world is the Shapes world of shared/WORLD.md: flat coloured shapes on
// plain backgrounds, in still images with canonical captions and in short videos
// with per-segment labels. It generates images, videos and their ground truth
// (GenerateImages, GenerateVideos), parses captions and labels back into
// structure (ParseCaption, ParseLabel), and scores predictions against ground
// truth (CaptionScorer, TrackScorer) for training and evaluation alike.
//
// Geometry is in pixels, in edge coordinates: the pixel at column x, row y covers
// [x, x+1) x [y, y+1), so a frame of width W spans [0, W). A box is [X0, X1) x
// [Y0, Y1) and its centre is its midpoint.
package world

// Version names the generator; it changes whenever the same seed would give
// different output.
const Version = "shapes-world/1"
