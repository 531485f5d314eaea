package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// chunk builds a PNG chunk with its length and CRC.
func chunk(typ string, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	b = append(b, typ...)
	b = append(b, body...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

func TestWithoutICCP(t *testing.T) {
	sig := []byte("\x89PNG\r\n\x1a\n")
	ihdr := chunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0})
	idat := chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x60, 0x60, 0, 0, 0, 4, 0, 1})
	iend := chunk("IEND", nil)
	iccp := chunk("iCCP", append([]byte("ICC profile\x00\x00"), bytes.Repeat([]byte{7}, 40)...))
	plain := bytes.Join([][]byte{sig, ihdr, idat, iend}, nil)
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"after IHDR", bytes.Join([][]byte{sig, ihdr, iccp, idat, iend}, nil)},
		{"two of them", bytes.Join([][]byte{sig, ihdr, iccp, iccp, idat, iend}, nil)},
		{"none", plain},
	} {
		in := append([]byte(nil), c.in...)
		got := withoutICCP(c.in)
		if !bytes.Equal(got, plain) {
			t.Errorf("%s: got %q, want %q", c.name, got, plain)
		}
		if !bytes.Equal(in, c.in) {
			t.Errorf("%s: the input was modified", c.name)
		}
		if err := pngCheck(got); err != nil {
			t.Errorf("%s: result fails pngCheck: %v", c.name, err)
		}
	}
}
