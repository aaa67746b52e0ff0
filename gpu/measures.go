package gpu

import (
	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
)

// MeasureReader reads the measures ring without stalling the GPU: Request
// copies the ring into a staging buffer and sets a fence; Poll returns the
// copy once the fence has passed. A renderer calls Request every few
// frames and Poll every frame.
type MeasureReader struct {
	staging uint32
	fence   Fence
	t       int64 // step count at the request
	cells   int   // first-layer hidden cells, for the hidden rate
	last    cpuref.Measures
	ring    []uint32
}

// NewMeasureReader creates the staging buffer. Run on the GL thread.
func NewMeasureReader() *MeasureReader {
	r := &MeasureReader{ring: make([]uint32, cpuref.Window*cpuref.RingFields)}
	gl.CreateBuffers(1, &r.staging)
	gl.NamedBufferData(r.staging, len(r.ring)*4, nil, gl.STREAM_READ)
	return r
}

// Request starts a copy of s's ring, unless one is still in flight.
func (r *MeasureReader) Request(s *Sim) {
	if r.fence.Pending() {
		return
	}
	gl.MemoryBarrier(gl.BUFFER_UPDATE_BARRIER_BIT)
	gl.CopyNamedBufferSubData(s.buf[BufRing], r.staging, 0, 0, len(r.ring)*4)
	r.fence.Set()
	r.t, r.cells = s.T, s.Params.Cells()
}

// Poll returns the newest measures that have arrived and whether they
// are new since the last Poll.
func (r *MeasureReader) Poll() (cpuref.Measures, int64, bool) {
	if !r.fence.Pending() || !r.fence.Poll(false) {
		return r.last, r.t, false
	}
	gl.GetNamedBufferSubData(r.staging, 0, len(r.ring)*4, gl.Ptr(&r.ring[0]))
	r.last = cpuref.MeasuresOf(r.ring, r.t, r.cells)
	return r.last, r.t, true
}

// Release deletes the staging buffer and any fence. Safe to call twice.
func (r *MeasureReader) Release() {
	r.fence.Release()
	if r.staging != 0 {
		gl.DeleteBuffers(1, &r.staging)
		r.staging = 0
	}
}
