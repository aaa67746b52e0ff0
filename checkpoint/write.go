package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/spikecast/spikecast/atomicfile"
	"github.com/spikecast/spikecast/cpuref"
)

// Write saves p and st to path atomically: it writes a temporary file in
// the same directory, syncs it and renames it over path, so path holds
// either the old file or the complete new one, never a part.
func Write(path string, p cpuref.Params, st *cpuref.State) error {
	return WriteWith(path, p, st, nil)
}

// WriteWith is Write with the run's learning curve h (nil: none) in the
// file's history section.
func WriteWith(path string, p cpuref.Params, st *cpuref.State, h *History) error {
	if err := check(p, st, h); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := EncodeWith(f, p, st, h); err != nil {
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
	return EncodeWith(w, p, st, nil)
}

// EncodeWith writes the checkpoint of p and st, with the history h (nil:
// none), to w.
func EncodeWith(w io.Writer, p cpuref.Params, st *cpuref.State, h *History) error {
	if err := check(p, st, h); err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	e := &encoder{w: io.MultiWriter(w, crc)}
	// Empty buffers are not stored: a reader knows them from the
	// parameters.
	var fields []cpuref.Field
	for _, f := range st.Fields() {
		if fieldLen(f) > 0 {
			fields = append(fields, f)
		}
	}
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
	if h != nil {
		size += int64(1+len(historySection)) + 8 + historySize(h)
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
	if h != nil {
		e.str(historySection)
		e.u64(uint64(historySize(h)))
		e.history(h)
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
func check(p cpuref.Params, st *cpuref.State, h *History) error {
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
	if h != nil {
		return checkHistory(h, st.T)
	}
	return nil
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
