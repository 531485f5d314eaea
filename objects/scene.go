// Package objects is the objects domain: the written contract
// (docs/OBJECTS.md) of what captioner says about real photos and videos in
// terms of the COCO classes a real detector finds — the vocabulary, the
// caption grammar of a photo, the per-step label grammar of a video, their
// parsers and scores — and a generator of scenes and tracks in the
// detector's own space (what it would report, with its real failure modes),
// on which the objects models are trained.
package objects

// Box is an axis-aligned box in coordinates relative to the frame: X0 <= X1
// and Y0 <= Y1, within [0, 1] (x from the left edge, y from the top).
type Box struct {
	X0 float64 `json:"x0"`
	Y0 float64 `json:"y0"`
	X1 float64 `json:"x1"`
	Y1 float64 `json:"y1"`
}

// Object is one thing in a scene: its COCO class name (as the detector's
// labels spell it: "person", "traffic light") and where it is.
type Object struct {
	Class string `json:"class"`
	Box   Box    `json:"box"`
}

// Scene is what a photo, or one frame of a video, truly shows.
type Scene struct {
	Objects []Object `json:"objects"`
}

// Detection is what a detector reports: an object and its score (0 to 1).
type Detection struct {
	Object
	Score float64 `json:"score"`
}
