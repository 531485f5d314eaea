package batch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// candidate is a file found in the input folder.
type candidate struct {
	rel   string // relative to the input folder, slash-separated
	path  string // the input folder joined with rel, as the user named it
	size  int64
	mtime time.Time
	skip  string // why it is skipped without a look (not a regular file)
	err   error  // why it could not be looked at
}

// walked is what walk found.
type walked struct {
	files      []candidate
	subfolders int // folders not entered (no Recursive)
}

// walk lists the files of dir (and of its subfolders when recursive), in
// lexical order. It does not enter outDir, follows symbolic links to files
// but not to folders, and leaves out the files exclude says are its own
// (abs is the file's absolute path). Problems with one entry (a symbolic
// link loop, a folder it may not list) are reported on that entry; only a
// dir that cannot be listed at all is an error.
func walk(ctx context.Context, dir, absDir, absOut string, recursive bool, exclude func(abs string) bool) (walked, error) {
	var w walked
	root := dir
	if st, err := os.Lstat(dir); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a root that is a symbolic link; "/."
		// makes it, and the paths below it still start with dir.
		root = dir + string(filepath.Separator) + "."
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, rerr := filepath.Rel(dir, p)
		if rerr != nil {
			return rerr // cannot happen: p is under dir
		}
		if rel == "." {
			return err
		}
		c := candidate{rel: filepath.ToSlash(rel), path: p}
		abs := filepath.Join(absDir, rel)
		if err != nil {
			// A subfolder that could not be listed (the second call for it).
			c.err = fmt.Errorf("batch: %s: cannot list the folder: %s", p, fsReason(err))
			w.files = append(w.files, c)
			return nil
		}
		if d.IsDir() {
			switch {
			case abs == absOut:
				return filepath.SkipDir // our own outputs
			case !recursive:
				w.subfolders++
				return filepath.SkipDir
			}
			return nil
		}
		if exclude(abs) {
			return nil
		}
		var st fs.FileInfo
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			st, err = os.Stat(p)
			switch {
			case errors.Is(err, syscall.ELOOP):
				c.err = fmt.Errorf("batch: %s: symbolic link loop", p)
			case errors.Is(err, fs.ErrNotExist):
				c.err = fmt.Errorf("batch: %s: symbolic link to nothing", p)
			case err != nil:
				c.err = fmt.Errorf("batch: %s: %s", p, fsReason(err))
			case st.IsDir():
				c.skip = "a symbolic link to a folder (not followed)"
			case !st.Mode().IsRegular():
				c.skip = notRegular(st.Mode())
			}
		case d.Type().IsRegular():
			if st, err = d.Info(); err != nil {
				c.err = fmt.Errorf("batch: %s: %s", p, fsReason(err))
			}
		default:
			c.skip = notRegular(d.Type())
		}
		if c.err == nil && c.skip == "" {
			c.size, c.mtime = st.Size(), st.ModTime()
		}
		w.files = append(w.files, c)
		return nil
	})
	if err != nil {
		return walked{}, fmt.Errorf("batch: %w", err)
	}
	return w, nil
}

// notRegular says what a file that is neither a folder nor a regular file is.
func notRegular(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe, not a regular file"
	case m&fs.ModeSocket != 0:
		return "a socket, not a regular file"
	case m&fs.ModeDevice != 0:
		return "a device, not a regular file"
	}
	return "not a regular file"
}

// fsReason is a file system error without the path it repeats.
func fsReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// mediaExts are the extensions that promise an image or a video: a file so
// named that is neither is an error, not a file to skip.
var mediaExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".jpe": true, ".png": true, ".webp": true,
	".bmp": true, ".tif": true, ".tiff": true,
	".mp4": true, ".m4v": true, ".mov": true, ".qt": true, ".mkv": true, ".webm": true,
	".avi": true, ".mpg": true, ".mpeg": true, ".ts": true, ".mts": true, ".m2ts": true,
	".wmv": true, ".flv": true, ".3gp": true, ".ogv": true,
}

// promisesMedia says whether name's extension says it is an image or a video.
func promisesMedia(name string) bool {
	return mediaExts[strings.ToLower(filepath.Ext(name))]
}
