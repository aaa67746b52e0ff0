package npy

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzReadHeader: any bytes are a header or an error, never a panic, and
// a header never claims more than it read; every header Header writes
// reads back as written.
func FuzzReadHeader(f *testing.F) {
	for _, shape := range []string{"", "\x07", "\x03\x04\x05"} {
		h, _ := Header("'|u1'", shapeOf([]byte(shape)), 0)
		f.Add(h, []byte(shape))
	}
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'descr': '<f4'}"), []byte{1})
	f.Add([]byte("\x93NUMPY\x01\x00\xff\xff"), []byte{})
	f.Fuzz(func(t *testing.T, data, dims []byte) {
		r := bytes.NewReader(data)
		h, err := ReadHeader(r)
		if err == nil {
			if read := int64(len(data)) - int64(r.Len()); read != h.Data {
				t.Fatalf("data at %d, but %d bytes were read", h.Data, read)
			}
			for _, d := range h.Shape {
				if d < 0 {
					t.Fatalf("negative dimension in %v", h.Shape)
				}
			}
		}
		shape := shapeOf(dims)
		w, err := Header("'<f4'", shape, 0)
		if err != nil {
			return // too long a shape for a version 1 header
		}
		back, err := ReadHeader(bytes.NewReader(w))
		if err != nil || back.Descr != "<f4" || back.Fortran || !slices.Equal(back.Shape, shape) && len(shape)+len(back.Shape) > 0 || back.Data != int64(len(w)) {
			t.Fatalf("Header(%v) = %q reads back as %+v, %v", shape, w, back, err)
		}
	})
}

// shapeOf makes a shape of a dimension a byte, each scaled up so that
// long numbers are written too.
func shapeOf(dims []byte) []int64 {
	var s []int64
	for _, d := range dims {
		s = append(s, int64(d)<<(d%41))
	}
	return s
}
