package media

import (
	"errors"
	"strings"
)

// Sentinel errors that callers branch on. Every error this package returns for
// a file is an *Error that names the file; the reason inside it wraps one of
// these sentinels when it applies, so errors.Is works through it.
var (
	// ErrNotMedia says the content is neither an image OpenCV decodes nor a
	// video ffmpeg can demux (an empty file, text, an unknown format, a playlist
	// that points at something other than a local file). Batch runs skip such
	// files.
	ErrNotMedia = errors.New("not an image or a video")
	// ErrNoVideo says the file is media ffmpeg can read but has no video stream
	// (audio only, or audio with nothing but cover art).
	ErrNoVideo = errors.New("no video stream")
	// ErrCorrupt says the file is an image or a video of a known format whose
	// data is damaged or cut short.
	ErrCorrupt = errors.New("corrupt or truncated")
	// ErrImageSize says an image is smaller than the minimum or larger than the
	// pixel limit of ImageOptions.
	ErrImageSize = errors.New("image size out of bounds")
)

// Error is the error returned for a file: "media: PATH: REASON", on one line.
// Use errors.As to get the path back.
type Error struct {
	Path string // the file, as the caller named it
	Err  error  // the reason; wraps a sentinel above or an fs error
}

// Error returns "media: PATH: REASON" with any line breaks of the reason
// folded, so it always prints as one line.
func (e *Error) Error() string {
	return "media: " + oneLine(e.Path) + ": " + oneLine(e.Err.Error())
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// PathOf returns the file named by err, if err is or wraps an *Error.
func PathOf(err error) (string, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Path, true
	}
	return "", false
}

// reason is the text of an error plus what it wraps (a sentinel, a cause), so
// messages read naturally without repeating the sentinel's text.
type reason struct {
	msg  string
	errs []error
}

func (r *reason) Error() string   { return r.msg }
func (r *reason) Unwrap() []error { return r.errs }

// fileErr builds the *Error for path with message msg, wrapping errs.
func fileErr(path, msg string, errs ...error) error {
	var keep []error
	for _, e := range errs {
		if e != nil {
			keep = append(keep, e)
		}
	}
	return &Error{Path: path, Err: &reason{msg: msg, errs: keep}}
}

// oneLine folds line breaks and control characters into spaces and trims.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = r == ' '
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}
