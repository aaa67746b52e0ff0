package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestHeaderFormat(t *testing.T) {
	h, err := Header("'<f4'", []int64{3, 4}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(h)%64 != 0 {
		t.Errorf("header is %d bytes, want a multiple of 64", len(h))
	}
	if !bytes.HasPrefix(h, []byte("\x93NUMPY\x01\x00")) {
		t.Errorf("magic and version: %q", h[:8])
	}
	if got := int(binary.LittleEndian.Uint16(h[8:10])); got != len(h)-10 {
		t.Errorf("header length %d, want %d", got, len(h)-10)
	}
	want := "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"
	if !strings.HasPrefix(string(h[10:]), want) || h[len(h)-1] != '\n' {
		t.Errorf("dict %q, want %q padded and ending in a newline", h[10:], want)
	}
	if h1, _ := Header("'<u4'", []int64{7}, 0); !bytes.Contains(h1, []byte("'shape': (7,)")) {
		t.Errorf("1-d shape: %q", h1)
	}
	if h0, _ := Header("'<U3'", nil, 0); !bytes.Contains(h0, []byte("'shape': ()")) {
		t.Errorf("0-d shape: %q", h0)
	}
	if _, err := Header("'<f4'", []int64{1}, 32); err == nil {
		t.Error("a header larger than its room was accepted")
	}
}

// memFile is an in-memory Seeker.
type memFile struct{ b []byte }

func (m *memFile) Write(p []byte) (int, error) { m.b = append(m.b, p...); return len(p), nil }
func (m *memFile) WriteAt(p []byte, off int64) (int, error) {
	copy(m.b[off:], p)
	return len(p), nil
}

func TestRecordWriterRewritesCount(t *testing.T) {
	var m memFile
	fields := []Field{{"step", "<u4"}, {"layer", "|u1"}, {"cell", "<u4"}}
	r, err := NewRecordWriter(&m, fields, 9)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.b) != RecordHeaderSize {
		t.Fatalf("header is %d bytes, want %d", len(m.b), RecordHeaderSize)
	}
	if !bytes.Contains(m.b, []byte("'shape': (0,)")) {
		t.Errorf("open file does not read as empty: %q", m.b)
	}
	rec := make([]byte, 18)
	if _, err := r.Write(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Write(rec[:5]); err == nil {
		t.Error("a partial record was accepted")
	}
	// A count as wide as it gets still fits the room.
	r.count = 1<<63 - 1
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2, _ := NewRecordWriter(&m, fields, 9)
	r2.Write(rec)
	r2.Write(rec)
	var m2 memFile
	r3, _ := NewRecordWriter(&m2, fields, 9)
	r3.Write(rec)
	r3.Write(rec)
	if err := r3.Close(); err != nil {
		t.Fatal(err)
	}
	h := string(m2.b[:RecordHeaderSize])
	want := "{'descr': [('step', '<u4'), ('layer', '|u1'), ('cell', '<u4')], 'fortran_order': False, 'shape': (4,), }"
	if !strings.HasPrefix(h[10:], want) || len(m2.b) != RecordHeaderSize+36 {
		t.Errorf("closed file: header %q, %d bytes", h, len(m2.b))
	}
}

func TestNPZHoldsEveryArray(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.npz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	arrays := []Array{
		{"v", []int64{2, 2}, []float32{1, 2, 3, 4}},
		{"s", []int64{2, 2}, []uint32{0, 1, 0, 1}},
		{"err", []int64{4}, []int32{-1, 0, 1, 0}},
		{"meta", nil, `{"step":3,"µ":"ü"}`},
	}
	if err := WriteNPZ(f, arrays); err != nil {
		t.Fatal(err)
	}
	f.Close()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var names []string
	for _, e := range z.File {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "v.npy,s.npy,err.npy,meta.npy" {
		t.Errorf("entries %v", names)
	}
	if err := WriteNPZ(&bytes.Buffer{}, []Array{{"v", []int64{3}, []float32{1}}}); err == nil {
		t.Error("data of the wrong length for its shape was accepted")
	}
	if err := WriteNPZ(&bytes.Buffer{}, []Array{{"v", nil, "a"}, {"v", nil, "b"}}); err == nil {
		t.Error("a repeated name was accepted")
	}
}

// python runs script under /usr/bin/python3 with NumPy and returns its
// output. Without NumPy the test fails (make setup installs
// python3-numpy); SPIKECAST_SKIP_NUMPY=1 turns that into a loud skip.
func python(t *testing.T, script string, args ...string) string {
	t.Helper()
	if os.Getenv("SPIKECAST_SKIP_NUMPY") == "1" {
		t.Skip("SPIKECAST_SKIP_NUMPY=1: not reading the files with NumPy")
	}
	cmd := exec.Command("/usr/bin/python3", append([]string{"-c", script}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 with numpy (apt-get install python3-numpy, or SPIKECAST_SKIP_NUMPY=1 to skip): %v\n%s", err, out)
	}
	return string(out)
}

func TestNumPyReadsWhatWeWrite(t *testing.T) {
	dir := t.TempDir()
	npz := filepath.Join(dir, "a.npz")
	f, _ := os.Create(npz)
	if err := WriteNPZ(f, []Array{
		{"v", []int64{2, 3}, []float32{1, 2, 3, 4, 5, 6.5}},
		{"err", []int64{2}, []int32{-1, 1}},
		{"empty", []int64{0}, []float32{}},
		{"meta", nil, `{"µ":1}`},
	}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var m memFile
	r, _ := NewRecordWriter(&m, []Field{{"step", "<u4"}, {"layer", "|u1"}, {"cell", "<u4"}}, 9)
	rec := []byte{7, 0, 0, 0, 2, 9, 0, 0, 0}
	r.Write(rec)
	r.Write(rec)
	r.Close()
	rec2 := filepath.Join(dir, "r.npy")
	os.WriteFile(rec2, m.b, 0o644)
	out := python(t, `
import sys, json, numpy as np
z = np.load(sys.argv[1])
print(z["v"].dtype, z["v"].shape, z["v"][1, 2], z["err"].tolist(), z["empty"].shape, json.loads(str(z["meta"]))["µ"])
r = np.load(sys.argv[2])
print(r.dtype.names, r.shape, r["step"].tolist(), r["layer"].tolist(), r["cell"].tolist(), r.dtype.itemsize)
`, npz, rec2)
	want := "float32 (2, 3) 6.5 [-1, 1] (0,) 1\n('step', 'layer', 'cell') (2,) [7, 7] [2, 2] [9, 9] 9\n"
	if out != want {
		t.Errorf("numpy read\n%s\nwant\n%s", out, want)
	}
}
