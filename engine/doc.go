// Package engine is the one engine under every front end of captioner:
// the command line's single-file commands, batch, the server and its
// workers all drive it.
//
//	Engine ──opens──> Bundle (embedded or a folder)
//	  │ shares one CNN per vector length, and the objects domain's detector
//	  ├── Captioner(opts) ─> RoutedCaptioner: Shapes captioner, then the
//	  │                      objects captioner for images unlike the Shapes world
//	  ├── Labellers(n, opts) ─> n Shapes labellers, pooled (batch)
//	  ├── VideoLabellers(n, opts) ─> n labellers of videos in their domain, pooled
//	  └── Describer(opts) ─> whole videos in one sentence, with chapters
//	                         (the describer over the Shapes labeller's track)
//
//	Task: Kind, Fingerprint (model checksum + settings), Run(ctx, input) -> result + outputs
//	  CaptionTask   an image's caption
//	  SubtitleTask  a video's track, rendered as VTT and SRT
//
// Models whose layers keep scratch buffers serve one input at a time, so
// each concurrent worker gets its own from a Pool, while weights and the
// CNN are shared. Domain routing (docs/OBJECTS.md, WORLD.md) is the same
// for every front end: by the novelty of the image's CNN vector, or of a
// video's first DomainProbe seconds, for the Shapes models.
package engine
