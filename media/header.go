package media

import (
	"errors"
	"fmt"
	"hash/crc32"
)

// imageHeader is what an image's header declares, read without decoding.
type imageHeader struct {
	Format        string
	Width, Height int // as stored, before orientation
	Orientation   int // EXIF 1..8; 1 when none
}

// DisplaySize is the size after the orientation is applied.
func (h imageHeader) DisplaySize() (w, h2 int) {
	if orientationSwaps(h.Orientation) {
		return h.Height, h.Width
	}
	return h.Width, h.Height
}

var errShortHeader = errors.New("header cut short")

// parseImageHeader reads the size and orientation declared by an image of the
// given format (from sniffImage). It never trusts a length field: every read is
// bounds-checked, so any input gives a header or an error.
func parseImageHeader(format string, b []byte) (imageHeader, error) {
	h := imageHeader{Format: format, Orientation: 1}
	var err error
	switch format {
	case FormatJPEG:
		err = jpegHeader(b, &h)
	case FormatPNG:
		err = pngHeader(b, &h)
	case FormatWebP:
		err = webpHeader(b, &h)
	case FormatBMP:
		err = bmpHeader(b, &h)
	case FormatTIFF:
		var w, ht, o uint32
		w, ht, o, err = tiffTags(b)
		h.Width, h.Height, h.Orientation = int(w), int(ht), validOrientation(o)
	default:
		return h, fmt.Errorf("unknown image format %q", format)
	}
	if err != nil {
		return h, err
	}
	if h.Width <= 0 || h.Height <= 0 {
		return h, fmt.Errorf("header declares a size of %dx%d", h.Width, h.Height)
	}
	return h, nil
}

// jpegHeader walks the marker segments up to the first SOF, taking the
// orientation from the first APP1 Exif segment on the way.
func jpegHeader(b []byte, h *imageHeader) error {
	p := 2
	sawExif := false
	for {
		for p < len(b) && b[p] == 0xFF && p+1 < len(b) && b[p+1] == 0xFF {
			p++ // fill bytes
		}
		if p+2 > len(b) {
			return errShortHeader
		}
		if b[p] != 0xFF {
			return fmt.Errorf("expected a marker at byte %d, found 0x%02x", p, b[p])
		}
		m := b[p+1]
		p += 2
		if m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
			continue // no length
		}
		if m == 0xD9 || m == 0xDA {
			return errors.New("no frame header (SOF) before the image data")
		}
		if p+2 > len(b) {
			return errShortHeader
		}
		n := int(be16(b[p:]))
		if n < 2 || p+n > len(b) {
			return errShortHeader
		}
		seg := b[p+2 : p+n]
		switch {
		case m == 0xE1 && !sawExif && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00":
			sawExif = true
			h.Orientation = exifOrientation(seg)
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			if len(seg) < 6 {
				return errShortHeader
			}
			h.Height, h.Width = int(be16(seg[1:])), int(be16(seg[3:]))
			return nil
		}
		p += n
	}
}

// pngHeader reads IHDR and looks for an eXIf chunk before the first IDAT.
func pngHeader(b []byte, h *imageHeader) error {
	if len(b) < 8+8+13 || string(b[12:16]) != "IHDR" || be32(b[8:]) != 13 {
		return errShortHeader
	}
	w, ht := be32(b[16:]), be32(b[20:])
	if w > 1<<31-1 || ht > 1<<31-1 {
		return fmt.Errorf("header declares a size of %dx%d", w, ht)
	}
	h.Width, h.Height = int(w), int(ht)
	for p := 8; p+8 <= len(b); {
		n := uint64(be32(b[p:]))
		typ := string(b[p+4 : p+8])
		end := uint64(p) + 12 + n
		if typ == "IDAT" || end > uint64(len(b)) {
			break
		}
		if typ == "eXIf" {
			h.Orientation = exifOrientation(b[p+8 : p+8+int(n)])
			break
		}
		p = int(end)
	}
	return nil
}

// pngCheck walks every chunk of a PNG file and checks its length and CRC and
// that the file ends with IEND. libpng refuses such files too, but this says
// where and why, and costs one CRC pass over the file.
func pngCheck(b []byte) error {
	p := 8
	for {
		if p+8 > len(b) {
			return fmt.Errorf("data ends at byte %d before the IEND chunk", len(b))
		}
		n := uint64(be32(b[p:]))
		typ := b[p+4 : p+8]
		end := uint64(p) + 12 + n
		if end > uint64(len(b)) {
			return fmt.Errorf("chunk %q at byte %d needs %d bytes, only %d remain", oneLine(string(typ)), p, 12+n, len(b)-p)
		}
		want := be32(b[end-4:])
		if crc32.ChecksumIEEE(b[p+4:end-4]) != want {
			return fmt.Errorf("chunk %q at byte %d fails its CRC", oneLine(string(typ)), p)
		}
		if string(typ) == "IEND" {
			return nil
		}
		p = int(end)
	}
}

// webpHeader reads a RIFF WebP: simple lossy (VP8), lossless (VP8L) or
// extended (VP8X, whose EXIF chunk may carry an orientation).
func webpHeader(b []byte, h *imageHeader) error {
	if len(b) < 12+8 {
		return errShortHeader
	}
	p := 12
	id := string(b[p : p+4])
	n := int(le32(b[p+4:]))
	body := b[p+8:]
	if n >= 0 && n < len(body) {
		body = body[:n]
	}
	switch id {
	case "VP8 ":
		// 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
		if len(body) < 10 || body[3] != 0x9d || body[4] != 0x01 || body[5] != 0x2a {
			return errors.New("bad VP8 frame header")
		}
		h.Width, h.Height = int(le16(body[6:])&0x3fff), int(le16(body[8:])&0x3fff)
	case "VP8L":
		if len(body) < 5 || body[0] != 0x2f {
			return errors.New("bad VP8L header")
		}
		v := le32(body[1:])
		h.Width, h.Height = int(v&0x3fff)+1, int(v>>14&0x3fff)+1
	case "VP8X":
		if len(body) < 10 {
			return errShortHeader
		}
		h.Width, h.Height = int(le24(body[4:]))+1, int(le24(body[7:]))+1
		if body[0]&0x08 != 0 { // EXIF flag
			for q := p + 8 + n + n&1; q+8 <= len(b) && q >= 0; {
				cn := int(le32(b[q+4:]))
				if cn < 0 || q+8+cn > len(b) {
					break
				}
				if string(b[q:q+4]) == "EXIF" {
					h.Orientation = exifOrientation(b[q+8 : q+8+cn])
					break
				}
				q += 8 + cn + cn&1
			}
		}
	default:
		return fmt.Errorf("unknown WebP chunk %q", oneLine(id))
	}
	return nil
}

// bmpHeader reads the BITMAPCOREHEADER (12 bytes) or BITMAPINFOHEADER and its
// successors; a negative height means rows stored top-down.
func bmpHeader(b []byte, h *imageHeader) error {
	if len(b) < 26 {
		return errShortHeader
	}
	if le32(b[14:]) == 12 {
		h.Width, h.Height = int(int16(le16(b[18:]))), int(int16(le16(b[20:])))
	} else {
		h.Width, h.Height = int(int32(le32(b[18:]))), int(int32(le32(b[22:])))
	}
	if h.Height < 0 {
		h.Height = -h.Height
	}
	return nil
}
