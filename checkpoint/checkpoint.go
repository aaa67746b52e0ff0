// Package checkpoint saves and restores the whole state of a network: its
// parameters, its step count and every buffer of cpuref.State, in a
// versioned, checksummed binary file.
//
// A checkpoint holds everything a run depends on. All randomness is
// counter-based on (seed, stream, step, index), so the step count T is
// also the generator's position: a run resumed from a checkpoint taken at
// step t continues bit for bit as if it had never stopped, on either
// backend. Nothing in the file depends on the time, the host or the
// backend, so the same state always gives the same bytes.
//
// # Format (version 2)
//
// Every integer is little-endian; a string is a uint8 length and that
// many bytes.
//
//	magic    8 bytes   "SPKCKPT\n"
//	version  uint32    2
//	size     uint64    bytes in the whole file, checksum included
//	params   uint32    count, then per parameter of cpuref.Params, in
//	                   declaration order: its flag (string; version 1:
//	                   its Go field), kind (uint8: 'i'
//	                   int as int64, 'u' uint32, 'f' float32 as its bits,
//	                   's' string, 'b' bool as one byte), value. A
//	                   parameter the file lacks (one added to
//	                   Params after it was written) takes its
//	                   declared default, which is what the build
//	                   that wrote it did
//	env      string    the stimulus (Params.Env again, so that a reader
//	                   that knows nothing of Params still finds it)
//	T        int64     steps taken
//	buffers  uint32    count, then per buffer of State.Fields(), in order:
//	                   name (string), type (uint8: 1 float32, 2 uint32,
//	                   3 int32), length (uint64, elements), the elements
//	crc      uint32    CRC-32C (Castagnoli) of every byte before it
//
// Read checks the magic, the version, the size against the file's, and
// the checksum before it parses anything; then it checks every length
// against the one the parameters imply, and against the bytes left,
// before it allocates.
package checkpoint

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"reflect"

	"github.com/spikecast/spikecast/atomicfile"
	"github.com/spikecast/spikecast/cpuref"
)

// Magic opens every checkpoint file. The newline catches a file that went
// through a text-mode transfer, as PNG's signature does.
const Magic = "SPKCKPT\n"

// Version is the format version this build writes. It also reads
// version 1, whose parameters are named by their Go fields (see
// v1Names) rather than by their flags.
const Version = 2

// Element types of a buffer.
const (
	typeF32 = 1
	typeU32 = 2
	typeI32 = 3
)

const (
	headerSize  = len(Magic) + 4 + 8 // magic, version, size
	trailerSize = 4                  // CRC-32C
	maxParams   = 256                // a sanity bound on the field count
	chunk       = 1 << 16            // bytes decoded at a time
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Write saves p and st to path atomically: it writes a temporary file in
// the same directory, syncs it and renames it over path, so path holds
// either the old file or the complete new one, never a part.
func Write(path string, p cpuref.Params, st *cpuref.State) error {
	if err := check(p, st); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := Encode(f, p, st); err != nil {
		f.Discard()
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Encode writes the checkpoint of p and st to w.
func Encode(w io.Writer, p cpuref.Params, st *cpuref.State) error {
	if err := check(p, st); err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	e := &encoder{w: io.MultiWriter(w, crc)}
	fields := st.Fields()
	size := int64(headerSize + trailerSize)
	pf, err := paramFields(p)
	if err != nil {
		return err
	}
	size += 4
	for _, f := range pf {
		size += int64(1+len(f.name)) + 1 + int64(f.size())
	}
	size += int64(1+len(p.Env)) + 8 + 4
	for _, f := range fields {
		size += int64(1+len(f.Name)) + 1 + 8 + 4*int64(fieldLen(f))
	}

	e.bytes([]byte(Magic))
	e.u32(Version)
	e.u64(uint64(size))
	e.u32(uint32(len(pf)))
	for _, f := range pf {
		e.str(f.name)
		e.u8(f.kind)
		switch f.kind {
		case 'i':
			e.u64(uint64(f.v.Int()))
		case 'u':
			e.u32(uint32(f.v.Uint()))
		case 'f':
			e.u32(math.Float32bits(float32(f.v.Float())))
		case 's':
			e.str(f.v.String())
		case 'b':
			b := uint8(0)
			if f.v.Bool() {
				b = 1
			}
			e.u8(b)
		}
	}
	e.str(string(p.Env))
	e.u64(uint64(st.T))
	e.u32(uint32(len(fields)))
	for _, f := range fields {
		e.str(f.Name)
		e.u8(fieldType(f))
		e.u64(uint64(fieldLen(f)))
		e.elements(f)
	}
	if e.err != nil {
		return e.err
	}
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], crc.Sum32())
	if _, err := w.Write(sum[:]); err != nil {
		return err
	}
	if e.n+trailerSize != size {
		// A size computed apart from the bytes written: if they ever
		// disagree, every file this build writes would be refused.
		return fmt.Errorf("wrote %d bytes, header declares %d", e.n+trailerSize, size)
	}
	return nil
}

// check refuses to write a state that Read would refuse.
func check(p cpuref.Params, st *cpuref.State) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("invalid parameters: %w", err)
	}
	if st == nil {
		return errors.New("no state")
	}
	if st.N != p.N {
		return fmt.Errorf("state is for n=%d, parameters for n=%d", st.N, p.N)
	}
	if st.T < 0 {
		return fmt.Errorf("negative step count %d", st.T)
	}
	want := cpuref.Lengths(p)
	for i, f := range st.Fields() {
		if len(f.Name) == 0 || len(f.Name) > 255 {
			return fmt.Errorf("buffer name %q: want 1 to 255 bytes", f.Name)
		}
		if fieldType(f) == 0 {
			return fmt.Errorf("buffer %s has no slice", f.Name)
		}
		if l := int64(fieldLen(f)); l != want[i] {
			return fmt.Errorf("buffer %s has %d elements, n=%d implies %d", f.Name, l, p.N, want[i])
		}
	}
	return nil
}

// Read loads a checkpoint written by Write. It refuses, with the reason,
// a file that is not a checkpoint, is from another format version, is
// truncated or has trailing bytes, fails its checksum, holds invalid
// parameters, or holds buffers whose names, types or lengths do not match
// this build's State for those parameters. It allocates no more than the
// buffers the parameters imply, and never more than the file holds.
func Read(path string) (cpuref.Params, *cpuref.State, error) {
	// Stat before opening: opening a FIFO would block.
	if fi, err := os.Stat(path); err != nil {
		return cpuref.Params{}, nil, fmt.Errorf("checkpoint: %w", err)
	} else if !fi.Mode().IsRegular() {
		return cpuref.Params{}, nil, fmt.Errorf("checkpoint: %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return cpuref.Params{}, nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return cpuref.Params{}, nil, fmt.Errorf("checkpoint: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return cpuref.Params{}, nil, fmt.Errorf("checkpoint: %s: not a regular file", path)
	}
	p, st, err := Decode(f, fi.Size())
	if err != nil {
		return cpuref.Params{}, nil, fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return p, st, nil
}

// Decode reads a checkpoint of size bytes from r; see Read.
func Decode(r io.ReaderAt, size int64) (cpuref.Params, *cpuref.State, error) {
	version, err := verify(r, size)
	if err != nil {
		return cpuref.Params{}, nil, err
	}
	d := &decoder{version: version, r: bufio.NewReaderSize(io.NewSectionReader(r, int64(headerSize), size-int64(headerSize+trailerSize)), chunk),
		left: size - int64(headerSize+trailerSize)}
	p, st, err := d.body()
	if err != nil {
		return cpuref.Params{}, nil, err
	}
	return p, st, nil
}

// verify checks the header and the checksum, streaming the file once
// without holding it.
func verify(r io.ReaderAt, size int64) (version uint32, err error) {
	var h [headerSize]byte
	if size < 0 {
		return 0, fmt.Errorf("negative size %d", size)
	}
	if size < int64(len(Magic)) {
		if _, err := r.ReadAt(h[:size], 0); err == nil && string(h[:size]) == Magic[:size] {
			return 0, fmt.Errorf("truncated: %d bytes, shorter than the header", size)
		}
		return 0, errors.New("not a spikecast checkpoint (no magic)")
	}
	if _, err := r.ReadAt(h[:len(Magic)], 0); err != nil {
		return 0, err
	}
	if string(h[:len(Magic)]) != Magic {
		return 0, errors.New("not a spikecast checkpoint (no magic)")
	}
	if size < int64(headerSize) {
		return 0, fmt.Errorf("truncated: %d bytes, shorter than the header", size)
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return 0, err
	}
	version = binary.LittleEndian.Uint32(h[len(Magic):])
	if version != 1 && version != Version {
		return 0, fmt.Errorf("format version %d; this build reads versions 1 and %d", version, Version)
	}
	declared := binary.LittleEndian.Uint64(h[len(Magic)+4:])
	switch {
	case uint64(size) < declared:
		return 0, fmt.Errorf("truncated: %d bytes of the %d the header declares", size, declared)
	case uint64(size) > declared:
		return 0, fmt.Errorf("%d bytes, %d more than the header declares", size, uint64(size)-declared)
	case size < int64(headerSize+trailerSize):
		return 0, fmt.Errorf("truncated: %d bytes, shorter than header and checksum", size)
	}
	crc := crc32.New(castagnoli)
	if _, err := io.Copy(crc, io.NewSectionReader(r, 0, size-trailerSize)); err != nil {
		return 0, err
	}
	var sum [trailerSize]byte
	if _, err := r.ReadAt(sum[:], size-trailerSize); err != nil {
		return 0, err
	}
	if got, want := crc.Sum32(), binary.LittleEndian.Uint32(sum[:]); got != want {
		return 0, fmt.Errorf("corrupted: checksum mismatch (CRC-32C of the contents %08x, stored %08x)", got, want)
	}
	return version, nil
}

// body parses everything between the header and the checksum.
func (d *decoder) body() (cpuref.Params, *cpuref.State, error) {
	var p cpuref.Params
	pv := reflect.ValueOf(&p).Elem()
	count := d.u32()
	if d.err == nil && (count > maxParams || int64(count) > d.left) {
		return p, nil, fmt.Errorf("%d parameters declared: corrupt header", count)
	}
	specs := cpuref.ParamSpecs()
	seen := make(map[string]bool, len(specs))
	for range count {
		name := d.str()
		kind := d.u8()
		if d.err != nil {
			return p, nil, d.err
		}
		spec, ok := d.param(name)
		if !ok {
			return p, nil, fmt.Errorf("parameter %q unknown to this build", name)
		}
		if seen[spec.Flag] {
			return p, nil, fmt.Errorf("parameter %q appears twice", name)
		}
		seen[spec.Flag] = true
		v := pv.FieldByName(spec.Field)
		if want := kindOf(v.Kind()); want != kind {
			return p, nil, fmt.Errorf("parameter %s has kind %q, this build's is %q", name, kind, want)
		}
		switch kind {
		case 'i':
			x := int64(d.u64())
			if v.OverflowInt(x) {
				return p, nil, fmt.Errorf("parameter %s = %d overflows %s", name, x, v.Type())
			}
			v.SetInt(x)
		case 'u':
			v.SetUint(uint64(d.u32()))
		case 'f':
			v.SetFloat(float64(math.Float32frombits(d.u32())))
		case 's':
			v.SetString(d.str())
		case 'b':
			b := d.u8()
			if b > 1 {
				return p, nil, fmt.Errorf("parameter %s: bool byte %d", name, b)
			}
			v.SetBool(b == 1)
		}
	}
	if d.err != nil {
		return p, nil, d.err
	}
	defaults := reflect.ValueOf(cpuref.Defaults())
	for _, spec := range specs {
		if !seen[spec.Flag] {
			// A file from before the parameter existed: its default is
			// what that build did.
			pv.FieldByName(spec.Field).Set(defaults.FieldByName(spec.Field))
		}
	}
	if err := p.Validate(); err != nil {
		return p, nil, fmt.Errorf("invalid parameters: %w", err)
	}
	env := d.str()
	t := int64(d.u64())
	if d.err != nil {
		return p, nil, d.err
	}
	if env != string(p.Env) {
		return p, nil, fmt.Errorf("stimulus %q, but parameter Env is %q", env, p.Env)
	}
	if t < 0 {
		return p, nil, fmt.Errorf("negative step count %d", t)
	}

	want := cpuref.Lengths(p)
	// An empty State lists the buffers without allocating any: each is
	// allocated below, once its length is known to be right.
	st := &cpuref.State{N: p.N, T: t}
	fields := st.Fields()
	nb := d.u32()
	if d.err != nil {
		return p, nil, d.err
	}
	if int(nb) != len(fields) {
		return p, nil, fmt.Errorf("%d buffers, this build's state has %d", nb, len(fields))
	}
	for i, f := range fields {
		name := d.str()
		typ := d.u8()
		l := d.u64()
		if d.err != nil {
			return p, nil, d.err
		}
		if name != f.Name {
			return p, nil, fmt.Errorf("buffer %d is %q, this build's is %q", i, name, f.Name)
		}
		if typ != fieldType(f) {
			return p, nil, fmt.Errorf("buffer %s has element type %d, this build's is %d", name, typ, fieldType(f))
		}
		if l != uint64(want[i]) {
			return p, nil, fmt.Errorf("buffer %s has %d elements, n=%d implies %d", name, l, p.N, want[i])
		}
		if l > uint64(d.left/4) {
			return p, nil, fmt.Errorf("buffer %s: %d elements, only %d bytes left", name, l, d.left)
		}
		d.elements(f, int(l))
		if d.err != nil {
			return p, nil, d.err
		}
	}
	if d.left != 0 {
		return p, nil, fmt.Errorf("%d unread bytes after the last buffer", d.left)
	}
	return p, st, nil
}

// paramField is one field of cpuref.Params as the file stores it.
type paramField struct {
	name string
	kind uint8
	v    reflect.Value
}

func (f paramField) size() int {
	switch f.kind {
	case 'i':
		return 8
	case 'u', 'f':
		return 4
	case 's':
		return 1 + f.v.Len()
	}
	return 1
}

// paramFields lists p's parameters in declaration order, named by their
// flags: every parameter is stored, so one added to Params is saved
// without a change here.
func paramFields(p cpuref.Params) ([]paramField, error) {
	v := reflect.ValueOf(p)
	var out []paramField
	for _, spec := range cpuref.ParamSpecs() {
		fv := v.FieldByName(spec.Field)
		k := kindOf(fv.Kind())
		if k == 0 {
			return nil, fmt.Errorf("parameter %s: cannot store a %s", spec.Flag, fv.Type())
		}
		if k == 's' && fv.Len() > 255 {
			return nil, fmt.Errorf("parameter %s: string longer than 255 bytes", spec.Flag)
		}
		out = append(out, paramField{spec.Flag, k, fv})
	}
	return out, nil
}

// v1Names maps the Go field names of version 1 files that have since
// been renamed to their flags.
var v1Names = map[string]string{"WOut": "wout"}

// param finds the parameter a file names: by flag, or in a version 1
// file by Go field.
func (d *decoder) param(name string) (cpuref.ParamSpec, bool) {
	if d.version >= 2 {
		return cpuref.ParamByFlag(name)
	}
	if flag, ok := v1Names[name]; ok {
		return cpuref.ParamByFlag(flag)
	}
	for _, s := range cpuref.ParamSpecs() {
		if s.Field == name {
			return s, true
		}
	}
	return cpuref.ParamSpec{}, false
}

func kindOf(k reflect.Kind) uint8 {
	switch k {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return 'i'
	case reflect.Uint32:
		return 'u'
	case reflect.Float32:
		return 'f'
	case reflect.String:
		return 's'
	case reflect.Bool:
		return 'b'
	}
	return 0
}

func fieldType(f cpuref.Field) uint8 {
	switch {
	case f.F32 != nil:
		return typeF32
	case f.U32 != nil:
		return typeU32
	case f.I32 != nil:
		return typeI32
	}
	return 0
}

func fieldLen(f cpuref.Field) int {
	switch {
	case f.F32 != nil:
		return len(*f.F32)
	case f.U32 != nil:
		return len(*f.U32)
	case f.I32 != nil:
		return len(*f.I32)
	}
	return 0
}

// encoder writes little-endian values and remembers the first error.
type encoder struct {
	w       io.Writer
	n       int64
	err     error
	scratch [chunk]byte
}

func (e *encoder) bytes(b []byte) {
	if e.err != nil {
		return
	}
	n, err := e.w.Write(b)
	e.n += int64(n)
	e.err = err
}

func (e *encoder) u8(v uint8) { e.bytes([]byte{v}) }
func (e *encoder) u32(v uint32) {
	e.bytes(binary.LittleEndian.AppendUint32(e.scratch[:0], v))
}
func (e *encoder) u64(v uint64) {
	e.bytes(binary.LittleEndian.AppendUint64(e.scratch[:0], v))
}
func (e *encoder) str(s string) {
	e.u8(uint8(len(s)))
	e.bytes([]byte(s))
}

// elements writes a buffer's elements, chunk by chunk.
func (e *encoder) elements(f cpuref.Field) {
	n := fieldLen(f)
	for i := 0; i < n && e.err == nil; {
		k := min(n-i, chunk/4)
		b := e.scratch[:4*k]
		for j := range k {
			var w uint32
			switch {
			case f.F32 != nil:
				w = math.Float32bits((*f.F32)[i+j])
			case f.U32 != nil:
				w = (*f.U32)[i+j]
			default:
				w = uint32((*f.I32)[i+j])
			}
			binary.LittleEndian.PutUint32(b[4*j:], w)
		}
		e.bytes(b)
		i += k
	}
}

// decoder reads little-endian values from the body, counting the bytes
// left so that no length read from the file is trusted beyond them; it
// remembers the first error.
type decoder struct {
	version uint32
	r       *bufio.Reader
	left    int64
	err     error
	scratch [chunk]byte
}

var errShort = errors.New("truncated: a field runs past the end of the contents")

func (d *decoder) read(n int) []byte {
	if d.err != nil {
		return nil
	}
	if int64(n) > d.left {
		d.err = errShort
		return nil
	}
	b := d.scratch[:n]
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.err = err
		return nil
	}
	d.left -= int64(n)
	return b
}

func (d *decoder) u8() uint8 {
	if b := d.read(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.read(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.read(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) str() string {
	n := d.u8()
	if b := d.read(int(n)); b != nil {
		return string(b)
	}
	return ""
}

// elements allocates f's slice of n elements (n already bounded by the
// bytes left) and fills it.
func (d *decoder) elements(f cpuref.Field, n int) {
	switch {
	case f.F32 != nil:
		*f.F32 = make([]float32, n)
	case f.U32 != nil:
		*f.U32 = make([]uint32, n)
	default:
		*f.I32 = make([]int32, n)
	}
	for i := 0; i < n && d.err == nil; {
		k := min(n-i, chunk/4)
		b := d.read(4 * k)
		for j := 0; j < k && b != nil; j++ {
			w := binary.LittleEndian.Uint32(b[4*j:])
			switch {
			case f.F32 != nil:
				(*f.F32)[i+j] = math.Float32frombits(w)
			case f.U32 != nil:
				(*f.U32)[i+j] = w
			default:
				(*f.I32)[i+j] = int32(w)
			}
		}
		i += k
	}
}
