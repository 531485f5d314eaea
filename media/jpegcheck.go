package media

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
)

// Why this file exists: OpenCV (libjpeg) decodes a JPEG whose entropy-coded
// data is damaged into a garbage picture with nothing but a warning on stderr,
// and Go's image/jpeg accepts many such files too (bit errors resynchronise,
// and it ignores bytes left over before the next marker). jpegCheck walks the
// Huffman-coded data of a baseline or extended-sequential JPEG without doing
// any inverse DCT and refuses what libjpeg would only warn about: an invalid
// Huffman code, a run of coefficients past the end of a block, a magnitude
// category out of range, restart markers out of sequence, data that ends
// before the last block, and extraneous bytes after it. Measured on a noisy
// 1920x1080 JPEG of 850 kB on this 2-core machine (BenchmarkJPEG*): the check
// takes 7.9 ms, OpenCV's decode 8.7 ms, a full image/jpeg decode 27 ms; so
// the check about doubles the cost of loading a JPEG, which a CNN forward
// pass dwarfs, while a full Go decode would quadruple it and still let most
// bit flips through. Progressive JPEGs are checked with a full image/jpeg decode (it at
// least catches truncation); arithmetic-coded and lossless ones are left to
// OpenCV.

// huffTable decodes one JPEG Huffman table. lut maps the next 9 bits to
// (code length << 8 | value), 0 when the code is longer than 9 bits; longer
// codes go through maxcode/valptr, as in ITU T.81 figure F.16.
type huffTable struct {
	lut     [1 << 9]uint16
	maxcode [18]int32 // per length; -1 when no code has that length
	valptr  [17]int32
	mincode [17]int32
	vals    []byte
	defined bool
}

func (t *huffTable) build(counts []byte, vals []byte) error {
	t.vals = vals
	t.defined = true
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		t.valptr[l] = k
		t.mincode[l] = code
		code += n
		k += n
		if n > 0 {
			t.maxcode[l] = code - 1
		} else {
			t.maxcode[l] = -1
		}
		if code > 1<<l {
			return errors.New("bad Huffman table: too many codes")
		}
		if n > 0 && l <= 9 {
			for c := t.mincode[l]; c < code; c++ {
				v := uint16(l)<<8 | uint16(vals[t.valptr[l]+c-t.mincode[l]])
				shift := 9 - l
				for j := int32(0); j < 1<<shift; j++ {
					t.lut[c<<shift|j] = v
				}
			}
		}
		code <<= 1
	}
	t.maxcode[17] = 1 << 30 // sentinel
	return nil
}

// bitReader reads the entropy-coded segment starting at b[pos]: 0xFF 0x00 is
// a stuffed 0xFF, any other 0xFF xx is a marker, past which it feeds zero bits
// and counts them in pad.
type bitReader struct {
	b      []byte
	pos    int
	acc    uint64
	nbits  int
	pad    int  // zero bits fed after a marker or the end of data
	marker bool // pos is at a marker (or the end of data)
}

func (r *bitReader) fill() {
	for r.nbits <= 56 {
		var c byte
		if !r.marker {
			if r.pos >= len(r.b) {
				r.marker = true
			} else if c = r.b[r.pos]; c == 0xFF {
				if r.pos+1 < len(r.b) && r.b[r.pos+1] == 0 {
					r.pos += 2
				} else {
					r.marker = true
					c = 0
				}
			} else {
				r.pos++
			}
		}
		if r.marker {
			c = 0
			r.pad += 8
		}
		r.acc |= uint64(c) << (56 - r.nbits)
		r.nbits += 8
	}
}

var errJPEGEnds = errors.New("data ends before the image is complete")

func (r *bitReader) consume(n int) error {
	r.acc <<= n
	r.nbits -= n
	if r.nbits < r.pad {
		return errJPEGEnds
	}
	return nil
}

func (r *bitReader) decode(t *huffTable) (byte, error) {
	if r.nbits < 16 {
		r.fill()
	}
	if v := t.lut[r.acc>>55]; v != 0 {
		return byte(v), r.consume(int(v >> 8))
	}
	code := int32(r.acc >> 54) // 10 bits
	l := 10
	for ; code > t.maxcode[l]; l++ {
		if l == 16 {
			return 0, errors.New("bad Huffman code")
		}
		code = int32(r.acc >> (63 - l))
	}
	v := t.vals[t.valptr[l]+code-t.mincode[l]]
	return v, r.consume(l)
}

func (r *bitReader) skip(n int) error {
	if r.nbits < n {
		r.fill()
	}
	return r.consume(n)
}

// realBits is how many bits of real data are buffered but unread.
func (r *bitReader) realBits() int { return r.nbits - r.pad }

type jpegComp struct {
	id, h, v int
	td, ta   int
}

// jpegCheck validates the entropy-coded data of a JPEG file. It assumes the
// header already parsed (parseImageHeader).
func jpegCheck(b []byte) error {
	var (
		dc, ac    [4]huffTable
		comps     []jpegComp
		hmax      = 1
		vmax      = 1
		width     int
		height    int
		restart   int
		scans     int
		sofKind   byte
		p         = 2
		sawEOI    bool
		withFrame bool
	)
	for p < len(b) && !sawEOI {
		for p+1 < len(b) && b[p] == 0xFF && b[p+1] == 0xFF {
			p++
		}
		if p+2 > len(b) {
			break
		}
		if b[p] != 0xFF {
			return fmt.Errorf("expected a marker at byte %d, found 0x%02x", p, b[p])
		}
		m := b[p+1]
		p += 2
		switch {
		case m == 0xD9:
			sawEOI = true
			continue
		case m == 0x01 || m >= 0xD0 && m <= 0xD7:
			continue
		}
		if p+2 > len(b) {
			return errJPEGEnds
		}
		n := int(be16(b[p:]))
		if n < 2 || p+n > len(b) {
			return fmt.Errorf("segment 0x%02x at byte %d runs past the end of the file", m, p-2)
		}
		seg := b[p+2 : p+n]
		p += n
		switch {
		case m == 0xC4: // DHT
			for len(seg) > 0 {
				if len(seg) < 17 {
					return errors.New("bad Huffman table segment")
				}
				class, id := seg[0]>>4, seg[0]&15
				total := 0
				for _, c := range seg[1:17] {
					total += int(c)
				}
				if class > 1 || id > 3 || total > 256 || len(seg) < 17+total {
					return errors.New("bad Huffman table segment")
				}
				t := &dc[id]
				if class == 1 {
					t = &ac[id]
				}
				*t = huffTable{}
				if err := t.build(seg[1:17], seg[17:17+total]); err != nil {
					return err
				}
				seg = seg[17+total:]
			}
		case m == 0xDD: // DRI
			if len(seg) < 2 {
				return errors.New("bad restart interval segment")
			}
			restart = int(be16(seg))
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			if withFrame {
				return errors.New("more than one frame header")
			}
			withFrame = true
			sofKind = m
			if m != 0xC0 && m != 0xC1 {
				if m == 0xC2 {
					_, err := jpeg.Decode(bytes.NewReader(b))
					return err
				}
				return nil // arithmetic or lossless: left to the decoder
			}
			if len(seg) < 6 || seg[0] != 8 {
				return nil // 12-bit: left to the decoder
			}
			height, width = int(be16(seg[1:])), int(be16(seg[3:]))
			nf := int(seg[5])
			if nf < 1 || nf > 4 || len(seg) < 6+3*nf {
				return errors.New("bad frame header")
			}
			for i := 0; i < nf; i++ {
				c := jpegComp{id: int(seg[6+3*i]), h: int(seg[7+3*i] >> 4), v: int(seg[7+3*i] & 15)}
				if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
					return errors.New("bad sampling factors")
				}
				hmax, vmax = max(hmax, c.h), max(vmax, c.v)
				comps = append(comps, c)
			}
			if width == 0 || height == 0 {
				return errors.New("frame header declares a zero size")
			}
		case m == 0xDA: // SOS
			if !withFrame || sofKind > 0xC1 {
				return errors.New("image data before the frame header")
			}
			end, err := checkScan(b, p, seg, comps, &dc, &ac, hmax, vmax, width, height, restart)
			if err != nil {
				return err
			}
			scans++
			p = end
		}
	}
	if scans == 0 {
		return errJPEGEnds
	}
	return nil
}

// checkScan decodes the Huffman data of one scan starting at b[p] and returns
// the position of the marker after it.
func checkScan(b []byte, p int, seg []byte, comps []jpegComp, dc, ac *[4]huffTable, hmax, vmax, width, height, restart int) (int, error) {
	if len(seg) < 1 || len(seg) < 1+2*int(seg[0])+3 {
		return 0, errors.New("bad scan header")
	}
	ns := int(seg[0])
	if ns < 1 || ns > 4 {
		return 0, errors.New("bad scan header")
	}
	var sc []jpegComp
	for i := 0; i < ns; i++ {
		id, tables := int(seg[1+2*i]), seg[2+2*i]
		found := false
		for _, c := range comps {
			if c.id == id {
				c.td, c.ta = int(tables>>4), int(tables&15)
				if c.td > 3 || c.ta > 3 || !dc[c.td].defined || !ac[c.ta].defined {
					return 0, errors.New("scan uses an undefined Huffman table")
				}
				sc = append(sc, c)
				found = true
				break
			}
		}
		if !found {
			return 0, errors.New("scan names an unknown component")
		}
	}
	// blocks per MCU and MCU count: T.81 A.2.
	var mcus int
	var blocks []int // component index into sc, one per block of an MCU
	if ns == 1 {
		c := sc[0]
		cw := (width*c.h + hmax - 1) / hmax
		ch := (height*c.v + vmax - 1) / vmax
		mcus = ((cw + 7) / 8) * ((ch + 7) / 8)
		blocks = []int{0}
	} else {
		mcus = ((width + 8*hmax - 1) / (8 * hmax)) * ((height + 8*vmax - 1) / (8 * vmax))
		for i, c := range sc {
			for j := 0; j < c.h*c.v; j++ {
				blocks = append(blocks, i)
			}
		}
		if len(blocks) > 10 {
			return 0, errors.New("too many blocks per MCU")
		}
	}
	r := &bitReader{b: b, pos: p}
	rst := 0
	for m := 0; m < mcus; m++ {
		if restart > 0 && m > 0 && m%restart == 0 {
			// Byte-align, then expect RSTn.
			if r.realBits() >= 8 {
				return 0, fmt.Errorf("extraneous data before restart marker at byte %d", r.pos)
			}
			r.acc, r.nbits, r.pad = 0, 0, 0
			if r.pos+1 >= len(b) || b[r.pos] != 0xFF || b[r.pos+1] != 0xD0+byte(rst) {
				return 0, fmt.Errorf("restart marker %d missing at byte %d", rst, r.pos)
			}
			r.pos += 2
			r.marker = false
			rst = (rst + 1) & 7
		}
		for _, ci := range blocks {
			c := &sc[ci]
			s, err := r.decode(&dc[c.td])
			if err != nil {
				return 0, fmt.Errorf("%w at byte %d", err, r.pos)
			}
			if s > 11 {
				return 0, fmt.Errorf("DC magnitude category %d out of range at byte %d", s, r.pos)
			}
			if err := r.skip(int(s)); err != nil {
				return 0, err
			}
			for k := 1; k < 64; {
				rs, err := r.decode(&ac[c.ta])
				if err != nil {
					return 0, fmt.Errorf("%w at byte %d", err, r.pos)
				}
				run, size := int(rs>>4), int(rs&15)
				if size == 0 {
					if run != 15 {
						break // end of block
					}
					k += 16
					if k > 64 {
						return 0, fmt.Errorf("zero run past the end of a block at byte %d", r.pos)
					}
					continue
				}
				k += run
				if k > 63 || size > 10 {
					return 0, fmt.Errorf("coefficient outside the block at byte %d", r.pos)
				}
				if err := r.skip(size); err != nil {
					return 0, err
				}
				k++
			}
		}
	}
	// What is left of the scan must be padding bits and then a marker.
	if r.realBits() >= 8 {
		return 0, fmt.Errorf("%d extraneous bytes of data after the last block", r.realBits()/8)
	}
	q := r.pos
	for q+1 < len(b) && !(b[q] == 0xFF && b[q+1] != 0 && (b[q+1] < 0xD0 || b[q+1] > 0xD7)) {
		q++
	}
	if q != r.pos {
		return 0, fmt.Errorf("%d extraneous bytes of data after the last block", q-r.pos)
	}
	return q, nil
}
