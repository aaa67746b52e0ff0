package gpu

import (
	"fmt"
	"strings"
	"sync"

	"github.com/spikecast/spikecast/cpuref"
)

// Buffer names one of the simulation's shader storage buffers. Its value
// is also the binding point the compute passes use for it.
//
// The buffers are not listed here: they come from the gpu tags of
// cpuref.State's fields, one storage buffer per form a field is stored
// in (see cpuref/state.go), in field order. Real-valued ones have the
// layout of their State field; binary ones are bit sets (see
// common.glsl), which ReadInto unpacks.
type Buffer int

// bufferSpec is one storage buffer, derived from a State field.
type bufferSpec struct {
	glsl  string // its array's name in GLSL, e.g. "bitsPrev"
	form  string // floats, words, plainbits, spikebits or prev
	field int    // index in cpuref.Buffers()
	name  string // for messages: the State field, or the bit set's name
}

var buffersOnce = sync.OnceValue(func() []bufferSpec {
	var out []bufferSpec
	for i, b := range cpuref.Buffers() {
		for _, f := range b.GPU {
			name := b.Name
			if f.Form == "spikebits" || f.Form == "prev" {
				name = strings.ToUpper(f.GLSL[:1]) + f.GLSL[1:]
			}
			out = append(out, bufferSpec{glsl: f.GLSL, form: f.Form, field: i, name: name})
		}
	}
	return out
})

// buffers lists the simulation's storage buffers; a Buffer indexes it.
func buffers() []bufferSpec { return buffersOnce() }

// numBuffers is how many storage buffers the simulation has.
func numBuffers() int { return len(buffers()) }

// bufferNamed returns the buffer whose GLSL array is glsl. The step names
// a few buffers it treats apart (bit sets it clears, the ring); a name
// that is not in the table is a programming error every test catches.
func bufferNamed(glsl string) Buffer {
	for i, b := range buffers() {
		if b.glsl == glsl {
			return Buffer(i)
		}
	}
	panic(fmt.Sprintf("gpu: no storage buffer %q in cpuref.State's gpu tags", glsl))
}

// The buffers the step and the renderers name.
var (
	BufX        = bufferNamed("x")
	BufY        = bufferNamed("y")
	BufYHat     = bufferNamed("yhat")
	BufRing     = bufferNamed("ring")
	BufBits     = bufferNamed("bits")     // s(t): cpuref.State.S after the step
	BufBitsPrev = bufferNamed("bitsPrev") // s(t−1)
	BufBits2    = bufferNamed("bits2")    // s₂(t)
	BufXPrev    = bufferNamed("xPrev")    // X(t−1), with -direct 2
)

// FirstFreeBinding is the first storage binding point the simulation does
// not use, for renderers' own buffers. (The frame source's buffer,
// BindFrames, comes right after the State's, then a batch's rectangles,
// bindStep.)
var FirstFreeBinding = numBuffers() + 3

func (b Buffer) String() string { return buffers()[b].name }

// macro is the buffer's name in #defines: B_<NAME> is its binding point
// and USE_<NAME> declares it.
func (b bufferSpec) macro() string { return strings.ToUpper(b.glsl) }

// bufferDeclarations returns the GLSL declaration of every storage buffer,
// each inside #ifdef USE_<NAME>: GL promises only 16 storage blocks a
// shader, so a pass declares only those its "// uses:" line names.
func bufferDeclarations() string {
	var b strings.Builder
	for _, s := range buffers() {
		typ := "uint"
		if s.form == "floats" {
			typ = "float"
		}
		block := strings.ToUpper(s.glsl[:1]) + s.glsl[1:] + "Buf"
		fmt.Fprintf(&b, "#ifdef USE_%s\nlayout(std430, binding = B_%s) buffer %s { %s %s[]; };\n#endif\n",
			s.macro(), s.macro(), block, typ, s.glsl)
	}
	return b.String()
}

// bytes returns the size of the buffer for p.
func (b bufferSpec) bytes(p cpuref.Params) int64 {
	spec := cpuref.Buffers()[b.field]
	switch b.form {
	case "plainbits":
		return int64(spec.PerCell(p)) * int64(cpuref.PlainWords(p.N)) * 4
	case "spikebits", "prev":
		return int64(spec.PerCell(p)) * int64(bitWords(p.N)) * 4
	}
	return spec.Len(p) * 4
}

// BytesFor returns the GPU memory the simulation's buffers take for p.
func BytesFor(p cpuref.Params) int64 {
	var sum int64
	for _, b := range buffers() {
		sum += b.bytes(p)
	}
	return sum
}

// weightSlots gives the floats a pixel holds in each synapse buffer that
// can be bound a band of rows at a time. A pixel's weights are its own
// (only its invocation touches them), so a dispatch over a band of rows
// needs only the band's part of each. The buffers indexed by hidden
// cell (planeMajor) are among them only with one cell a pixel: with K
// planes a band's cells lie in K places, so those are bound whole.
func weightSlots(p cpuref.Params) map[Buffer]int {
	out := map[Buffer]int{}
	specs := cpuref.Buffers()
	for i, b := range buffers() {
		if s := specs[b.field]; s.Layer == "synapses" && (p.K == 1 || !planeMajor[s.Size]) {
			out[Buffer(i)] = s.PerCell(p)
		}
	}
	return out
}

// planeMajor are the size tags of the weight buffers indexed by
// first-layer hidden cell, ci = c·n² + i (W_in, Elig, W_rec), rather
// than by pixel or output cell.
var planeMajor = map[string]bool{"patchk": true, "reck": true, "elig": true}

// uploads lists st's buffers in Buffer order, as the GPU holds them.
func uploads(st *cpuref.State) func(Buffer) any {
	fields := st.Fields()
	return func(i Buffer) any {
		b := buffers()[i]
		f := fields[b.field]
		var cells []uint32
		if f.U32 != nil {
			cells = *f.U32
		}
		switch b.form {
		case "floats":
			return *f.F32
		case "plainbits":
			return plainBitsOf(cells, st.N)
		case "spikebits":
			// Bits holds st.S (the next step reads it as s(t−1)); the
			// second layer's set is cleared and written before it is read.
			return bitsOf(cells, st.N)
		case "prev":
			// Cleared and written before it is read.
			return make([]uint32, len(cells)/max(st.N*st.N, 1)*bitWords(st.N))
		}
		return cells // words
	}
}

// readInto reads the buffers back into st: each State field from the
// first form the GPU stores it in, unpacking bit sets. With weights false
// it skips the synapses (the bulk of the bytes). Err, which the GPU does
// not store, is y − ŷ.
func (s *Sim) readInto(st *cpuref.State, weights bool) error {
	return s.unpackInto(st, weights, s.read)
}

// unpackInto is readInto with the bytes of each buffer from read: the
// live buffers, or a StateCopy's.
func (s *Sim) unpackInto(st *cpuref.State, weights bool, read func(Buffer, any) error) error {
	fields := st.Fields()
	done := make([]bool, len(fields))
	n := st.N
	for i, b := range buffers() {
		f := fields[b.field]
		if done[b.field] || (!weights && f.Layer == "synapses") {
			continue
		}
		done[b.field] = true
		switch b.form {
		case "floats":
			if err := read(Buffer(i), *f.F32); err != nil {
				return err
			}
		case "words":
			if err := read(Buffer(i), *f.U32); err != nil {
				return err
			}
		case "plainbits":
			words := make([]uint32, b.bytes(s.Params)/4)
			if err := read(Buffer(i), words); err != nil {
				return err
			}
			unpackPlain(words, n, *f.U32)
		case "spikebits":
			words := make([]uint32, b.bytes(s.Params)/4)
			if err := read(Buffer(i), words); err != nil {
				return err
			}
			unpackBits(words, n, *f.U32)
		}
	}
	for i := range st.Err {
		st.Err[i] = int32(st.Y[i]) - int32(st.YHat[i])
	}
	return nil
}
