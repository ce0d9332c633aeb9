package gguf

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"testing"
)

func sample() *File {
	return &File{
		KV: []KV{
			{Key: "general.architecture", Value: "llama"},
			{Key: "u8", Value: uint8(7)},
			{Key: "i8", Value: int8(-7)},
			{Key: "u16", Value: uint16(65535)},
			{Key: "i16", Value: int16(-300)},
			{Key: "u32", Value: uint32(1280)},
			{Key: "i32", Value: int32(-1)},
			{Key: "u64", Value: uint64(1 << 40)},
			{Key: "i64", Value: int64(-1 << 40)},
			{Key: "f32", Value: float32(1e-5)},
			{Key: "f64", Value: 3.25},
			{Key: "yes", Value: true},
			{Key: "no", Value: false},
			{Key: "empty", Value: ""},
			{Key: "tokens", Value: []string{"<unk>", "<s>", "</s>", "héllo ▁"}},
			{Key: "scores", Value: []float32{0, -1, 2.5}},
			{Key: "types", Value: []int32{2, 3, 3, 1}},
			{Key: "bytes", Value: []uint8{1, 2, 3}},
			{Key: "flags", Value: []bool{true, false}},
			{Key: "none", Value: []uint64{}},
			{Key: "i8s", Value: []int8{-1}},
			{Key: "u16s", Value: []uint16{1}},
			{Key: "i16s", Value: []int16{-1}},
			{Key: "u32s", Value: []uint32{1}},
			{Key: "i64s", Value: []int64{-1}},
			{Key: "f64s", Value: []float64{0.5}},
		},
		Tensors: []Tensor{
			{Name: "vec", Dims: []uint64{3}, Data: []float32{1, 2, 3}},
			{Name: "mat", Dims: []uint64{2, 3}, Data: []float32{1, 0, 0, 1, -1, 0.5}},
			{Name: "cube", Dims: []uint64{1, 1, 2, 1}, Data: []float32{9, 8}},
		},
	}
}

func encode(t *testing.T, f *File) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := f.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		file *File
	}{
		{"every type", sample()},
		{"metadata only", &File{KV: []KV{{Key: "a", Value: "b"}}}},
		{"empty", &File{}},
		{"tensors only", &File{Tensors: []Tensor{{Name: "x", Dims: []uint64{5}, Data: []float32{1, 2, 3, 4, 5}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := encode(t, tc.file)
			got, err := Read(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			want := tc.file
			if len(want.KV) == 0 {
				want = &File{Tensors: want.Tensors}
			}
			if !reflect.DeepEqual(got.KV, want.KV) && !(len(got.KV) == 0 && len(want.KV) == 0) {
				t.Errorf("metadata differs:\n got %#v\nwant %#v", got.KV, want.KV)
			}
			if !reflect.DeepEqual(got.Tensors, want.Tensors) && !(len(got.Tensors) == 0 && len(want.Tensors) == 0) {
				t.Errorf("tensors differ:\n got %#v\nwant %#v", got.Tensors, want.Tensors)
			}
		})
	}
}

// TestLayout checks the bytes against the format's definition rather than
// against our own reader.
func TestLayout(t *testing.T) {
	f := &File{
		KV:      []KV{{Key: "k", Value: uint32(5)}},
		Tensors: []Tensor{{Name: "a", Dims: []uint64{3}, Data: []float32{1, 2, 3}}, {Name: "b", Dims: []uint64{1}, Data: []float32{-2}}},
	}
	raw := encode(t, f)
	le := binary.LittleEndian
	if string(raw[:4]) != "GGUF" || le.Uint32(raw[4:]) != 3 || le.Uint64(raw[8:]) != 2 || le.Uint64(raw[16:]) != 1 {
		t.Fatalf("header = % x", raw[:24])
	}
	// key "k": len 1, 'k', type 4 (uint32), value 5
	if le.Uint64(raw[24:]) != 1 || raw[32] != 'k' || le.Uint32(raw[33:]) != 4 || le.Uint32(raw[37:]) != 5 {
		t.Fatalf("metadata = % x", raw[24:41])
	}
	// tensor infos: "a" dims [3] type 0 offset 0; "b" dims [1] type 0 offset 32 (aligned)
	p := 41
	readInfo := func() (string, []uint64, uint32, uint64) {
		n := int(le.Uint64(raw[p:]))
		name := string(raw[p+8 : p+8+n])
		p += 8 + n
		nd := int(le.Uint32(raw[p:]))
		p += 4
		dims := make([]uint64, nd)
		for i := range dims {
			dims[i] = le.Uint64(raw[p:])
			p += 8
		}
		typ := le.Uint32(raw[p:])
		off := le.Uint64(raw[p+4:])
		p += 12
		return name, dims, typ, off
	}
	if name, dims, typ, off := readInfo(); name != "a" || !reflect.DeepEqual(dims, []uint64{3}) || typ != 0 || off != 0 {
		t.Fatalf("first tensor info = %q %v %d %d", name, dims, typ, off)
	}
	if name, dims, typ, off := readInfo(); name != "b" || !reflect.DeepEqual(dims, []uint64{1}) || typ != 0 || off != 32 {
		t.Fatalf("second tensor info = %q %v %d %d", name, dims, typ, off)
	}
	start := (p + 31) / 32 * 32
	if math.Float32frombits(le.Uint32(raw[start+8:])) != 3 || math.Float32frombits(le.Uint32(raw[start+32:])) != -2 {
		t.Fatalf("tensor data at %d = % x", start, raw[start:])
	}
	if len(raw)%32 != 0 {
		t.Errorf("file length %d is not padded to the alignment", len(raw))
	}
}

func TestWriteRejects(t *testing.T) {
	tests := []struct {
		name string
		file *File
		want string
	}{
		{"duplicate key", &File{KV: []KV{{Key: "a", Value: "x"}, {Key: "a", Value: "y"}}}, "appears twice"},
		{"unsupported type", &File{KV: []KV{{Key: "a", Value: 3}}}, "unsupported type int"},
		{"nested array", &File{KV: []KV{{Key: "a", Value: [][]string{{"x"}}}}}, "unsupported type"},
		{"short data", &File{Tensors: []Tensor{{Name: "t", Dims: []uint64{2, 2}, Data: []float32{1}}}}, "need 4 floats, data has 1"},
		{"zero dim", &File{Tensors: []Tensor{{Name: "t", Dims: []uint64{0}}}}, "zero dimension"},
		{"no dims", &File{Tensors: []Tensor{{Name: "t"}}}, "1 to 4"},
		{"duplicate tensor", &File{Tensors: []Tensor{{Name: "t", Dims: []uint64{1}, Data: []float32{1}}, {Name: "t", Dims: []uint64{1}, Data: []float32{1}}}}, "appears twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := tc.file.WriteTo(&buf)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("WriteTo error = %v, want one containing %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("WriteTo wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	good := encode(t, sample())
	patch := func(at int, b ...byte) []byte {
		c := bytes.Clone(good)
		copy(c[at:], b)
		return c
	}
	tight := DefaultLimits()
	tight.MaxArrayLen = 2
	tests := []struct {
		name string
		raw  []byte
		lim  Limits
		want string
	}{
		{"empty", nil, DefaultLimits(), "unexpected EOF"},
		{"bad magic", patch(0, 'G', 'G', 'M', 'L'), DefaultLimits(), "not a GGUF file"},
		{"version 2", patch(4, 2), DefaultLimits(), "version 2"},
		{"truncated", good[:len(good)-30], DefaultLimits(), "unexpected EOF"},
		{"too many entries", patch(16, 0xff, 0xff, 0xff), DefaultLimits(), "exceed the limit"},
		{"array limit", good, tight, "exceeds the limit of 2"},
		{"huge string", patch(24, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), DefaultLimits(), "exceeds the limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadLimits(bytes.NewReader(tc.raw), tc.lim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestGetAndTensor(t *testing.T) {
	f := sample()
	if v, ok := f.Get("u32"); !ok || v != uint32(1280) {
		t.Errorf("Get(u32) = %v, %v", v, ok)
	}
	if _, ok := f.Get("missing"); ok {
		t.Error("Get(missing) found something")
	}
	if tt := f.Tensor("mat"); tt == nil || tt.Dims[1] != 3 {
		t.Errorf("Tensor(mat) = %v", tt)
	}
	if f.Tensor("missing") != nil {
		t.Error("Tensor(missing) found something")
	}
}

// FuzzRead checks that Read never panics and that whatever it accepts
// writes back to a file it reads the same way.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	if _, err := sample().WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("GGUF"))
	f.Add([]byte{})
	lim := Limits{MaxStringLen: 1 << 12, MaxArrayLen: 1 << 12, MaxEntries: 64, MaxTensorBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, raw []byte) {
		file, err := ReadLimits(bytes.NewReader(raw), lim)
		if err != nil {
			return
		}
		var once bytes.Buffer
		if _, err := file.WriteTo(&once); err != nil {
			// The reader accepts duplicate keys the writer refuses.
			return
		}
		again, err := ReadLimits(bytes.NewReader(once.Bytes()), lim)
		if err != nil {
			t.Fatalf("cannot read back what was written: %v", err)
		}
		var twice bytes.Buffer
		if _, err := again.WriteTo(&twice); err != nil {
			t.Fatalf("cannot write again: %v", err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatal("write(read(x)) is not stable")
		}
	})
}
