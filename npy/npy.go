// Package npy writes NumPy's .npy and .npz formats, so what spikecast
// exports opens with numpy.load and nothing else: no pickles, only
// little-endian numbers, structured records and unicode strings. It also
// reads a .npy header (ReadHeader), for -frames.
//
// A .npy file is the magic "\x93NUMPY", a version (1.0), a little-endian
// uint16 header length, an ASCII Python dict literal
// {'descr': …, 'fortran_order': False, 'shape': (…), } padded with
// spaces and a newline so that the data starts at a multiple of 64 bytes,
// then the data in C order. A .npz is a zip of .npy files, one per named
// array (stored, not compressed: numpy reads both, and storing costs no
// CPU time on a large W_out).
package npy

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// magic starts every .npy file.
const magic = "\x93NUMPY"

// preamble is the bytes before the header dict in a version 1.0 file.
const preamble = len(magic) + 2 + 2

// Field is one field of a structured record: a name and a NumPy type
// string ("<u4", "|u1", …).
type Field struct {
	Name  string
	Descr string
}

// Header returns a version 1.0 .npy header for an array of the given
// descr (a NumPy type string such as "<f4", or a structured dtype's
// list literal) and shape, padded to size bytes when size > 0 (so that a
// header written before the count is known can be rewritten in place), or
// to the next multiple of 64 otherwise. It fails when the dict does not
// fit in size.
func Header(descr string, shape []int64, size int) ([]byte, error) {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	sh := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	sh += ")"
	dict := fmt.Sprintf("{'descr': %s, 'fortran_order': False, 'shape': %s, }", descr, sh)
	total := size
	if total <= 0 {
		total = (preamble + len(dict) + 1 + 63) / 64 * 64
	}
	hlen := total - preamble
	if len(dict)+1 > hlen || hlen > math.MaxUint16 {
		return nil, fmt.Errorf("npy: header of %d bytes does not fit in %d", preamble+len(dict)+1, total)
	}
	b := make([]byte, 0, total)
	b = append(b, magic...)
	b = append(b, 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(hlen))
	b = append(b, dict...)
	for len(b) < total-1 {
		b = append(b, ' ')
	}
	return append(b, '\n'), nil
}

// RecordDescr is the descr of a packed structured dtype with fields.
func RecordDescr(fields []Field) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = fmt.Sprintf("('%s', '%s')", f.Name, f.Descr)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Array is one named array of an .npz, or the contents of an .npy. Data
// is []float32, []uint32, []int32, []uint8, []bool, []int64 or, for a 0-d
// unicode array, a string; its length is the product of Shape (an empty
// Shape is a 0-d array of one element).
type Array struct {
	Name  string
	Shape []int64
	Data  any
}

// descr returns the NumPy type string and the element count of a's data.
func (a Array) descr() (string, int, error) {
	switch d := a.Data.(type) {
	case []float32:
		return "'<f4'", len(d), nil
	case []uint32:
		return "'<u4'", len(d), nil
	case []int32:
		return "'<i4'", len(d), nil
	case []uint8:
		return "'|u1'", len(d), nil
	case []bool:
		return "'|b1'", len(d), nil
	case []int64:
		return "'<i8'", len(d), nil
	case string:
		if !utf8.ValidString(d) {
			return "", 0, fmt.Errorf("npy: %s: not UTF-8", a.Name)
		}
		return fmt.Sprintf("'<U%d'", max(utf8.RuneCountInString(d), 1)), 1, nil
	}
	return "", 0, fmt.Errorf("npy: %s: unsupported data %T", a.Name, a.Data)
}

// WriteNPY writes a as a .npy file to w.
func WriteNPY(w io.Writer, a Array) error {
	descr, n, err := a.descr()
	if err != nil {
		return err
	}
	want := int64(1)
	for _, d := range a.Shape {
		want *= d
	}
	if want != int64(n) {
		return fmt.Errorf("npy: %s: %d elements for shape %v", a.Name, n, a.Shape)
	}
	h, err := Header(descr, a.Shape, 0)
	if err != nil {
		return err
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	return writeData(w, a.Data)
}

// writeData writes data little-endian, a block at a time.
func writeData(w io.Writer, data any) error {
	const block = 1 << 14
	buf := make([]byte, 0, 8*block)
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	switch d := data.(type) {
	case []float32:
		for i, v := range d {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if i%block == block-1 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	case []uint32:
		for i, v := range d {
			buf = binary.LittleEndian.AppendUint32(buf, v)
			if i%block == block-1 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	case []int32:
		for i, v := range d {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(v))
			if i%block == block-1 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	case []int64:
		for _, v := range d {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
		}
	case []uint8:
		_, err := w.Write(d)
		return err
	case []bool:
		for i, v := range d {
			b := byte(0)
			if v {
				b = 1
			}
			buf = append(buf, b)
			if i%block == block-1 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	case string:
		// <U: UTF-32LE code points, padded to the declared width (≥ 1).
		for _, r := range d {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(r))
		}
		if d == "" {
			buf = binary.LittleEndian.AppendUint32(buf, 0)
		}
	}
	return flush()
}

// WriteNPZ writes arrays to w as an .npz: a zip holding <name>.npy for
// each, stored uncompressed (zip64 where an array needs it).
func WriteNPZ(w io.Writer, arrays []Array) error {
	z := zip.NewWriter(w)
	seen := map[string]bool{}
	for _, a := range arrays {
		if a.Name == "" || seen[a.Name] || strings.ContainsAny(a.Name, "/\\") {
			return fmt.Errorf("npy: bad or repeated array name %q", a.Name)
		}
		seen[a.Name] = true
		f, err := z.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store})
		if err != nil {
			return err
		}
		if err := WriteNPY(f, a); err != nil {
			return err
		}
	}
	return z.Close()
}
