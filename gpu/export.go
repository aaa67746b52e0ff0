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
		ptr, n := bytesOf(up[b])
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
