package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Kind says whether a file is a still image or a video.
type Kind int

// The kinds of media. The zero Kind is unknown.
const (
	Image Kind = iota + 1
	Video
)

// String returns "image", "video" or "unknown".
func (k Kind) String() string {
	switch k {
	case Image:
		return "image"
	case Video:
		return "video"
	}
	return "unknown"
}

// MarshalText writes the kind as its name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads "image" or "video".
func (k *Kind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "image":
		*k = Image
	case "video":
		*k = Video
	default:
		return fmt.Errorf("media: unknown kind %q", b)
	}
	return nil
}

// Info describes a file as Probe found it.
type Info struct {
	Path   string `json:"path"`
	Kind   Kind   `json:"kind"`
	Format string `json:"format"` // "jpeg", "png", "webp", "bmp", "tiff", or ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
	// Width and Height are the displayed size: after EXIF orientation for
	// images, after the display-matrix rotation for videos.
	Width       int           `json:"width"`
	Height      int           `json:"height"`
	Duration    time.Duration `json:"duration_ns"`   // 0 for images
	FrameRate   float64       `json:"frame_rate"`    // average frames per second; 0 for images
	Codec       string        `json:"codec"`         // video codec, e.g. "h264"; the format for images
	HasVideo    bool          `json:"has_video"`     // true for images too: they are one picture
	HasAudio    bool          `json:"has_audio"`     // whether there is an audio stream
	StartTime   time.Duration `json:"start_time_ns"` // the container's start time, which players show as 0
	Orientation int           `json:"orientation"`   // EXIF orientation 1..8 of an image; 1 otherwise
	Size        int64         `json:"size"`          // file size in bytes

	videoStream int // ffprobe index of the video stream used
}

// Probe tells an image from a video by content, never by extension, and
// describes it. Images are recognised by their magic bytes and described from
// their headers; anything else goes to ffprobe, bounded by ctx and a timeout.
// Errors are *Error; they wrap ErrNotMedia, ErrNoVideo or ErrCorrupt, or an
// fs error for a file that cannot be read.
func Probe(ctx context.Context, path string) (Info, error) {
	in, err := openInput(path)
	if err != nil {
		return Info{}, err
	}
	defer in.f.Close()
	if in.format != "" {
		data, err := in.readAll(defaultMaxPixels)
		if err != nil {
			return Info{}, err
		}
		h, err := parseImageHeader(in.format, data)
		if err != nil {
			return Info{}, fileErr(path, fmt.Sprintf("corrupt %s header: %v", strings.ToUpper(in.format), err), ErrCorrupt)
		}
		return imageInfo(path, in.size, h), nil
	}
	if isISOBMFF(in.head) {
		if err := checkBoxes(in.f, in.size); err != nil {
			return Info{}, fileErr(path, "truncated or corrupt MP4/MOV: "+err.Error(), ErrCorrupt)
		}
	}
	in.f.Close()
	return probeFFprobe(ctx, path, in)
}

func imageInfo(path string, size int64, h imageHeader) Info {
	w, ht := h.DisplaySize()
	return Info{
		Path: path, Kind: Image, Format: h.Format, Width: w, Height: ht,
		Codec: h.Format, HasVideo: true, Orientation: h.Orientation, Size: size,
		videoStream: -1,
	}
}

// notRegular says what a file that is neither a folder nor a regular file is.
func notRegular(m os.FileMode) string {
	kind := "a special file"
	switch {
	case m&os.ModeNamedPipe != 0:
		kind = "a named pipe"
	case m&os.ModeSocket != 0:
		kind = "a socket"
	case m&os.ModeDevice != 0:
		kind = "a device"
	}
	return "is " + kind + ", not a regular file"
}

// input is an opened file with its first bytes.
type input struct {
	path   string
	f      *os.File
	size   int64
	head   []byte
	format string // image format from sniffImage, or ""
}

// openInput opens path for reading and sniffs it. It refuses what is not a
// regular file with something in it.
func openInput(path string) (*input, error) {
	// Look before opening: opening a named pipe blocks until something
	// writes to it, and a device may never end.
	if st, err := os.Stat(path); err == nil && !st.IsDir() && !st.Mode().IsRegular() {
		return nil, fileErr(path, notRegular(st.Mode()), ErrNotMedia)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fsErr(path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fsErr(path, err)
	}
	switch {
	case st.IsDir():
		f.Close()
		return nil, fileErr(path, "is a directory, not a file")
	case !st.Mode().IsRegular():
		f.Close()
		return nil, fileErr(path, notRegular(st.Mode()), ErrNotMedia)
	case st.Size() == 0:
		f.Close()
		return nil, fileErr(path, "empty file", ErrNotMedia)
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		f.Close()
		return nil, fsErr(path, err)
	}
	head = head[:n]
	return &input{path: path, f: f, size: st.Size(), head: head, format: sniffImage(head)}, nil
}

// readAll reads the whole file, refusing one larger than any image of at most
// maxPixels could reasonably be.
func (in *input) readAll(maxPixels int) ([]byte, error) {
	limit := int64(maxPixels)*8 + 64<<20
	if in.size > limit {
		return nil, fileErr(in.path, fmt.Sprintf("image file of %d bytes is larger than the %d-byte limit", in.size, limit), ErrImageSize)
	}
	data := make([]byte, in.size)
	if _, err := in.f.ReadAt(data, 0); err != nil {
		return nil, fsErr(in.path, err)
	}
	return data, nil
}

// fsErr turns an error from the file system into an *Error without repeating
// the path, keeping errors.Is(err, fs.ErrNotExist) and the like.
func fsErr(path string, err error) error {
	var pe *fs.PathError
	msg := err.Error()
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
		if pe.Op != "open" && pe.Op != "stat" {
			msg = pe.Op + ": " + msg
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		msg = "no such file"
	case errors.Is(err, fs.ErrPermission):
		msg = "permission denied"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "file shrank while being read"
	}
	return fileErr(path, msg, err)
}

// checkBoxes walks the top-level boxes of an ISO base media file (MP4, MOV,
// 3GP, M4A): they must tile the file exactly. A file cut short leaves its
// last box (usually mdat) reaching past the end, which ffprobe does not
// report when the index (moov) comes first.
func checkBoxes(r io.ReaderAt, size int64) error {
	var hdr [16]byte
	var off int64
	for boxes := 0; off < size && boxes < 100000; boxes++ {
		if size-off < 8 {
			return fmt.Errorf("%d stray bytes at the end", size-off)
		}
		if _, err := r.ReadAt(hdr[:8], off); err != nil {
			return err
		}
		n := int64(be32(hdr[:]))
		typ := oneLine(string(hdr[4:8]))
		switch n {
		case 0: // extends to the end of the file
			return nil
		case 1:
			if _, err := r.ReadAt(hdr[8:16], off+8); err != nil {
				return fmt.Errorf("box %q at byte %d: header cut short", typ, off)
			}
			v := uint64(be32(hdr[8:]))<<32 | uint64(be32(hdr[12:]))
			if v > math.MaxInt64 {
				return fmt.Errorf("box %q at byte %d declares an impossible size", typ, off)
			}
			n = int64(v)
			if n < 16 {
				return fmt.Errorf("box %q at byte %d declares a size of %d", typ, off, n)
			}
		default:
			if n < 8 {
				return fmt.Errorf("box %q at byte %d declares a size of %d", typ, off, n)
			}
		}
		if n > size-off {
			return fmt.Errorf("box %q at byte %d needs %d bytes, only %d remain", typ, off, n, size-off)
		}
		off += n
	}
	return nil
}

// ffprobe's JSON, the parts used here.
type ffprobeOutput struct {
	Streams []ffprobeStream `json:"streams"`
	Format  ffprobeFormat   `json:"format"`
}

type ffprobeStream struct {
	Index        int               `json:"index"`
	CodecName    string            `json:"codec_name"`
	CodecType    string            `json:"codec_type"`
	Width        int               `json:"width"`
	Height       int               `json:"height"`
	AvgFrameRate string            `json:"avg_frame_rate"`
	RFrameRate   string            `json:"r_frame_rate"`
	StartTime    string            `json:"start_time"`
	Duration     string            `json:"duration"`
	Disposition  map[string]int    `json:"disposition"`
	Tags         map[string]string `json:"tags"`
	SideData     []struct {
		Type     string  `json:"side_data_type"`
		Rotation float64 `json:"rotation"`
	} `json:"side_data_list"`
}

type ffprobeFormat struct {
	FormatName string `json:"format_name"`
	Duration   string `json:"duration"`
	StartTime  string `json:"start_time"`
	Size       string `json:"size"`
}

func probeFFprobe(ctx context.Context, path string, in *input) (Info, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	abs, err := filepath.Abs(path)
	if err != nil {
		return Info{}, fsErr(path, err)
	}
	cmd := command(ctx, "ffprobe", "-hide_banner", "-v", "error",
		"-protocol_whitelist", "file,pipe",
		"-print_format", "json", "-show_format", "-show_streams",
		"file:"+abs)
	stdout := &limitWriter{max: maxProbeOutput}
	stderr := &tailBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) && context.Cause(ctx) == ctxErr {
			return Info{}, fileErr(path, fmt.Sprintf("ffprobe took longer than %v", probeTimeout), ctxErr)
		}
		return Info{}, fileErr(path, "probing interrupted", ctxErr)
	}
	if err != nil {
		var exit interface{ ExitCode() int }
		if !errors.As(err, &exit) {
			return Info{}, fileErr(path, "running ffprobe: "+err.Error(), err)
		}
		says := stderr.lastLine()
		if says == "" {
			says = err.Error()
		}
		says = strings.TrimPrefix(says, "file:"+abs+": ")
		switch {
		case strings.Contains(stderr.String(), "not on whitelist"):
			return Info{}, fileErr(path, "refers to something other than a local file (ffprobe: "+whitelistLine(stderr.String())+")", ErrNotMedia)
		case isISOBMFF(in.head):
			return Info{}, fileErr(path, "corrupt MP4/MOV (ffprobe: "+says+")", ErrCorrupt)
		}
		return Info{}, fileErr(path, "not an image or a video (ffprobe: "+says+")", ErrNotMedia)
	}
	out, err := parseFFprobe(stdout.buf)
	if err != nil {
		return Info{}, fileErr(path, "reading ffprobe's output: "+err.Error(), err)
	}
	info, err := videoInfo(out)
	if err != nil {
		return Info{}, &Error{Path: path, Err: err}
	}
	info.Path = path
	info.Size = in.size
	return info, nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func whitelistLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "not on whitelist") {
			if i := strings.Index(l, "] "); i >= 0 {
				l = l[i+2:]
			}
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// parseFFprobe decodes ffprobe's JSON output.
func parseFFprobe(data []byte) (ffprobeOutput, error) {
	var out ffprobeOutput
	if err := json.Unmarshal(data, &out); err != nil {
		return ffprobeOutput{}, fmt.Errorf("media: ffprobe JSON: %w", err)
	}
	return out, nil
}

// videoInfo builds Info from ffprobe's description of a file that is not an
// image. The first video stream that is not cover art is the video.
func videoInfo(out ffprobeOutput) (Info, error) {
	info := Info{Kind: Video, Format: out.Format.FormatName, Orientation: 1, videoStream: -1}
	var v *ffprobeStream
	var audio []string
	for i := range out.Streams {
		s := &out.Streams[i]
		switch s.CodecType {
		case "video":
			if v == nil && s.Disposition["attached_pic"] == 0 {
				v = s
			}
		case "audio":
			info.HasAudio = true
			audio = append(audio, s.CodecName)
		}
	}
	if v == nil {
		if info.HasAudio {
			return Info{}, &reason{msg: fmt.Sprintf("no video stream (audio only: %s)", strings.Join(audio, ", ")), errs: []error{ErrNoVideo}}
		}
		if out.Format.FormatName == "" {
			return Info{}, &reason{msg: "not an image or a video (ffprobe found no format)", errs: []error{ErrNotMedia}}
		}
		return Info{}, &reason{msg: fmt.Sprintf("no video or audio stream (format %s)", out.Format.FormatName), errs: []error{ErrNotMedia}}
	}
	if v.Width <= 0 || v.Height <= 0 || v.Width > 1<<16 || v.Height > 1<<16 {
		return Info{}, &reason{msg: fmt.Sprintf("video stream declares a size of %dx%d", v.Width, v.Height), errs: []error{ErrCorrupt}}
	}
	info.HasVideo = true
	info.videoStream = v.Index
	info.Codec = v.CodecName
	info.Width, info.Height = v.Width, v.Height
	if rot := rotation(v); rot == 90 || rot == 270 {
		info.Width, info.Height = v.Height, v.Width
	}
	info.FrameRate = parseRate(v.AvgFrameRate)
	if info.FrameRate == 0 {
		info.FrameRate = parseRate(v.RFrameRate)
	}
	info.StartTime = parseSeconds(out.Format.StartTime)
	info.Duration = duration(out, info.StartTime)
	return info, nil
}

// duration is the span a player shows, from the container's start to the
// end of its last stream. ffprobe's format duration does not mean the same
// for every demuxer: MP4 counts an initial empty edit (a file written with
// -output_ts_offset 10 reads 15 s for 5 s of video), MPEG-TS does not; so
// it is only the fallback when no stream says where it ends.
func duration(out ffprobeOutput, start time.Duration) time.Duration {
	var end time.Duration
	for i := range out.Streams {
		s := &out.Streams[i]
		if (s.CodecType != "video" && s.CodecType != "audio") || s.Disposition["attached_pic"] != 0 {
			continue
		}
		if d := parseSeconds(s.Duration); d > 0 {
			end = max(end, parseSeconds(s.StartTime)+d)
		}
	}
	if end > start {
		return end - start
	}
	return max(0, parseSeconds(out.Format.Duration))
}

// rotation returns the display rotation of a stream in degrees, 0..359.
func rotation(s *ffprobeStream) int {
	deg := 0.0
	for _, sd := range s.SideData {
		if sd.Type == "Display Matrix" {
			deg = sd.Rotation
		}
	}
	if r, err := strconv.ParseFloat(s.Tags["rotate"], 64); err == nil && deg == 0 {
		deg = r
	}
	if math.IsNaN(deg) || math.IsInf(deg, 0) {
		return 0
	}
	r := int(math.Round(deg)) % 360
	if r < 0 {
		r += 360
	}
	return r
}

// parseRate reads ffprobe's "num/den" rates; 0 for anything unusable.
func parseRate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	n, err1 := strconv.ParseFloat(num, 64)
	d := 1.0
	var err2 error
	if ok {
		d, err2 = strconv.ParseFloat(den, 64)
	}
	if err1 != nil || err2 != nil || d <= 0 || n <= 0 {
		return 0
	}
	r := n / d
	if math.IsInf(r, 0) || math.IsNaN(r) || r > 1e6 {
		return 0
	}
	return r
}

// parseSeconds reads ffprobe's decimal seconds ("12.345000"); 0 for "N/A",
// empty or absurd values.
func parseSeconds(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e9 {
		return 0
	}
	return time.Duration(math.Round(f * float64(time.Second)))
}
