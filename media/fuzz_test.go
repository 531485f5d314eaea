package media

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Fuzz tests for every parser in the package. Inputs are capped so that a
// run stays fast; the seeds run as ordinary unit tests.

const fuzzCap = 1 << 16

func FuzzImageHeader(f *testing.F) {
	img := marked(24, 16, 2, 2)
	f.Add(withJPEGExif(encodeJPEG(f, img), 6))
	f.Add(withPNGExif(encodePNG(f, img), 8))
	f.Add(withWebPExif(encodeCV(f, img, ".webp"), 24, 16, 3))
	f.Add(encodeCV(f, img, ".webp"))
	f.Add(encodeCV(f, img, ".bmp"))
	f.Add(tiffRGB(img, 5))
	f.Add(cvJPEG(f, img, 4, 1)) // restart interval 1
	f.Add(pngHeaderOnly(100000, 100000))
	f.Add([]byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\xff\xff\xff\x7f\x00\x00\x00\x80"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzCap {
			return
		}
		format := sniffImage(data)
		if format == "" {
			return
		}
		h, err := parseImageHeader(format, data)
		if err == nil {
			if h.Width <= 0 || h.Height <= 0 || h.Orientation < 1 || h.Orientation > 8 {
				t.Errorf("%s header accepted with %+v", format, h)
			}
			w, ht := h.DisplaySize()
			if w*ht != h.Width*h.Height {
				t.Errorf("display size %dx%d of %+v", w, ht, h)
			}
		}
		switch format {
		case FormatJPEG:
			jpegCheck(data)
		case FormatPNG:
			pngCheck(data)
		}
	})
}

func FuzzEXIF(f *testing.F) {
	for o := uint16(0); o <= 9; o++ {
		f.Add(append([]byte("Exif\x00\x00"), exifTIFF(o)...))
	}
	f.Add([]byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzCap {
			return
		}
		if o := exifOrientation(data); o < 1 || o > 8 {
			t.Errorf("orientation %d", o)
		}
		tiffTags(data)
	})
}

func FuzzFFprobeJSON(f *testing.F) {
	f.Add([]byte(`{"streams":[{"index":0,"codec_name":"h264","codec_type":"video","width":320,"height":240,"avg_frame_rate":"25/1","r_frame_rate":"25/1","start_time":"0.000000","duration":"4.000000","disposition":{"attached_pic":0},"side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]},{"index":1,"codec_name":"aac","codec_type":"audio","start_time":"0.000000","duration":"4.010000"}],"format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","start_time":"0.000000","duration":"4.010000","size":"123"}}`))
	f.Add([]byte(`{"streams":[{"index":0,"codec_name":"mjpeg","codec_type":"video","width":1,"height":1,"disposition":{"attached_pic":1}},{"index":1,"codec_name":"mp3","codec_type":"audio"}],"format":{"format_name":"mp3"}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"streams":[{"codec_type":"video","width":64,"height":48,"avg_frame_rate":"0/0","r_frame_rate":"1e400/1","tags":{"rotate":"270"}}],"format":{"start_time":"N/A","duration":"-5"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzCap {
			return
		}
		out, err := parseFFprobe(data)
		if err != nil {
			return
		}
		info, err := videoInfo(out)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "no video") && !strings.Contains(err.Error(), "not an image") && !strings.Contains(err.Error(), "size") {
				t.Errorf("unexpected error %q", err)
			}
			return
		}
		if info.Width <= 0 || info.Height <= 0 || info.Duration < 0 || info.FrameRate < 0 || info.Kind != Video {
			t.Errorf("accepted %+v", info)
		}
	})
}

func FuzzShowinfo(f *testing.F) {
	f.Add("[Parsed_showinfo_2 @ 0x55b8ebb073c0] [info] n:   0 pts:      0 pts_time:0       pos:       48 fmt:rgb24 sar:1/1 s:32x32 i:P iskey:1 type:I checksum:F0A3C4E5", 0, int64(0))
	f.Add("[Parsed_showinfo_5 @ 0x1] [info] n:  17 pts:    17 pts_time:4.25    duration: 1", 17, int64(4250*time.Millisecond))
	f.Add("[Parsed_showinfo_5 @ 0x1] [info] n:   3 pts:NOPTS pts_time:NOPTS", 3, int64(-1))
	f.Add("[Parsed_showinfo_2 @ 0x5] [info] UUID=dc45e9bd n: 1 pts_time:2", 1, int64(-1))
	f.Add("[h264 @ 0x1] [error] n: 5 pts_time:1", 5, int64(-1))
	f.Fuzz(func(t *testing.T, line string, n int, want int64) {
		if len(line) > fuzzCap {
			return
		}
		gotN, _, ok := parseShowinfo(line)
		if ok && gotN < 0 {
			t.Errorf("negative frame number from %q", line)
		}
		// Round trip: a line written like showinfo's reads back.
		if n >= 0 && want >= 0 && want < int64(1e6*time.Second) {
			sec := time.Duration(want).Seconds()
			l := fmt.Sprintf("[Parsed_showinfo_1 @ 0x0] [info] n:%4d pts:%7d pts_time:%-7g pos: 1", n, want, sec)
			rn, rt, rok := parseShowinfo(l)
			if !rok || rn != n || absDur(rt-time.Duration(want)) > time.Microsecond {
				t.Errorf("round trip of %q: %d %v %v", l, rn, rt, rok)
			}
		}
		logLevel(line)
	})
}

func FuzzCheckBoxes(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x10ftypisom\x00\x00\x02\x00\x00\x00\x00\x08mdat"))
	f.Add([]byte("\x00\x00\x00\x01mdat\x00\x00\x00\x00\x00\x00\x00\x20"))
	f.Add([]byte("\x00\x00\x00\x00mdat"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzCap {
			return
		}
		checkBoxes(bytes.NewReader(data), int64(len(data)))
	})
}

func TestParseShowinfo(t *testing.T) {
	cases := []struct {
		name string
		line string
		n    int
		t    time.Duration
		ok   bool
	}{
		{"first", "[Parsed_showinfo_2 @ 0x55b8ebb073c0] [info] n:   0 pts:      0 pts_time:0       pos:       48 fmt:rgb24", 0, 0, true},
		{"later", "[Parsed_showinfo_5 @ 0x1] [info] n:  17 pts:    17 pts_time:4.25    duration: 1", 17, 4250 * time.Millisecond, true},
		{"negative", "[Parsed_showinfo_5 @ 0x1] [info] n:   1 pts:   -1 pts_time:-0.04 pos: 1", 1, -40 * time.Millisecond, true},
		{"no pts", "[Parsed_showinfo_5 @ 0x1] [info] n:   3 pts:NOPTS pts_time:NOPTS", 0, 0, false},
		{"side data", "[Parsed_showinfo_2 @ 0x5] [info] UUID=dc45e9bd n: 1 pts_time:2", 0, 0, false},
		{"other filter", "[h264 @ 0x1] [info] n: 5 pts_time:1", 0, 0, false},
		{"config", "[Parsed_showinfo_2 @ 0x5] [info] config in time_base: 1/4, frame_rate: 4/1", 0, 0, false},
	}
	for _, c := range cases {
		n, tm, ok := parseShowinfo(c.line)
		if n != c.n || tm != c.t || ok != c.ok {
			t.Errorf("%s: parseShowinfo = %d, %v, %v; want %d, %v, %v", c.name, n, tm, ok, c.n, c.t, c.ok)
		}
	}
}
