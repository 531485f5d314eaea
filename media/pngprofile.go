package media

// withoutICCP returns PNG data (already checked by pngCheck) without its
// iCCP chunks, or data itself when it has none. The colour profile is not
// used (OpenCV decodes to plain 8-bit BGR), and libpng writes a warning to
// stderr for some profiles real files carry ("iCCP: known incorrect sRGB
// profile", in scikit-image's photos, among many), which is not the
// program's to say.
func withoutICCP(data []byte) []byte {
	var out []byte
	p, kept := 8, 0
	for p+8 <= len(data) {
		n := int(be32(data[p:]))
		end := p + 12 + n
		if end > len(data) || n < 0 {
			break
		}
		if string(data[p+4:p+8]) == "iCCP" {
			if out == nil {
				out = make([]byte, 0, len(data))
			}
			out = append(out, data[kept:p]...)
			kept = end
		}
		if string(data[p+4:p+8]) == "IEND" {
			break
		}
		p = end
	}
	if out == nil {
		return data
	}
	return append(out, data[kept:]...)
}
