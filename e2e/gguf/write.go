package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// WriteTo writes f in GGUF version 3, little-endian, with tensor data
// aligned to Alignment. It checks every value's type and every tensor's
// size before writing anything.
func (f *File) WriteTo(w io.Writer) (int64, error) {
	if err := f.check(); err != nil {
		return 0, err
	}
	cw := &countWriter{w: bufio.NewWriterSize(w, 1<<16)}
	e := &encoder{w: cw}
	e.raw([]byte(Magic))
	e.u32(Version)
	e.u64(uint64(len(f.Tensors)))
	e.u64(uint64(len(f.KV)))
	for _, kv := range f.KV {
		e.str(kv.Key)
		e.value(kv.Value)
	}
	var offset uint64
	for _, t := range f.Tensors {
		e.str(t.Name)
		e.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			e.u64(d)
		}
		e.u32(TensorF32)
		e.u64(offset)
		offset = align(offset + 4*uint64(len(t.Data)))
	}
	e.pad()
	for _, t := range f.Tensors {
		buf := make([]byte, 4*len(t.Data))
		for i, v := range t.Data {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		e.raw(buf)
		e.pad()
	}
	if e.err == nil {
		e.err = cw.w.(*bufio.Writer).Flush()
	}
	return cw.n, e.err
}

func (f *File) check() error {
	seen := map[string]bool{}
	for _, kv := range f.KV {
		if seen[kv.Key] {
			return fmt.Errorf("gguf: metadata key %q appears twice", kv.Key)
		}
		seen[kv.Key] = true
		if _, _, ok := typeOf(kv.Value); !ok {
			return fmt.Errorf("gguf: metadata %q has unsupported type %T", kv.Key, kv.Value)
		}
	}
	names := map[string]bool{}
	for _, t := range f.Tensors {
		if names[t.Name] {
			return fmt.Errorf("gguf: tensor %q appears twice", t.Name)
		}
		names[t.Name] = true
		if len(t.Dims) == 0 || len(t.Dims) > 4 {
			return fmt.Errorf("gguf: tensor %s has %d dimensions; ggml allows 1 to 4", t.Name, len(t.Dims))
		}
		n, err := t.Elements()
		if err != nil {
			return fmt.Errorf("gguf: %w", err)
		}
		if n != uint64(len(t.Data)) {
			return fmt.Errorf("gguf: tensor %s: dimensions %v need %d floats, data has %d", t.Name, t.Dims, n, len(t.Data))
		}
	}
	return nil
}

// typeOf returns the GGUF type of v and, for a slice, its element type.
func typeOf(v any) (typ, elem uint32, ok bool) {
	switch v.(type) {
	case uint8:
		return typeUint8, 0, true
	case int8:
		return typeInt8, 0, true
	case uint16:
		return typeUint16, 0, true
	case int16:
		return typeInt16, 0, true
	case uint32:
		return typeUint32, 0, true
	case int32:
		return typeInt32, 0, true
	case uint64:
		return typeUint64, 0, true
	case int64:
		return typeInt64, 0, true
	case float32:
		return typeFloat32, 0, true
	case float64:
		return typeFloat64, 0, true
	case bool:
		return typeBool, 0, true
	case string:
		return typeString, 0, true
	case []uint8:
		return typeArray, typeUint8, true
	case []int8:
		return typeArray, typeInt8, true
	case []uint16:
		return typeArray, typeUint16, true
	case []int16:
		return typeArray, typeInt16, true
	case []uint32:
		return typeArray, typeUint32, true
	case []int32:
		return typeArray, typeInt32, true
	case []uint64:
		return typeArray, typeUint64, true
	case []int64:
		return typeArray, typeInt64, true
	case []float32:
		return typeArray, typeFloat32, true
	case []float64:
		return typeArray, typeFloat64, true
	case []bool:
		return typeArray, typeBool, true
	case []string:
		return typeArray, typeString, true
	}
	return 0, 0, false
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// encoder writes little-endian values and keeps the first error.
type encoder struct {
	w   *countWriter
	err error
}

func (e *encoder) raw(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) u32(v uint32) { e.raw(binary.LittleEndian.AppendUint32(nil, v)) }
func (e *encoder) u64(v uint64) { e.raw(binary.LittleEndian.AppendUint64(nil, v)) }

func (e *encoder) str(s string) {
	e.u64(uint64(len(s)))
	e.raw([]byte(s))
}

func (e *encoder) pad() {
	if n := align(uint64(e.w.n)) - uint64(e.w.n); n > 0 {
		e.raw(make([]byte, n))
	}
}

// value writes v's type and v; typeOf has accepted it.
func (e *encoder) value(v any) {
	typ, elem, _ := typeOf(v)
	e.u32(typ)
	if typ != typeArray {
		e.scalar(v)
		return
	}
	e.u32(elem)
	switch s := v.(type) {
	case []uint8:
		writeSlice(e, s)
	case []int8:
		writeSlice(e, s)
	case []uint16:
		writeSlice(e, s)
	case []int16:
		writeSlice(e, s)
	case []uint32:
		writeSlice(e, s)
	case []int32:
		writeSlice(e, s)
	case []uint64:
		writeSlice(e, s)
	case []int64:
		writeSlice(e, s)
	case []float32:
		writeSlice(e, s)
	case []float64:
		writeSlice(e, s)
	case []bool:
		writeSlice(e, s)
	case []string:
		writeSlice(e, s)
	}
}

func writeSlice[T any](e *encoder, s []T) {
	e.u64(uint64(len(s)))
	for _, v := range s {
		e.scalar(v)
	}
}

func (e *encoder) scalar(v any) {
	switch x := v.(type) {
	case string:
		e.str(x)
	case bool:
		if x {
			e.raw([]byte{1})
		} else {
			e.raw([]byte{0})
		}
	default:
		if e.err == nil {
			e.err = binary.Write(e.w, binary.LittleEndian, x)
		}
	}
}
