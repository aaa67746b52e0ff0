package cpuref

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// BufferSpec is one buffer of State as its tags declare it.
type BufferSpec struct {
	Name  string // the State field
	Elem  string // Go element type: float32, uint32 or int32
	Layer string
	Size  string // the size tag: cell, hidden, patchk, reck, out, elig, layer2, layer2patch, direct, bias, xprev, ring
	GPU   []GPUForm
	Doc   string

	index int // field index in State
}

// GPUForm is one storage buffer the GPU holds for a State buffer.
type GPUForm struct {
	Form string // floats, words, plainbits, spikebits or prev
	GLSL string // its array's name in GLSL
}

var buffersOnce = sync.OnceValue(func() []BufferSpec {
	t := reflect.TypeFor[State]()
	var out []BufferSpec
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() != reflect.Slice {
			continue
		}
		b := BufferSpec{Name: f.Name, Elem: f.Type.Elem().Name(), Layer: f.Tag.Get("layer"),
			Size: f.Tag.Get("size"), Doc: f.Tag.Get("doc"), index: i}
		if g := f.Tag.Get("gpu"); g != "none" {
			for _, part := range strings.Split(g, ",") {
				form, name, ok := strings.Cut(part, ":")
				if !ok {
					panic(fmt.Sprintf("cpuref: State.%s: bad gpu tag %q", f.Name, g)) // caught by every test
				}
				b.GPU = append(b.GPU, GPUForm{form, name})
			}
		}
		if b.Layer == "" || b.Size == "" || b.Doc == "" {
			panic(fmt.Sprintf("cpuref: State.%s lacks a layer, size or doc tag", f.Name))
		}
		out = append(out, b)
	}
	return out
})

// Buffers returns every buffer of State, in the order of its fields.
func Buffers() []BufferSpec { return buffersOnce() }

// PerCell returns how many elements the buffer holds per pixel (or output
// cell) for p; for the ring, which is not per pixel, it returns 0.
func (b BufferSpec) PerCell(p Params) int {
	switch b.Size {
	case "cell":
		return 1
	case "hidden":
		return p.K
	case "patchk":
		return p.K * Slots(PatchR)
	case "reck":
		return p.K * p.K * Slots(p.RRec)
	case "out":
		return p.OutWidth()
	case "elig":
		return p.EligWidth()
	case "layer2":
		return p.Layer2()
	case "layer2patch":
		return p.Layer2() * p.K * Slots(PatchR)
	case "direct":
		return p.DirectWidth()
	case "bias":
		return p.BiasWidth()
	case "xprev":
		return p.XPrevWidth()
	case "ring":
		return 0
	}
	panic(fmt.Sprintf("cpuref: State.%s: unknown size %q", b.Name, b.Size)) // caught by every test
}

// Len returns the buffer's length in elements for p, without allocating.
func (b BufferSpec) Len(p Params) int64 {
	if b.Size == "ring" {
		return Window * RingFields
	}
	return int64(p.N) * int64(p.N) * int64(b.PerCell(p))
}

// Lengths returns the length of every buffer of Fields() for p.
func Lengths(p Params) []int64 {
	bs := Buffers()
	out := make([]int64, len(bs))
	for i, b := range bs {
		out[i] = b.Len(p)
	}
	return out
}

// Field is one named buffer of a State, for code that handles every
// buffer alike (checkpoints, comparisons, uploads). Exactly one of F32,
// U32, I32 is set.
type Field struct {
	BufferSpec
	F32 *[]float32
	U32 *[]uint32
	I32 *[]int32
}

// Len returns the buffer's current length.
func (f Field) Len() int {
	switch {
	case f.F32 != nil:
		return len(*f.F32)
	case f.U32 != nil:
		return len(*f.U32)
	}
	return len(*f.I32)
}

// Fields lists every buffer of s in the order of State's fields.
func (s *State) Fields() []Field {
	v := reflect.ValueOf(s).Elem()
	bs := Buffers()
	out := make([]Field, len(bs))
	for i, b := range bs {
		f := Field{BufferSpec: b}
		switch ptr := v.Field(b.index).Addr().Interface().(type) {
		case *[]float32:
			f.F32 = ptr
		case *[]uint32:
			f.U32 = ptr
		case *[]int32:
			f.I32 = ptr
		}
		out[i] = f
	}
	return out
}

// NewStateShape returns a zero state with the buffer sizes of p, for
// reading a state into.
func NewStateShape(p Params) *State {
	s := &State{N: p.N}
	for _, f := range s.Fields() {
		f.alloc(int(f.BufferSpec.Len(p)))
	}
	return s
}

// alloc gives the field a zeroed slice of length n.
func (f Field) alloc(n int) {
	switch {
	case f.F32 != nil:
		*f.F32 = make([]float32, n)
	case f.U32 != nil:
		*f.U32 = make([]uint32, n)
	default:
		*f.I32 = make([]int32, n)
	}
}

// Clone returns a deep copy of s.
func (s *State) Clone() *State {
	c := &State{N: s.N, T: s.T}
	dst := c.Fields()
	for i, f := range s.Fields() {
		switch {
		case f.F32 != nil:
			*dst[i].F32 = append([]float32(nil), *f.F32...)
		case f.U32 != nil:
			*dst[i].U32 = append([]uint32(nil), *f.U32...)
		default:
			*dst[i].I32 = append([]int32(nil), *f.I32...)
		}
	}
	return c
}

// BufferTable returns the Markdown table of State's buffers that
// docs/MODEL.md carries between its "buffers" markers.
func BufferTable() string {
	var b strings.Builder
	b.WriteString("| buffer | layer | type | elements per pixel | on the GPU | meaning after step t |\n|---|---|---|---|---|---|\n")
	per := map[string]string{
		"cell": "1", "hidden": "K", "patchk": "9·K", "reck": "(2·rrec+1)²·K²",
		"out":  "(2·rout+1)²·K, or K·n² when dense (K = 1 when the second layer feeds the output)",
		"elig": "9·K with `-rule rstdp`, else 0", "layer2": "1 with a second layer, else 0",
		"layer2patch": "9·K with a second layer, else 0", "direct": "(2·rdirect+1)²·D",
		"bias": "1 with `-eta_bias` > 0, else 0", "xprev": "1 with `-direct 2`, else 0",
		"ring": "— (100 × 4 in all)",
	}
	for _, s := range Buffers() {
		var g []string
		for _, f := range s.GPU {
			g = append(g, fmt.Sprintf("%s `%s`", f.Form, f.GLSL))
		}
		gpu := strings.Join(g, " + ")
		if gpu == "" {
			gpu = "not stored"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", s.Name, s.Layer, s.Elem, per[s.Size], gpu, s.Doc)
	}
	return b.String()
}
