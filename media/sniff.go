package media

import "bytes"

// Image formats this package decodes through OpenCV, as Info.Format names them.
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
	FormatWebP = "webp"
	FormatBMP  = "bmp"
	FormatTIFF = "tiff"
)

// sniffLen is how many leading bytes sniffImage looks at.
const sniffLen = 32

// sniffImage names the image format of a file from its first bytes, or returns
// "" when they are not the start of a JPEG, PNG, WebP, BMP or TIFF file.
func sniffImage(head []byte) string {
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return FormatJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return FormatWebP
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return FormatTIFF
	case isBMP(head):
		return FormatBMP
	}
	return ""
}

// isBMP checks more than the two-letter "BM" magic, which plain text can start
// with: the reserved fields must be zero and the info header a known size.
func isBMP(h []byte) bool {
	if len(h) < 18 || h[0] != 'B' || h[1] != 'M' {
		return false
	}
	if h[6]|h[7]|h[8]|h[9] != 0 {
		return false
	}
	switch le32(h[14:]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// isISOBMFF reports whether head starts like an MP4/MOV/3GP/HEIF file: a
// first box of type ftyp (or an old QuickTime moov/mdat/wide/free box).
func isISOBMFF(head []byte) bool {
	if len(head) < 8 {
		return false
	}
	switch string(head[4:8]) {
	case "ftyp", "moov", "mdat", "wide", "free", "skip":
		return true
	}
	return false
}

func le16(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 }
func le24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
func be16(b []byte) uint32 { return uint32(b[0])<<8 | uint32(b[1]) }
func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
