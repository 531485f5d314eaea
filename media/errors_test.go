package media

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// pngHeaderOnly is a PNG signature and an IHDR declaring w x h, and nothing
// else: OpenCV would throw (and abort the process) trying to allocate it.
func pngHeaderOnly(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12], ihdr[13] = 8, 2 // 8-bit RGB
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// corruptJPEG flips the bits of 64 bytes in the middle of the entropy-coded
// data (which OpenCV decodes into garbage with only a warning).
func corruptJPEG(j []byte) []byte {
	c := append([]byte(nil), j...)
	sos := 0
	for i := 2; i+1 < len(c); i++ {
		if c[i] == 0xFF && c[i+1] == 0xDA {
			sos = i
			break
		}
	}
	mid := sos + (len(c)-sos)/2
	for i := mid; i < mid+64; i++ {
		c[i] ^= 0xFF
	}
	return c
}

// TestBadInputs checks the one-line error, its sentinel, and that nothing
// panics or hangs, for each kind of bad input and each entry point.
func TestBadInputs(t *testing.T) {
	fx := getFixtures(t)
	dir := t.TempDir()
	ctx := context.Background()
	big := marked(256, 192, 100, 100) // big enough for a meaningful entropy-coded body
	jpg := encodeJPEG(t, big)
	pngData := encodePNG(t, big)
	mp4, err := os.ReadFile(fx.cfr)
	if err != nil {
		t.Fatal(err)
	}
	must := func(name string, data []byte) string { return writeFile(t, dir, name, data) }
	audio := filepath.Join(dir, "sine.m4a")
	ffmpegRun(t, "-f", "lavfi", "-i", "sine=frequency=440:duration=1", audio)
	wav := filepath.Join(dir, "sine.wav")
	ffmpegRun(t, "-f", "lavfi", "-i", "sine=frequency=440:duration=1", wav)
	faststart := filepath.Join(dir, "faststart.mp4")
	ffmpegRun(t, "-i", fx.cfr, "-c", "copy", "-movflags", "+faststart", faststart)
	fs1, _ := os.ReadFile(faststart)
	sub := filepath.Join(dir, "folder.mp4")
	os.Mkdir(sub, 0o755)
	fifo := filepath.Join(dir, "pipe.mp4")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop.jpg")
	os.Symlink(loop, loop)

	cases := []struct {
		name     string
		path     string
		sentinel error  // nil: check only the message
		says     string // part of the reason
		image    bool   // LoadImage gets the same error as Probe
	}{
		{"missing", filepath.Join(dir, "missing.jpg"), fs.ErrNotExist, "no such file", true},
		{"empty", must("empty.mp4", nil), ErrNotMedia, "empty file", true},
		{"directory", sub, nil, "is a directory", true},
		{"named pipe", fifo, ErrNotMedia, "is a named pipe, not a regular file", true},
		{"device", "/dev/zero", ErrNotMedia, "is a device, not a regular file", true},
		{"symlink loop", loop, nil, "too many levels of symbolic links", true},
		{"text named mp4", must("notes.mp4", []byte("these are my notes, not a video\n")), ErrNotMedia, "not an image or a video", false},
		{"truncated mp4", must("half.mp4", mp4[:len(mp4)/2]), ErrCorrupt, "truncated", false},
		{"truncated faststart mp4", must("half-faststart.mp4", fs1[:len(fs1)/2]), ErrCorrupt, "remain", false},
		{"audio only m4a", audio, ErrNoVideo, "audio only: aac", false},
		{"audio only wav", wav, ErrNoVideo, "audio only: pcm_s16le", false},
		{"playlist with URL", must("list.m3u8", []byte("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/seg.ts\n#EXT-X-ENDLIST\n")), ErrNotMedia, "not on whitelist", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Probe(ctx, c.path)
			checkErr(t, c.name+": Probe", err, c.path, c.sentinel, c.says)
			s, err := OpenVideo(ctx, c.path, VideoOptions{FPS: 4})
			if err == nil {
				s.Close()
			}
			checkErr(t, c.name+": OpenVideo", err, c.path, c.sentinel, c.says)
			_, err = LoadImage(ctx, c.path, ImageOptions{})
			if c.image {
				checkErr(t, c.name+": LoadImage", err, c.path, c.sentinel, c.says)
			} else {
				checkErr(t, c.name+": LoadImage", err, c.path, nil, "")
			}
		})
	}

	imageCases := []struct {
		name     string
		data     []byte
		sentinel error
		says     string
	}{
		{"corrupt jpeg", corruptJPEG(jpg), ErrCorrupt, "corrupt JPEG"},
		{"truncated jpeg", jpg[:len(jpg)/2], ErrCorrupt, "corrupt JPEG: data ends before the image is complete"},
		{"truncated png", pngData[:len(pngData)/2], ErrCorrupt, "corrupt PNG: chunk \"IDAT\""},
		{"1x1 png", encodePNG(t, marked(1, 1, 0, 0)), ErrImageSize, "image is 1x1, smaller than the 16x16 minimum"},
		{"1x1 jpeg", encodeJPEG(t, marked(1, 1, 0, 0)), ErrImageSize, "image is 1x1, smaller than the 16x16 minimum"},
		{"gigantic png", pngHeaderOnly(100000, 100000), ErrImageSize, "image is 100000x100000 (10000 megapixels), over the limit of 100 megapixels"},
		{"png header without size", pngHeaderOnly(0, 5), ErrCorrupt, "corrupt PNG header"},
	}
	for _, c := range imageCases {
		t.Run(c.name, func(t *testing.T) {
			path := must(strings.ReplaceAll(c.name, " ", "-")+".img", c.data)
			_, err := LoadImage(ctx, path, ImageOptions{})
			checkErr(t, c.name+": LoadImage", err, path, c.sentinel, c.says)
			s, err := OpenVideo(ctx, path, VideoOptions{})
			if err == nil {
				s.Close()
			}
			checkErr(t, c.name+": OpenVideo", err, path, c.sentinel, c.says)
		})
	}
}

// checkErr checks that err is a one-line "media: PATH: ..." error that
// wraps sentinel and says says.
func checkErr(t *testing.T, name string, err error, path string, sentinel error, says string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", name)
		return
	}
	msg := err.Error()
	t.Logf("%s: %s", name, msg)
	if !strings.HasPrefix(msg, "media: "+path+": ") || strings.ContainsAny(msg, "\n\r") {
		t.Errorf("%s: %q is not one line starting with media: and the path", name, msg)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("%s: %q does not wrap %v", name, msg, sentinel)
	}
	if !strings.Contains(msg, says) {
		t.Errorf("%s: %q does not say %q", name, msg, says)
	}
	if p, ok := PathOf(err); !ok || p != path {
		t.Errorf("%s: PathOf = %q, %v", name, p, ok)
	}
}

// TestUnreadable checks the error for a file the process may not read. Tests
// run as root here, which reads anything, so the check runs on one OS thread
// whose user is switched to nobody with a raw setresuid (Linux credentials
// are per thread; syscall.Setuid would change every thread). The goroutine
// never unlocks the thread, so the thread is discarded when it ends.
func TestUnreadable(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "secret.png", encodePNG(t, marked(32, 32, 0, 0)))
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	errs := make(chan [3]error, 1)
	go func() {
		var out [3]error
		if os.Geteuid() == 0 {
			runtime.LockOSThread() // never unlocked: see above
			if _, _, e := syscall.RawSyscall(syscall.SYS_SETRESUID, 65534, 65534, 65534); e != 0 {
				out[0] = e
				errs <- [3]error{e, e, nil}
				return
			}
		}
		_, out[0] = Probe(context.Background(), path)
		_, out[1] = LoadImage(context.Background(), path, ImageOptions{})
		s, err := OpenVideo(context.Background(), path, VideoOptions{})
		if err == nil {
			s.Close()
		}
		out[2] = err
		errs <- out
	}()
	out := <-errs
	if out[2] == nil && out[0] != nil && !errors.Is(out[0], fs.ErrPermission) {
		t.Skipf("cannot drop privileges on this machine: %v", out[0])
	}
	for i, name := range []string{"Probe", "LoadImage", "OpenVideo"} {
		checkErr(t, "unreadable: "+name, out[i], path, fs.ErrPermission, "permission denied")
	}
}
