package convert

import (
	"encoding/binary"
	"math"
)

// A minimal protocol-buffer writer for the few ONNX messages the converter
// emits (onnx.proto3: ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto and the type messages under it). Field numbers
// are ONNX's; only what the converter needs is written.

// pb is an encoded message under construction.
type pb []byte

const (
	wireVarint  = 0
	wireBytes   = 2
	wireFixed32 = 5
)

func (b pb) tag(field, wire int) pb { return binary.AppendUvarint(b, uint64(field)<<3|uint64(wire)) }

func (b pb) varint(field int, v int64) pb {
	return binary.AppendUvarint(b.tag(field, wireVarint), uint64(v))
}

func (b pb) bytes(field int, v []byte) pb {
	b = binary.AppendUvarint(b.tag(field, wireBytes), uint64(len(v)))
	return append(b, v...)
}

func (b pb) str(field int, s string) pb { return b.bytes(field, []byte(s)) }

func (b pb) float(field int, f float32) pb {
	return binary.LittleEndian.AppendUint32(b.tag(field, wireFixed32), math.Float32bits(f))
}

// ONNX enum values used here.
const (
	onnxFloat = 1 // TensorProto.DataType FLOAT

	attrFloat  = 1 // AttributeProto.AttributeType
	attrInt    = 2
	attrString = 3
	attrInts   = 7
)

// attr is one node attribute: exactly one of its value fields is meaningful,
// as kind says.
type attr struct {
	name string
	kind int
	f    float32
	i    int64
	s    string
	ints []int64
}

func floatAttr(name string, f float32) attr { return attr{name: name, kind: attrFloat, f: f} }
func intAttr(name string, i int64) attr     { return attr{name: name, kind: attrInt, i: i} }
func intsAttr(name string, v ...int64) attr { return attr{name: name, kind: attrInts, ints: v} }
func strAttr(name, s string) attr           { return attr{name: name, kind: attrString, s: s} }

func (a attr) encode() pb {
	var b pb
	b = b.str(1, a.name)
	switch a.kind {
	case attrFloat:
		b = b.float(2, a.f)
	case attrInt:
		b = b.varint(3, a.i)
	case attrString:
		b = b.str(4, a.s)
	case attrInts:
		for _, v := range a.ints {
			b = b.varint(8, v)
		}
	}
	return b.varint(20, int64(a.kind))
}

// onnxNode is a NodeProto.
type onnxNode struct {
	op      string
	name    string
	inputs  []string
	outputs []string
	attrs   []attr
}

func (n onnxNode) encode() pb {
	var b pb
	for _, in := range n.inputs {
		b = b.str(1, in)
	}
	for _, out := range n.outputs {
		b = b.str(2, out)
	}
	b = b.str(3, n.name)
	b = b.str(4, n.op)
	for _, a := range n.attrs {
		b = b.bytes(5, a.encode())
	}
	return b
}

// encodeTensor writes a float32 TensorProto with raw little-endian data.
func encodeTensor(name string, dims []int, data []float32) pb {
	var b pb
	for _, d := range dims {
		b = b.varint(1, int64(d))
	}
	b = b.varint(2, onnxFloat)
	b = b.str(8, name)
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return b.bytes(9, raw)
}

// encodeValueInfo writes a ValueInfoProto of a float tensor with fixed dims.
func encodeValueInfo(name string, dims []int) pb {
	var shape pb
	for _, d := range dims {
		shape = shape.bytes(1, pb(nil).varint(1, int64(d))) // Dimension.dim_value
	}
	tensorType := pb(nil).varint(1, onnxFloat).bytes(2, shape) // TypeProto.Tensor
	typ := pb(nil).bytes(1, tensorType)                        // TypeProto.tensor_type
	return pb(nil).str(1, name).bytes(2, typ)
}

// onnxGraph is a GraphProto with its model's opset.
type onnxGraph struct {
	name         string
	nodes        []onnxNode
	initializers []onnxInit
	inputs       []valueInfo
	outputs      []valueInfo
}

type onnxInit struct {
	name string
	dims []int
	data []float32
}

type valueInfo struct {
	name string
	dims []int
}

// Opset and IR version written: opset 9 keeps Clip's min/max as attributes,
// which OpenCV 4.6 reads; IR version 4 lets initializers stay out of the
// graph inputs.
const (
	onnxOpset     = 9
	onnxIRVersion = 4
)

// encodeModel writes a ModelProto holding g.
func encodeModel(g onnxGraph, producer, version string) []byte {
	var graph pb
	for _, n := range g.nodes {
		graph = graph.bytes(1, n.encode())
	}
	graph = graph.str(2, g.name)
	for _, t := range g.initializers {
		graph = graph.bytes(5, encodeTensor(t.name, t.dims, t.data))
	}
	for _, v := range g.inputs {
		graph = graph.bytes(11, encodeValueInfo(v.name, v.dims))
	}
	for _, v := range g.outputs {
		graph = graph.bytes(12, encodeValueInfo(v.name, v.dims))
	}
	var m pb
	m = m.varint(1, onnxIRVersion)
	m = m.str(2, producer)
	m = m.str(3, version)
	m = m.bytes(7, graph)
	m = m.bytes(8, pb(nil).str(1, "").varint(2, onnxOpset)) // OperatorSetIdProto
	return m
}
