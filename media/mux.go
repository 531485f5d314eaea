package media

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Mux writes out: a Matroska copy of video (its video and audio streams,
// not re-encoded) with track, a subtitle file ffmpeg reads (SRT, WebVTT,
// ASS), as a subtitle stream in the track's own format, tagged with lang
// when it is not "". out is written to a temporary file beside it and
// renamed, so it is never seen half-written; video and track are only read.
func Mux(ctx context.Context, video, track, out, lang string) error {
	for _, p := range []string{video, track} {
		in, err := openInput(p)
		if err != nil {
			return err
		}
		in.f.Close()
	}
	dir, base := filepath.Split(out)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o644)
	f.Close()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("media: %w", err)
	}
	codec := "srt"
	switch strings.ToLower(filepath.Ext(track)) {
	case ".vtt":
		codec = "webvtt"
	case ".ass", ".ssa":
		codec = "ass"
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return "file:" + a
	}
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-protocol_whitelist", "file,pipe", "-i", abs(video),
		"-protocol_whitelist", "file,pipe", "-i", abs(track),
		"-map", "0:v", "-map", "0:a?", "-map", "1:0",
		"-c:v", "copy", "-c:a", "copy", "-c:s", codec}
	if lang != "" {
		args = append(args, "-metadata:s:s:0", "language="+lang)
	}
	args = append(args, "-f", "matroska", tmp)
	cmd := command(ctx, "ffmpeg", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		if ctx.Err() != nil {
			return fmt.Errorf("media: %s: muxing interrupted: %w", out, ctx.Err())
		}
		return fmt.Errorf("media: %s: muxing %s into %s: %v: %s", out, track, video, err, oneLine(lastLine(stderr.String())))
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("media: %w", err)
	}
	return nil
}
