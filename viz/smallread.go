package viz

import (
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/gpu"
)

// copySpan copies size bytes of buffer src at offset off to offset dst
// of a smallRead's staging buffer.
type copySpan struct {
	src      uint32
	off, dst int
	size     int
}

// smallRead reads a few words back from storage buffers without stalling:
// start copies them on the GPU into a staging buffer and sets a fence;
// poll returns them once the fence has passed (a frame later, typically)
// with glGetNamedBufferSubData. The colour scales and the cell inspector
// use it; nothing n×n goes through it.
type smallRead struct {
	buf   uint32
	size  int
	fence gpu.Fence // set from start until the words are read
}

func newSmallRead(size int) *smallRead {
	r := &smallRead{size: size}
	gl.CreateBuffers(1, &r.buf)
	gl.NamedBufferData(r.buf, size, nil, gl.STREAM_READ)
	return r
}

// start queues the copies (their sources written before it, by draws or
// dispatches, are made visible first).
func (r *smallRead) start(spans []copySpan) {
	gl.MemoryBarrier(gl.BUFFER_UPDATE_BARRIER_BIT | gl.SHADER_STORAGE_BARRIER_BIT)
	for _, s := range spans {
		if s.size > 0 && s.dst+s.size <= r.size {
			gl.CopyNamedBufferSubData(s.src, r.buf, s.off, s.dst, s.size)
		}
	}
	r.fence.Set()
}

// inFlight reports whether a start has not yet been read.
func (r *smallRead) inFlight() bool { return r.fence.Pending() }

// poll returns the words copied by the last start once the GPU has done
// them, and false while it has not (or nothing was started).
func (r *smallRead) poll() ([]uint32, bool) {
	if !r.fence.Pending() || !r.fence.Poll(true) {
		return nil, false
	}
	return r.read(), true
}

// wait returns the words of the last start, waiting for them (tests).
func (r *smallRead) wait() []uint32 {
	if !r.fence.Pending() {
		return nil
	}
	return r.read()
}

func (r *smallRead) read() []uint32 {
	out := make([]uint32, r.size/4)
	gl.GetNamedBufferSubData(r.buf, 0, r.size, unsafe.Pointer(&out[0]))
	r.fence.Release()
	return out
}

func (r *smallRead) release() {
	r.fence.Release()
	if r.buf != 0 {
		gl.DeleteBuffers(1, &r.buf)
		r.buf = 0
	}
}
