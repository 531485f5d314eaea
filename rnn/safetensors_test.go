package rnn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"testing"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	m := NewOneToMany(nil, 6, 11, 4, 5, newTestRand())
	var buf bytes.Buffer
	meta := map[string]string{"arch": "one-to-many", "vocab": "11"}
	if err := SaveParams(&buf, m.Params(), meta); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if n := binary.LittleEndian.Uint64(data); (8+n)%8 != 0 {
		t.Errorf("header length %d leaves the data unaligned", n)
	}
	m2 := NewOneToMany(nil, 6, 11, 4, 5, newTestRandSeed(7))
	got, err := LoadParams(data, m2.Params())
	if err != nil {
		t.Fatal(err)
	}
	if got["arch"] != "one-to-many" || got["vocab"] != "11" {
		t.Errorf("metadata %v", got)
	}
	for i, p := range m.Params() {
		q := m2.Params()[i]
		if p.Name != q.Name || !sameShape(p.Shape, q.Shape) {
			t.Fatalf("param %d: %s%v vs %s%v", i, p.Name, p.Shape, q.Name, q.Shape)
		}
		for j := range p.W {
			if p.W[j] != q.W[j] {
				t.Fatalf("%s[%d]: saved %v, loaded %v", p.Name, j, p.W[j], q.W[j])
			}
		}
	}
	// Deterministic bytes.
	var again bytes.Buffer
	if err := SaveParams(&again, m2.Params(), meta); err != nil || !bytes.Equal(again.Bytes(), data) {
		t.Errorf("second save differs (err %v)", err)
	}
}

// stFile builds a safetensors file from a raw header and body.
func stFile(header string, body []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), body...)
}

func TestSafetensorsErrors(t *testing.T) {
	good := stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8))
	if _, _, err := ReadSafetensors(good); err != nil {
		t.Fatalf("valid file rejected: %v", err)
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short length", []byte{1, 2, 3}},
		{"header past end", binary.LittleEndian.AppendUint64(nil, 1000)},
		{"huge header length", binary.LittleEndian.AppendUint64(nil, 1<<62)},
		{"bad json", stFile(`{"a":`, nil)},
		{"not an object", stFile(`[1,2]`, nil)},
		{"dtype", stFile(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4))},
		{"truncated data", good[:len(good)-3]},
		{"shape vs offsets", stFile(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8))},
		{"negative dim", stFile(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, make([]byte, 8))},
		{"reversed offsets", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, make([]byte, 8))},
		{"overflowing shape", stFile(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil)},
		{"overlap", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8))},
		{"bad metadata", stFile(`{"__metadata__":{"k":1}}`, nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadSafetensors(c.data)
			if !errors.Is(err, ErrFormat) {
				t.Errorf("%s: err = %v, want ErrFormat", c.name, err)
			}
		})
	}
	t.Run("wrong shape", func(t *testing.T) {
		p := newParam("a", 1, 2)
		if _, err := LoadParams(good, []*Param{p}); !errors.Is(err, ErrShape) {
			t.Errorf("err = %v, want ErrShape", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		p := newParam("b", 2)
		if _, err := LoadParams(good, []*Param{p}); !errors.Is(err, ErrMissingTensor) {
			t.Errorf("err = %v, want ErrMissingTensor", err)
		}
	})
}

func FuzzReadSafetensors(f *testing.F) {
	var buf bytes.Buffer
	m := NewLinear(nil, 3, 2, newTestRand())
	if err := SaveParams(&buf, m.Params(), map[string]string{"k": "v"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		ts, meta, err := ReadSafetensors(data)
		if err != nil {
			return
		}
		// Whatever parses must survive a round trip unchanged.
		var out bytes.Buffer
		if err := WriteSafetensors(&out, ts, meta); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		ts2, _, err := ReadSafetensors(out.Bytes())
		if err != nil {
			t.Fatalf("reread: %v", err)
		}
		for n, a := range ts {
			b := ts2[n]
			if !sameShape(a.Shape, b.Shape) || len(a.Data) != len(b.Data) {
				t.Fatalf("%s changed shape", n)
			}
			for i := range a.Data {
				if (a.Data[i] != b.Data[i]) && (a.Data[i] == a.Data[i]) {
					t.Fatalf("%s[%d] changed", n, i)
				}
			}
		}
	})
}

// ReadSafetensorsMeta reads the metadata ReadSafetensors does, and refuses
// what it refuses in the header.
func TestReadSafetensorsMeta(t *testing.T) {
	var buf bytes.Buffer
	p := newParam("w", 2, 3)
	meta := map[string]string{"format": "test", "config": `{"a":1}`}
	if err := SaveParams(&buf, []*Param{p}, meta); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSafetensorsMeta(buf.Bytes())
	if err != nil || !maps.Equal(got, meta) {
		t.Fatalf("metadata %v, %v; want %v", got, err, meta)
	}
	for _, bad := range [][]byte{buf.Bytes()[:5], append([]byte{255, 255, 0, 0, 0, 0, 0, 0}, buf.Bytes()[8:]...)} {
		if _, err := ReadSafetensorsMeta(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("%d bytes: error %v, want ErrFormat", len(bad), err)
		}
	}
}
