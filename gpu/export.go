package gpu

import (
	"fmt"
	"maps"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
)

// SimDefines returns the #defines the simulation's passes see: work-group
// size, sizes and the binding point of every buffer (B_X, B_BITS, …), so a
// renderer's shaders can read the same buffers by the same names.
func SimDefines() Defines { return computeDefines() }

// ComputeProgram builds a compute shader from package shaders, with
// common.glsl (the simulation's buffers and helpers) before it and the
// simulation's defines plus extra. It returns the GL program name.
func ComputeProgram(file string, extra Defines) (uint32, error) {
	d := computeDefines()
	maps.Copy(d, extra)
	p, err := newComputeProgram(file, d)
	if err != nil {
		return 0, err
	}
	return p.id, nil
}

// Groups returns the work-group counts that cover an n×n grid.
func Groups(n int) (uint32, uint32) {
	return uint32((n + WGX - 1) / WGX), uint32((n + WGY - 1) / WGY)
}

// LoadDisplay uploads the buffers a renderer draws (X, Y, spikes, ŷ)
// from a reference state, and the rectangles of its input and target
// frames: how the window shows -backend cpu.
func (s *Sim) LoadDisplay(st *cpuref.State, frame, target []cpuref.Rect) error {
	if st.N != s.Params.N {
		return fmt.Errorf("gpu: state is for n=%d, simulation for n=%d", st.N, s.Params.N)
	}
	if st.T == 0 {
		frame, target = nil, nil // a fresh state (e.g. after R) has no frame yet
	}
	s.frame = append(s.frame[:0], frame...)
	s.target = append(s.target[:0], target...)
	up := uploads(st)
	for _, b := range []Buffer{BufX, BufY, BufBits, BufYHat, BufRing} {
		ptr, n := bytesOf(up(b))
		gl.NamedBufferSubData(s.buf[b], 0, n, ptr)
	}
	s.T = st.T
	return nil
}

// Frame and Target return the rectangles lit in the last step's input
// frame X_t and in its target frame (the one the prediction is scored
// against), for renderers. After New or Load they are the frames of the
// step that produced the state (none for a state at t = 0).
func (s *Sim) Frame() []cpuref.Rect  { return s.frame }
func (s *Sim) Target() []cpuref.Rect { return s.target }

// BufferNamed returns the storage buffer whose GLSL array is glsl ("v",
// "theta", "wIn", …), for renderers that draw or read one by name.
func BufferNamed(glsl string) (Buffer, bool) {
	for i, b := range buffers() {
		if b.glsl == glsl {
			return Buffer(i), true
		}
	}
	return 0, false
}

// BufferBytes is the size of a storage buffer in bytes (4 for an empty
// one, which GL still needs to bind).
func (s *Sim) BufferBytes(b Buffer) int { return s.size[b] }

// Upload copies the real-valued buffers bufs (floats or words, not bit
// sets) from a reference state: what a host backend's display adds to
// LoadDisplay when a view draws weights or per-cell maps. Bit sets are
// skipped; LoadDisplay uploads those.
func (s *Sim) Upload(st *cpuref.State, bufs []Buffer) error {
	if st.N != s.Params.N {
		return fmt.Errorf("gpu: state is for n=%d, simulation for n=%d", st.N, s.Params.N)
	}
	fields := st.Fields()
	for _, b := range bufs {
		spec := buffers()[b]
		f := fields[spec.field]
		var data any
		switch spec.form {
		case "floats":
			data = *f.F32
		case "words":
			data = *f.U32
		default:
			continue
		}
		ptr, n := bytesOf(data)
		if n != s.size[b] {
			if n == 0 {
				continue
			}
			return fmt.Errorf("gpu: upload %s: %d bytes, buffer holds %d", b, n, s.size[b])
		}
		gl.NamedBufferSubData(s.buf[b], 0, n, ptr)
	}
	return nil
}

// SetParams replaces the parameters a step reads as uniforms (η, σ, the
// target rate, …) from the next step on. Those compiled in (glsl:"define":
// the rule, the layout and window radii, K, …, the second layer and the
// output bias) and the grid size cannot change: it refuses a p that
// differs from s.Params in any of them.
func (s *Sim) SetParams(p cpuref.Params) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	if p.N != s.Params.N || !maps.Equal(cpuref.GLSLDefines(p), cpuref.GLSLDefines(s.Params)) || p.Layer2() != s.Params.Layer2() || p.HasBias() != s.Params.HasBias() {
		return fmt.Errorf("gpu: a running simulation can change only its uniform parameters")
	}
	s.Params = p
	s.setUniforms()
	return nil
}
