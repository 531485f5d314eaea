package media

import "errors"

// EXIF and TIFF share one layout: a byte-order mark ("II" little endian, "MM"
// big endian), the number 42, the offset of the first IFD; an IFD is a count
// of 12-byte entries (tag, type, count, value or offset). Only the first IFD
// matters here: it holds the orientation (tag 274) and, in a TIFF file, the
// width (256) and height (257).

const (
	tagWidth       = 256
	tagHeight      = 257
	tagOrientation = 274
)

var errTIFFHeader = errors.New("bad TIFF/EXIF header")

// tiffTags reads the SHORT and LONG single-valued entries of the first IFD of
// b (a TIFF file or an EXIF payload after "Exif\0\0") and returns the values
// of width, height and orientation; a missing tag reads 0.
func tiffTags(b []byte) (width, height, orientation uint32, err error) {
	if len(b) < 8 {
		return 0, 0, 0, errTIFFHeader
	}
	var u16, u32 func([]byte) uint32
	switch string(b[:4]) {
	case "II*\x00":
		u16, u32 = le16, le32
	case "MM\x00*":
		u16, u32 = be16, be32
	default:
		return 0, 0, 0, errTIFFHeader
	}
	off := u32(b[4:])
	if off < 8 || uint64(off)+2 > uint64(len(b)) {
		return 0, 0, 0, errors.New("first IFD outside the data")
	}
	n := int(u16(b[off:]))
	p := int(off) + 2
	if p+12*n > len(b) {
		return 0, 0, 0, errors.New("IFD runs past the end of the data")
	}
	for i := 0; i < n; i, p = i+1, p+12 {
		e := b[p : p+12]
		tag, typ, count := u16(e), u16(e[2:]), u32(e[4:])
		if count != 1 {
			continue
		}
		var v uint32
		switch typ {
		case 3: // SHORT, left-justified in the value field
			v = u16(e[8:])
		case 4: // LONG
			v = u32(e[8:])
		default:
			continue
		}
		switch tag {
		case tagWidth:
			width = v
		case tagHeight:
			height = v
		case tagOrientation:
			orientation = v
		}
	}
	return width, height, orientation, nil
}

// exifOrientation returns the orientation (1..8) an EXIF payload declares, with
// or without its "Exif\0\0" prefix; 1 when it declares none or a bad one.
func exifOrientation(payload []byte) int {
	if len(payload) >= 6 && string(payload[:6]) == "Exif\x00\x00" {
		payload = payload[6:]
	}
	_, _, o, err := tiffTags(payload)
	if err != nil {
		return 1
	}
	return validOrientation(o)
}

func validOrientation(o uint32) int {
	if o < 1 || o > 8 {
		return 1
	}
	return int(o)
}

// orientationSwaps reports whether orientation o turns the picture a quarter
// turn, so that the displayed width is the stored height.
func orientationSwaps(o int) bool { return o >= 5 && o <= 8 }
