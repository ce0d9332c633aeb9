package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Limits bound what Read accepts, so a corrupt or hostile file cannot make
// it allocate without end.
type Limits struct {
	// MaxStringLen bounds every string (keys, values, tensor names).
	MaxStringLen uint64
	// MaxArrayLen bounds every metadata array.
	MaxArrayLen uint64
	// MaxEntries bounds the number of metadata entries and of tensors.
	MaxEntries uint64
	// MaxTensorBytes bounds the data of all tensors together.
	MaxTensorBytes uint64
}

// DefaultLimits returns limits that suit the small test models this
// package is for: 1 MiB strings, arrays of a million values, 4096 entries,
// 1 GiB of tensor data.
func DefaultLimits() Limits {
	return Limits{MaxStringLen: 1 << 20, MaxArrayLen: 1 << 20, MaxEntries: 1 << 12, MaxTensorBytes: 1 << 30}
}

// Read parses a GGUF version 3 file with F32 tensors, within
// DefaultLimits. It is the inverse of File.WriteTo.
func Read(r io.Reader) (*File, error) {
	return ReadLimits(r, DefaultLimits())
}

// ReadLimits is Read with explicit limits.
func ReadLimits(r io.Reader, lim Limits) (*File, error) {
	d := &decoder{r: bufio.NewReader(r), lim: lim}
	f, err := d.file()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("gguf: at byte %d: %w", d.n, err)
	}
	return f, nil
}

type decoder struct {
	r   *bufio.Reader
	n   uint64
	lim Limits
}

func (d *decoder) file() (*File, error) {
	magic := make([]byte, 4)
	if err := d.full(magic); err != nil {
		return nil, err
	}
	if string(magic) != Magic {
		return nil, fmt.Errorf("not a GGUF file (magic %q)", magic)
	}
	version, err := d.u32()
	if err != nil {
		return nil, err
	}
	if version != Version {
		return nil, fmt.Errorf("GGUF version %d; only version %d is supported", version, Version)
	}
	nt, err := d.u64()
	if err != nil {
		return nil, err
	}
	nkv, err := d.u64()
	if err != nil {
		return nil, err
	}
	if nt > d.lim.MaxEntries || nkv > d.lim.MaxEntries {
		return nil, fmt.Errorf("%d tensors and %d metadata entries exceed the limit of %d", nt, nkv, d.lim.MaxEntries)
	}
	f := &File{}
	for range nkv {
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, fmt.Errorf("metadata %q: %w", key, err)
		}
		f.KV = append(f.KV, KV{Key: key, Value: v})
	}
	offsets := make([]uint64, 0, nt)
	var total uint64
	for range nt {
		name, err := d.str()
		if err != nil {
			return nil, err
		}
		nd, err := d.u32()
		if err != nil {
			return nil, err
		}
		if nd == 0 || nd > 4 {
			return nil, fmt.Errorf("tensor %s has %d dimensions; ggml allows 1 to 4", name, nd)
		}
		t := Tensor{Name: name, Dims: make([]uint64, nd)}
		for i := range t.Dims {
			if t.Dims[i], err = d.u64(); err != nil {
				return nil, err
			}
		}
		typ, err := d.u32()
		if err != nil {
			return nil, err
		}
		if typ != TensorF32 {
			return nil, fmt.Errorf("tensor %s has ggml type %d; only F32 (0) is supported", name, typ)
		}
		off, err := d.u64()
		if err != nil {
			return nil, err
		}
		n, err := t.Elements()
		if err != nil {
			return nil, err
		}
		if n > d.lim.MaxTensorBytes/4 || total+4*n > d.lim.MaxTensorBytes {
			return nil, fmt.Errorf("tensor %s: data exceeds the limit of %d bytes", name, d.lim.MaxTensorBytes)
		}
		total += 4 * n
		f.Tensors = append(f.Tensors, t)
		offsets = append(offsets, off)
	}
	if err := d.skip(align(d.n) - d.n); err != nil {
		return nil, err
	}
	start := d.n
	for i := range f.Tensors {
		t := &f.Tensors[i]
		at := start + offsets[i]
		if at < d.n {
			return nil, fmt.Errorf("tensor %s: offset %d overlaps the previous tensor", t.Name, offsets[i])
		}
		if err := d.skip(at - d.n); err != nil {
			return nil, err
		}
		n, _ := t.Elements()
		buf := make([]byte, 4*n)
		if err := d.full(buf); err != nil {
			return nil, fmt.Errorf("tensor %s data: %w", t.Name, err)
		}
		t.Data = make([]float32, n)
		for j := range t.Data {
			t.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*j:]))
		}
	}
	return f, nil
}

func (d *decoder) full(b []byte) error {
	n, err := io.ReadFull(d.r, b)
	d.n += uint64(n)
	return err
}

func (d *decoder) skip(n uint64) error {
	if n > d.lim.MaxTensorBytes {
		return fmt.Errorf("a gap of %d bytes exceeds the limit", n)
	}
	m, err := io.CopyN(io.Discard, d.r, int64(n))
	d.n += uint64(m)
	return err
}

func (d *decoder) u32() (uint32, error) {
	var b [4]byte
	err := d.full(b[:])
	return binary.LittleEndian.Uint32(b[:]), err
}

func (d *decoder) u64() (uint64, error) {
	var b [8]byte
	err := d.full(b[:])
	return binary.LittleEndian.Uint64(b[:]), err
}

func (d *decoder) str() (string, error) {
	n, err := d.u64()
	if err != nil {
		return "", err
	}
	if n > d.lim.MaxStringLen {
		return "", fmt.Errorf("a string of %d bytes exceeds the limit of %d", n, d.lim.MaxStringLen)
	}
	b := make([]byte, n)
	if err := d.full(b); err != nil {
		return "", err
	}
	return string(b), nil
}

func (d *decoder) value() (any, error) {
	typ, err := d.u32()
	if err != nil {
		return nil, err
	}
	if typ != typeArray {
		return d.scalar(typ)
	}
	elem, err := d.u32()
	if err != nil {
		return nil, err
	}
	n, err := d.u64()
	if err != nil {
		return nil, err
	}
	if n > d.lim.MaxArrayLen {
		return nil, fmt.Errorf("an array of %d elements exceeds the limit of %d", n, d.lim.MaxArrayLen)
	}
	switch elem {
	case typeUint8:
		return readSlice[uint8](d, elem, n)
	case typeInt8:
		return readSlice[int8](d, elem, n)
	case typeUint16:
		return readSlice[uint16](d, elem, n)
	case typeInt16:
		return readSlice[int16](d, elem, n)
	case typeUint32:
		return readSlice[uint32](d, elem, n)
	case typeInt32:
		return readSlice[int32](d, elem, n)
	case typeUint64:
		return readSlice[uint64](d, elem, n)
	case typeInt64:
		return readSlice[int64](d, elem, n)
	case typeFloat32:
		return readSlice[float32](d, elem, n)
	case typeFloat64:
		return readSlice[float64](d, elem, n)
	case typeBool:
		return readSlice[bool](d, elem, n)
	case typeString:
		return readSlice[string](d, elem, n)
	}
	return nil, fmt.Errorf("array element type %d is not supported", elem)
}

func readSlice[T any](d *decoder, elem uint32, n uint64) ([]T, error) {
	out := make([]T, 0, min(n, 1024))
	for range n {
		v, err := d.scalar(elem)
		if err != nil {
			return nil, err
		}
		out = append(out, v.(T))
	}
	return out, nil
}

func (d *decoder) scalar(typ uint32) (any, error) {
	var size int
	switch typ {
	case typeString:
		return d.str()
	case typeUint8, typeInt8, typeBool:
		size = 1
	case typeUint16, typeInt16:
		size = 2
	case typeUint32, typeInt32, typeFloat32:
		size = 4
	case typeUint64, typeInt64, typeFloat64:
		size = 8
	default:
		return nil, fmt.Errorf("value type %d is not supported", typ)
	}
	var b [8]byte
	if err := d.full(b[:size]); err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	switch typ {
	case typeUint8:
		return b[0], nil
	case typeInt8:
		return int8(b[0]), nil
	case typeBool:
		if b[0] > 1 {
			return nil, fmt.Errorf("bool value %d is neither 0 nor 1", b[0])
		}
		return b[0] == 1, nil
	case typeUint16:
		return le.Uint16(b[:]), nil
	case typeInt16:
		return int16(le.Uint16(b[:])), nil
	case typeUint32:
		return le.Uint32(b[:]), nil
	case typeInt32:
		return int32(le.Uint32(b[:])), nil
	case typeFloat32:
		return math.Float32frombits(le.Uint32(b[:])), nil
	case typeUint64:
		return le.Uint64(b[:]), nil
	case typeInt64:
		return int64(le.Uint64(b[:])), nil
	default: // typeFloat64
		return math.Float64frombits(le.Uint64(b[:])), nil
	}
}
