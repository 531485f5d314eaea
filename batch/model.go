package batch

import (
	"context"

	"captioner/engine"
	"captioner/subtitle"
)

// ImageCaptioner captions image files. Caption returns a caption for each
// path; a file that cannot be read gets its error in errs and the others go
// on; err stops the whole call (ctx, the CNN).
type ImageCaptioner interface {
	Caption(ctx context.Context, paths []string) (caps []Caption, errs []error, err error)
}

// VideoLabeller labels a video, telling progress (if not nil) how far it
// has got; *subtitle.Labeller is one.
type VideoLabeller interface {
	LabelProgress(ctx context.Context, path string, progress subtitle.Progress) (*subtitle.Track, error)
}

var (
	_ VideoLabeller  = (*subtitle.Labeller)(nil)
	_ VideoLabeller  = (*engine.Labellers)(nil)
	_ ImageCaptioner = (*engine.ShapesCaptioner)(nil)
	_ ImageCaptioner = (*engine.RoutedCaptioner)(nil)
)
