package server

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
)

// The page: one template and its script and style, in the binary; no
// build step and nothing fetched from elsewhere, so it works offline.
//
//go:embed web
var webFiles embed.FS

// page serves / and /static/.
type page struct {
	html   []byte
	static http.Handler
}

// newPage renders the page once: what it shows does not change while the
// server runs.
func newPage(version string, tokenRequired bool) (*page, error) {
	t, err := template.ParseFS(webFiles, "web/index.html")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, struct {
		Version       string
		TokenRequired bool
	}{version, tokenRequired}); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		return nil, err
	}
	return &page{html: buf.Bytes(), static: http.StripPrefix("/static/", http.FileServerFS(sub))}, nil
}

func (p *page) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob:; media-src 'self' blob:")
	w.Write(p.html)
}
