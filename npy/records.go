package npy

import (
	"fmt"
	"io"
)

// RecordHeaderSize is the room a RecordWriter reserves for its header:
// enough for a dict of a few fields and a count of 20 digits, so the
// final count is written over the first in place.
const RecordHeaderSize = 256

// Seeker is where a RecordWriter writes: a file it appends to, whose
// header it rewrites at the end (an *os.File, or an atomicfile.File).
type Seeker interface {
	io.Writer
	WriteAt(p []byte, off int64) (int, error)
}

// RecordWriter appends fixed-size structured records to a .npy file as
// they come, with bounded memory: the header is written first with a
// count of 0 and RecordHeaderSize bytes of room, and Close rewrites it
// with the final count. Until Close the file reads as an empty array.
type RecordWriter struct {
	w      Seeker
	descr  string
	size   int // bytes a record
	count  int64
	closed bool
}

// NewRecordWriter writes the header of an empty array of records with
// fields, each record size bytes, to w.
func NewRecordWriter(w Seeker, fields []Field, size int) (*RecordWriter, error) {
	r := &RecordWriter{w: w, descr: RecordDescr(fields), size: size}
	h, err := Header(r.descr, []int64{0}, RecordHeaderSize)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(h); err != nil {
		return nil, err
	}
	return r, nil
}

// Write appends whole records (a multiple of the record size in bytes).
func (r *RecordWriter) Write(p []byte) (int, error) {
	if len(p)%r.size != 0 {
		return 0, fmt.Errorf("npy: %d bytes is not a whole number of %d-byte records", len(p), r.size)
	}
	n, err := r.w.Write(p)
	r.count += int64(n / r.size)
	return n, err
}

// Count is the number of records written.
func (r *RecordWriter) Count() int64 { return r.count }

// Close rewrites the header with the count of records written. It does
// not close the underlying writer.
func (r *RecordWriter) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	h, err := Header(r.descr, []int64{r.count}, RecordHeaderSize)
	if err != nil {
		return err
	}
	_, err = r.w.WriteAt(h, 0)
	return err
}
