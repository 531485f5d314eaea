package batch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a.png", "sub/b.png", "sub/deeper/c.png", "out/captions.jsonl", "own.vtt", "with space é.txt"} {
		writeFile(t, filepath.Join(dir, p), []byte("x"))
	}
	os.Symlink("loop", filepath.Join(dir, "loop"))
	os.Symlink("nowhere", filepath.Join(dir, "dangling"))
	os.Symlink("sub", filepath.Join(dir, "linkdir"))
	os.Symlink("a.png", filepath.Join(dir, "link.png"))
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	own := map[string]bool{filepath.Join(dir, "own.vtt"): true}
	exclude := func(abs string) bool { return own[abs] }
	for _, tc := range []struct {
		recursive  bool
		want       string
		subfolders int
	}{
		{false, "a.png dangling:err fifo:skip link.png linkdir:skip loop:err with space é.txt", 1}, // sub (out is the output folder)
		{true, "a.png dangling:err fifo:skip link.png linkdir:skip loop:err sub/b.png sub/deeper/c.png with space é.txt", 0},
	} {
		w, err := walk(context.Background(), dir, dir, filepath.Join(dir, "out"), tc.recursive, exclude)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range w.files {
			s := c.rel
			switch {
			case c.err != nil:
				s += ":err"
				if !strings.HasPrefix(c.err.Error(), "batch: "+c.path+": ") {
					t.Errorf("error %q does not name %s", c.err, c.path)
				}
			case c.skip != "":
				s += ":skip"
			case c.size != 1:
				t.Errorf("%s: size %d", c.rel, c.size)
			}
			got = append(got, s)
		}
		if strings.Join(got, " ") != tc.want || w.subfolders != tc.subfolders {
			t.Errorf("recursive %v: %q, %d subfolders; want %q, %d", tc.recursive, strings.Join(got, " "), w.subfolders, tc.want, tc.subfolders)
		}
	}
	w, _ := walk(context.Background(), dir, dir, "", false, exclude)
	for _, c := range w.files {
		switch c.rel {
		case "loop":
			if !strings.Contains(c.err.Error(), "symbolic link loop") {
				t.Errorf("loop: %v", c.err)
			}
		case "linkdir":
			if c.skip != "a symbolic link to a folder (not followed)" {
				t.Errorf("linkdir: %q", c.skip)
			}
		case "fifo":
			if c.skip != "a named pipe, not a regular file" {
				t.Errorf("fifo: %q", c.skip)
			}
		}
	}
}

// A folder named through a symbolic link is walked, and its files keep
// the name given.
func TestWalkLinkedRoot(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "real", "a.png"), []byte("x"))
	link := filepath.Join(dir, "link")
	os.Symlink("real", link)
	w, err := walk(context.Background(), link, link, link, false, func(string) bool { return false })
	if err != nil || len(w.files) != 1 || w.files[0].rel != "a.png" || w.files[0].path != filepath.Join(link, "a.png") {
		t.Errorf("%+v %v", w, err)
	}
}

func TestPromisesMedia(t *testing.T) {
	for name, want := range map[string]bool{
		"clip.mp4": true, "CLIP.MOV": true, "photo.jpg": true, "x.JPEG": true, "a.webm": true,
		"notes.txt": false, "clip.vtt": false, "mp4": false, "song.mp3": false, "archive.tar.gz": false,
	} {
		if got := promisesMedia(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}
