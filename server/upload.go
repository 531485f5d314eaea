package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"captioner/media"
)

// upload is a request body received to a temporary file: never held in
// memory whole, never named by the client.
type upload struct {
	path   string // the temporary file, made by the server
	name   string // the client's file name, for people only
	size   int64
	sha256 string
	info   media.Info
}

func (u *upload) remove() { os.Remove(u.path) }

// receive streams the body of r (raw, or the "file" part of a multipart
// form) to a temporary file in dir, at most limit bytes, hashing it as it
// goes, then checks by its content that it is media of kind want. Any
// failure removes the file and is an *apiError with a 4xx status.
func receive(ctx context.Context, r *http.Request, dir string, limit int64, want media.Kind) (*upload, *apiError) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil && r.Header.Get("Content-Type") != "" {
		return nil, errorf(http.StatusUnsupportedMediaType, "bad_content_type", "Content-Type %q: %v", r.Header.Get("Content-Type"), err)
	}
	switch {
	case ct == "" || ct == "application/octet-stream" || ct == "multipart/form-data":
	case strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "video/"):
	default:
		return nil, errorf(http.StatusUnsupportedMediaType, "bad_content_type",
			"Content-Type %s: send the file itself (image/*, video/*, application/octet-stream) or a multipart form with a \"file\" part", ct)
	}
	if r.ContentLength > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "upload of %d bytes is over the limit of %d", r.ContentLength, limit)
	}
	var body io.Reader = http.MaxBytesReader(nil, r.Body, limit+64<<10) // room for a form's headers
	name := "upload"
	if ct == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "bad_form", "multipart form: %v", err)
		}
		for {
			p, err := mr.NextPart()
			if err != nil {
				return nil, errorf(http.StatusBadRequest, "bad_form", `multipart form: no "file" part`)
			}
			if p.FormName() == "file" {
				if fn := filepath.Base(p.FileName()); fn != "." && fn != "/" && p.FileName() != "" {
					name = fn
				}
				body = p
				break
			}
		}
	}
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, "internal", "server: upload: %v", err)
	}
	u := &upload{path: f.Name(), name: name}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || n > limit:
		u.remove()
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "upload is over the limit of %d bytes", limit)
	case err != nil:
		u.remove()
		return nil, errorf(http.StatusBadRequest, "upload_cut", "upload cut short after %d bytes: %v", n, err)
	case n == 0:
		u.remove()
		return nil, errorf(http.StatusBadRequest, "empty", "empty upload")
	}
	u.size, u.sha256 = n, hex.EncodeToString(h.Sum(nil))
	info, err := media.Probe(ctx, u.path)
	if err != nil {
		u.remove()
		// The reason, with the client's name for the file instead of ours.
		msg := strings.ReplaceAll(err.Error(), u.path, name)
		return nil, errorf(http.StatusBadRequest, "not_media", "%s", msg)
	}
	u.info = info
	if info.Kind != want {
		u.remove()
		return nil, errorf(http.StatusBadRequest, "wrong_kind", "%s is %s, this route takes %s", name, article(info.Kind), article(want))
	}
	return u, nil
}

func article(k media.Kind) string {
	if k == media.Image {
		return "an image"
	}
	return "a video"
}

// apiError is an API error: an HTTP status, a code programs branch on, and
// a message for people.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func errorf(status int, code, format string, a ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}
