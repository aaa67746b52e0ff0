package gpu

import (
	"fmt"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
)

// StateCopy is a copy of every storage buffer made on the GPU, to be
// read back once it has finished, so that exporting the state from the
// window (S) does not stall the frame loop: CopyState queues the copies
// and a fence, Ready polls the fence without waiting, and ReadInto,
// once Ready, reads the copies (a memcpy on the GL thread) and unpacks
// them. Costs the state's size again in GPU memory until Release. Its
// methods run on the GL thread.
type StateCopy struct {
	sim     *Sim
	t       int64
	staging []uint32
	fence   Fence
}

// CopyState queues a copy of s's buffers as they are after the steps
// queued so far.
func (s *Sim) CopyState() *StateCopy {
	c := &StateCopy{sim: s, t: s.T, staging: make([]uint32, len(s.buf))}
	gl.CreateBuffers(int32(len(c.staging)), &c.staging[0])
	gl.MemoryBarrier(gl.BUFFER_UPDATE_BARRIER_BIT)
	for b, id := range s.buf {
		gl.NamedBufferData(c.staging[b], s.size[b], nil, gl.STREAM_READ)
		gl.CopyNamedBufferSubData(id, c.staging[b], 0, 0, s.size[b])
	}
	c.fence.Set()
	gl.Flush()
	return c
}

// stateCopyTimeout bounds ReadInto's wait for the copies: they follow
// every step queued before them, which on a software renderer at a large
// n can take minutes, so it only catches a GPU that has stopped.
const stateCopyTimeout = 10 * time.Minute

// T is the step count of the copied state.
func (c *StateCopy) T() int64 { return c.t }

// Ready reports, without waiting, whether the copies have finished.
func (c *StateCopy) Ready() bool {
	return c.fence.Poll(false)
}

// ReadInto reads the copied state into st (the shape of the Sim's
// parameters), waiting for the copies if they have not finished, and
// releases the copy.
func (c *StateCopy) ReadInto(st *cpuref.State) error {
	defer c.Release()
	if c.staging == nil {
		return fmt.Errorf("gpu: state copy already read")
	}
	if err := c.fence.Wait("gpu: read state copy", stateCopyTimeout); err != nil {
		return err
	}
	st.T = c.t
	return c.sim.unpackInto(st, true, func(b Buffer, dst any) error {
		ptr, n := bytesOf(dst)
		if n == 0 {
			return nil
		}
		gl.GetError()
		gl.GetNamedBufferSubData(c.staging[b], 0, n, ptr)
		if e := gl.GetError(); e != gl.NO_ERROR {
			return fmt.Errorf("gpu: read copy of %s: GL error 0x%x", b, e)
		}
		return nil
	})
}

// Release deletes the copies and the fence. Safe to call twice.
func (c *StateCopy) Release() {
	c.fence.Release()
	if c.staging != nil {
		gl.DeleteBuffers(int32(len(c.staging)), &c.staging[0])
		c.staging = nil
	}
}
