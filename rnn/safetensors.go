package rnn

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// The safetensors layout (https://github.com/huggingface/safetensors):
//
//	8 bytes   little-endian uint64 n, the header length
//	n bytes   JSON: {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
//	                 "__metadata__": {"key": "value"}}   (padded with spaces)
//	rest      the tensors' bytes, little-endian; offsets are relative to it

// ErrFormat is wrapped by every error about a malformed safetensors file.
var ErrFormat = errors.New("rnn: not a valid safetensors file")

// maxHeader bounds the JSON header we accept (the format's own limit).
const maxHeader = 100 << 20

// Tensor is a float32 tensor read from or written to safetensors.
type Tensor struct {
	Shape []int
	Data  []float32
}

type stEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// WriteSafetensors writes tensors (F32) and string metadata. Tensors are laid
// out in name order, so the output is deterministic.
func WriteSafetensors(w io.Writer, tensors map[string]Tensor, meta map[string]string) error {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		if n == "__metadata__" {
			return fmt.Errorf("rnn: tensor name %q is reserved", n)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	header := make(map[string]any, len(tensors)+1)
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off int64
	for _, n := range names {
		t := tensors[n]
		if numel(t.Shape) != len(t.Data) {
			return fmt.Errorf("rnn: tensor %s: shape %v holds %d values, data has %d", n, t.Shape, numel(t.Shape), len(t.Data))
		}
		size := int64(4 * len(t.Data))
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[n] = stEntry{DType: "F32", Shape: shape, Offsets: [2]int64{off, off + size}}
		off += size
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("rnn: safetensors header: %w", err)
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	buf := make([]byte, 8, 8+len(hj))
	binary.LittleEndian.PutUint64(buf, uint64(len(hj)))
	if _, err := w.Write(append(buf, hj...)); err != nil {
		return fmt.Errorf("rnn: writing safetensors header: %w", err)
	}
	chunk := make([]byte, 0, 1<<16)
	for _, n := range names {
		for _, v := range tensors[n].Data {
			chunk = binary.LittleEndian.AppendUint32(chunk, math.Float32bits(v))
			if len(chunk) == cap(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return fmt.Errorf("rnn: writing tensor %s: %w", n, err)
				}
				chunk = chunk[:0]
			}
		}
	}
	if _, err := w.Write(chunk); err != nil {
		return fmt.Errorf("rnn: writing safetensors data: %w", err)
	}
	return nil
}

// numel returns the product of shape (1 for a scalar), or -1 if a dimension is
// negative or the product overflows.
func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		if s < 0 || (s > 0 && n > math.MaxInt32/s) {
			return -1
		}
		n *= s
	}
	return n
}

// ReadSafetensors parses a whole safetensors file. Every structural problem
// (short file, bad header length or JSON, unsupported dtype, offsets outside
// the data or disagreeing with the shape, overlapping tensors) is an error
// wrapping ErrFormat; it never panics.
func ReadSafetensors(data []byte) (map[string]Tensor, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("%w: %d bytes, shorter than the 8-byte header length", ErrFormat, len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeader || n > uint64(len(data)-8) {
		return nil, nil, fmt.Errorf("%w: header length %d does not fit in %d bytes", ErrFormat, n, len(data))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &raw); err != nil {
		return nil, nil, fmt.Errorf("%w: header: %w", ErrFormat, err)
	}
	body := data[8+n:]
	var meta map[string]string
	type span struct {
		name       string
		begin, end int64
	}
	var spans []span
	tensors := make(map[string]Tensor, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, fmt.Errorf("%w: __metadata__: %w", ErrFormat, err)
			}
			continue
		}
		var e stEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("%w: tensor %s: %w", ErrFormat, name, err)
		}
		if e.DType != "F32" {
			return nil, nil, fmt.Errorf("%w: tensor %s: dtype %q, only F32 is supported", ErrFormat, name, e.DType)
		}
		count := numel(e.Shape)
		if count < 0 {
			return nil, nil, fmt.Errorf("%w: tensor %s: bad shape %v", ErrFormat, name, e.Shape)
		}
		b, end := e.Offsets[0], e.Offsets[1]
		if b < 0 || end < b || end > int64(len(body)) {
			return nil, nil, fmt.Errorf("%w: tensor %s: offsets [%d, %d] outside %d data bytes (truncated?)", ErrFormat, name, b, end, len(body))
		}
		if end-b != int64(4*count) {
			return nil, nil, fmt.Errorf("%w: tensor %s: shape %v needs %d bytes, offsets give %d", ErrFormat, name, e.Shape, 4*count, end-b)
		}
		vals := make([]float32, count)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[b+int64(4*i):]))
		}
		tensors[name] = Tensor{Shape: e.Shape, Data: vals}
		spans = append(spans, span{name, b, end})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].begin < spans[j].begin })
	for i := 1; i < len(spans); i++ {
		if spans[i].begin < spans[i-1].end {
			return nil, nil, fmt.Errorf("%w: tensors %s and %s overlap", ErrFormat, spans[i-1].name, spans[i].name)
		}
	}
	return tensors, meta, nil
}

// ReadSafetensorsMeta returns the metadata of a safetensors file without
// decoding its tensors (ReadSafetensors checks and decodes those): a
// loader that reads the metadata first to build its model, then the
// weights with LoadParams, decodes the weights once.
func ReadSafetensorsMeta(data []byte) (map[string]string, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the 8-byte header length", ErrFormat, len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeader || n > uint64(len(data)-8) {
		return nil, fmt.Errorf("%w: header length %d does not fit in %d bytes", ErrFormat, n, len(data))
	}
	var header struct {
		Meta map[string]string `json:"__metadata__"`
	}
	if err := json.Unmarshal(data[8:8+n], &header); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrFormat, err)
	}
	return header.Meta, nil
}

// SaveParams writes params (by name) and metadata in the safetensors layout.
func SaveParams(w io.Writer, params []*Param, meta map[string]string) error {
	ts := make(map[string]Tensor, len(params))
	for _, p := range params {
		if _, dup := ts[p.Name]; dup {
			return fmt.Errorf("rnn: two parameters named %s", p.Name)
		}
		ts[p.Name] = Tensor{Shape: p.Shape, Data: p.W}
	}
	return WriteSafetensors(w, ts, meta)
}

// LoadParams reads a safetensors file into params, matching by name. A
// missing tensor or a shape that differs from the parameter's is an error and
// leaves params unchanged. It returns the file's metadata.
func LoadParams(data []byte, params []*Param) (map[string]string, error) {
	ts, meta, err := ReadSafetensors(data)
	if err != nil {
		return nil, err
	}
	for _, p := range params {
		t, ok := ts[p.Name]
		if !ok {
			return nil, fmt.Errorf("rnn: loading %s: %w", p.Name, ErrMissingTensor)
		}
		if !sameShape(t.Shape, p.Shape) {
			return nil, fmt.Errorf("rnn: loading %s: shape %v in file, model wants %v: %w", p.Name, t.Shape, p.Shape, ErrShape)
		}
	}
	for _, p := range params {
		copy(p.W, ts[p.Name].Data)
	}
	return meta, nil
}

// LoadParamsFile is LoadParams on the file at path.
func LoadParamsFile(path string, params []*Param) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rnn: %w", err)
	}
	meta, err := LoadParams(data, params)
	if err != nil {
		return nil, fmt.Errorf("rnn: %s: %w", path, err)
	}
	return meta, nil
}

// ErrMissingTensor and ErrShape are wrapped when a file lacks a parameter or
// holds it with another shape.
var (
	ErrMissingTensor = errors.New("tensor missing from file")
	ErrShape         = errors.New("shape mismatch")
)

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
