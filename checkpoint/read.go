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

	"github.com/spikecast/spikecast/cpuref"
)

// Read loads a checkpoint written by Write. It refuses, with the reason,
// a file that is not a checkpoint, is from another format version, is
// truncated or has trailing bytes, fails its checksum, holds invalid
// parameters, or holds buffers whose names, types or lengths do not match
// this build's State for those parameters. It allocates no more than the
// buffers the parameters imply, and never more than the file holds.
func Read(path string) (cpuref.Params, *cpuref.State, error) {
	p, st, _, err := ReadWith(path)
	return p, st, err
}

// ReadWith is Read that also returns the file's history section, or nil
// when it has none (a file written without one, or before there were
// sections).
func ReadWith(path string) (cpuref.Params, *cpuref.State, *History, error) {
	// Stat before opening: opening a FIFO would block.
	if fi, err := os.Stat(path); err != nil {
		return cpuref.Params{}, nil, nil, fmt.Errorf("checkpoint: %w", err)
	} else if !fi.Mode().IsRegular() {
		return cpuref.Params{}, nil, nil, fmt.Errorf("checkpoint: %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return cpuref.Params{}, nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return cpuref.Params{}, nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return cpuref.Params{}, nil, nil, fmt.Errorf("checkpoint: %s: not a regular file", path)
	}
	p, st, h, err := DecodeWith(f, fi.Size())
	if err != nil {
		return cpuref.Params{}, nil, nil, fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return p, st, h, nil
}

// Decode reads a checkpoint of size bytes from r; see Read.
func Decode(r io.ReaderAt, size int64) (cpuref.Params, *cpuref.State, error) {
	p, st, _, err := DecodeWith(r, size)
	return p, st, err
}

// DecodeWith is Decode that also returns the history section (nil: none).
func DecodeWith(r io.ReaderAt, size int64) (cpuref.Params, *cpuref.State, *History, error) {
	version, err := verify(r, size)
	if err != nil {
		return cpuref.Params{}, nil, nil, err
	}
	d := &decoder{version: version, r: bufio.NewReaderSize(io.NewSectionReader(r, int64(headerSize), size-int64(headerSize+trailerSize)), chunk),
		left: size - int64(headerSize+trailerSize)}
	p, st, err := d.body()
	if err != nil {
		return cpuref.Params{}, nil, nil, err
	}
	var h *History
	// Optional sections fill the rest of a version 3 file.
	for d.left > 0 && version >= 3 {
		if err := d.section(st.T, &h); err != nil {
			return cpuref.Params{}, nil, nil, err
		}
	}
	if d.left != 0 {
		return cpuref.Params{}, nil, nil, fmt.Errorf("%d unread bytes after the last buffer", d.left)
	}
	return p, st, h, nil
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
	if version < 1 || version > Version {
		return 0, fmt.Errorf("format version %d; this build reads versions 1 to %d", version, Version)
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

// body parses everything between the header and the checksum: the
// parameters, the stimulus and step, then the buffers.
func (d *decoder) body() (cpuref.Params, *cpuref.State, error) {
	p, err := d.params()
	if err != nil {
		return p, nil, err
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
	st, err := d.buffers(p, t)
	return p, st, err
}

// params reads the parameters, by name; those the file lacks take their
// declared defaults.
func (d *decoder) params() (cpuref.Params, error) {
	var p cpuref.Params
	pv := reflect.ValueOf(&p).Elem()
	count := d.u32()
	if d.err == nil && (count > maxParams || int64(count) > d.left) {
		return p, fmt.Errorf("%d parameters declared: corrupt header", count)
	}
	specs := cpuref.ParamSpecs()
	seen := make(map[string]bool, len(specs))
	for range count {
		name := d.str()
		kind := d.u8()
		if d.err != nil {
			return p, d.err
		}
		spec, ok := d.param(name)
		if !ok {
			return p, fmt.Errorf("parameter %q unknown to this build", name)
		}
		if seen[spec.Flag] {
			return p, fmt.Errorf("parameter %q appears twice", name)
		}
		seen[spec.Flag] = true
		v := pv.FieldByName(spec.Field)
		if want := kindOf(v.Kind()); want != kind {
			return p, fmt.Errorf("parameter %s has kind %q, this build's is %q", name, kind, want)
		}
		switch kind {
		case 'i':
			x := int64(d.u64())
			if v.OverflowInt(x) {
				return p, fmt.Errorf("parameter %s = %d overflows %s", name, x, v.Type())
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
				return p, fmt.Errorf("parameter %s: bool byte %d", name, b)
			}
			v.SetBool(b == 1)
		}
	}
	if d.err != nil {
		return p, d.err
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
		return p, fmt.Errorf("invalid parameters: %w", err)
	}
	return p, nil
}

// buffers reads the state's buffers, matched by name: a buffer the file
// lacks must be empty for p.
func (d *decoder) buffers(p cpuref.Params, t int64) (*cpuref.State, error) {
	want := cpuref.Lengths(p)
	// An empty State lists the buffers without allocating any: each is
	// allocated below, once its length is known to be right.
	st := &cpuref.State{N: p.N, T: t}
	fields := st.Fields()
	nb := d.u32()
	if d.err != nil {
		return nil, d.err
	}
	if int64(nb) > int64(len(fields)) {
		return nil, fmt.Errorf("%d buffers, this build's state has %d", nb, len(fields))
	}
	next := 0 // this build's next buffer
	for i := range int(nb) {
		name := d.str()
		typ := d.u8()
		l := d.u64()
		if d.err != nil {
			return nil, d.err
		}
		// Buffers the file lacks are empty for its parameters.
		for next < len(fields) && fields[next].Name != name && want[next] == 0 {
			d.elements(fields[next], 0)
			next++
		}
		if next == len(fields) {
			return nil, fmt.Errorf("buffer %d is %q, which this build's state lacks or holds earlier", i, name)
		}
		f := fields[next]
		next++
		if name != f.Name {
			return nil, fmt.Errorf("buffer %d is %q, this build's is %q", i, name, f.Name)
		}
		if typ != fieldType(f) {
			return nil, fmt.Errorf("buffer %s has element type %d, this build's is %d", name, typ, fieldType(f))
		}
		if l != uint64(want[next-1]) {
			return nil, fmt.Errorf("buffer %s has %d elements, n=%d implies %d", name, l, p.N, want[next-1])
		}
		if l > uint64(d.left/4) {
			return nil, fmt.Errorf("buffer %s: %d elements, only %d bytes left", name, l, d.left)
		}
		d.elements(f, int(l))
		if d.err != nil {
			return nil, d.err
		}
	}
	for ; next < len(fields); next++ {
		if want[next] != 0 {
			return nil, fmt.Errorf("no buffer %s: the parameters imply %d elements", fields[next].Name, want[next])
		}
		d.elements(fields[next], 0)
	}
	return st, nil
}

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
