// Package gguf writes and reads GGUF files (version 3), the model format
// of llama.cpp and Ollama, so tests can generate their own model weights.
// It supports what a small F32 model needs: metadata of the scalar, string
// and array types, and F32 tensors. See
// https://github.com/ggml-org/ggml/blob/master/docs/gguf.md for the format.
package gguf

import (
	"fmt"
	"math"
)

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// Version is the GGUF version this package writes.
const Version = 3

// Alignment is the alignment of tensor data (general.alignment's default).
const Alignment = 32

// Metadata value types, as numbered by the format.
const (
	typeUint8   uint32 = 0
	typeInt8    uint32 = 1
	typeUint16  uint32 = 2
	typeInt16   uint32 = 3
	typeUint32  uint32 = 4
	typeInt32   uint32 = 5
	typeFloat32 uint32 = 6
	typeBool    uint32 = 7
	typeString  uint32 = 8
	typeArray   uint32 = 9
	typeUint64  uint32 = 10
	typeInt64   uint32 = 11
	typeFloat64 uint32 = 12
)

// TensorF32 is ggml's type number of a 32-bit float tensor.
const TensorF32 uint32 = 0

// KV is one metadata entry. Value is one of uint8, int8, uint16, int16,
// uint32, int32, uint64, int64, float32, float64, bool, string, or a slice
// of one of those.
type KV struct {
	Key   string
	Value any
}

// Tensor is one F32 tensor. Dims lists the extents innermost first (ggml's
// ne[0], ne[1], …): a matrix of R rows of C contiguous floats has Dims
// {C, R}. Data holds the product of Dims floats, row after row.
type Tensor struct {
	Name string
	Dims []uint64
	Data []float32
}

// Elements returns the number of floats the tensor's Dims call for.
func (t Tensor) Elements() (uint64, error) {
	n := uint64(1)
	for _, d := range t.Dims {
		if d == 0 {
			return 0, fmt.Errorf("tensor %s has a zero dimension", t.Name)
		}
		if n > math.MaxUint64/d {
			return 0, fmt.Errorf("tensor %s: dimensions %v overflow", t.Name, t.Dims)
		}
		n *= d
	}
	return n, nil
}

// File is a whole GGUF file: metadata in order, then tensors in order.
type File struct {
	KV      []KV
	Tensors []Tensor
}

// Get returns the value of key and whether it is present.
func (f *File) Get(key string) (any, bool) {
	for _, kv := range f.KV {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// Tensor returns the tensor named name, or nil.
func (f *File) Tensor(name string) *Tensor {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i]
		}
	}
	return nil
}

func align(n uint64) uint64 {
	return (n + Alignment - 1) / Alignment * Alignment
}
