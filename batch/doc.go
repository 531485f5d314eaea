// Package batch captions and subtitles whole media folders, resumably.
//
// Run walks a folder, tells images from videos by their content (media.Probe),
// captions the images in groups, so that the CNN sees frames of several files
// in one forward pass, and writes subtitle tracks for the videos, several
// files at a time. A file that cannot be read never stops the batch: it gets
// its one-line error and the rest goes on.
//
// # Output folder
//
// Everything a run writes goes under the output folder (the input folder
// itself unless another is given), mirroring the input folder's layout:
//
//	captioner-batch.jsonl       the manifest (below)
//	captions.jsonl, captions.csv the index of every captioned image
//	sub/clip.vtt, sub/clip.srt  the tracks of the video sub/clip.mp4
//	sub/photo.jpg.caption.json  with Images.Sidecar: the caption of sub/photo.jpg
//
// # Manifest
//
// The manifest is a journal: a header line, then one JSON Record a line,
// each the whole state of one input file (relative path, size, modification
// time, sha256 of the content, the checksum of the model that answered, the
// settings, the outputs written, and the status, result or error). A later
// line for the same file supersedes an earlier one. A record is appended and
// fsynced as soon as its file is finished, after the file's outputs have
// been written (each to a temporary name, synced and renamed), so a process
// killed at any moment, SIGKILL included, loses no finished file. Before a
// video's tracks (or the sidecars of a group of images) are written, a
// "started" record names them: the next run knows them as its own (and
// removes their temporary files) even when the process died half-way. A torn last line is ignored. At the start of a run
// with superseded or torn lines, and at the end of one that changed
// anything, the journal is compacted: rewritten, one line per file, to a
// temporary file that is renamed over it. Only one run at a time may use an
// output folder (an exclusive lock on the folder).
//
// # Resumption
//
// A file is unchanged, and not worked on again, when the manifest has it
// done with the same size and modification time, the same model checksum
// and settings, and its outputs are still there. When only its modification
// time differs, its content is hashed: the same sha256 means a touched but
// identical file, whose record just gets the new time. A file whose content
// changed, whose model or settings differ, whose outputs are gone, or that
// was interrupted last time is done again; Force redoes every file. A file
// that failed is tried again, unless its content was at fault (corrupt, cut
// short, not the media its name promises) and it has not changed since: it
// is reported failed again from its record. Models are loaded only when
// some file needs them, so an unchanged folder is checked without loading
// any, and a run that changes nothing writes nothing.
//
// The index is written from the manifest at the end of every run (and every
// 30 s during one), atomically: it holds every captioned image, earlier
// runs' included, and no file that is gone. An output folder whose
// captions.jsonl or captions.csv was not written by a batch (a dataset's
// ground truth, say) is refused rather than overwritten.
package batch
