package gpu

import (
	"fmt"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// Fence is the one way an asynchronous reader learns that the GPU has
// finished the copies it queued: Set after queuing them, then Poll every
// frame (never waits) or Wait (blocks, with a deadline) before reading
// the staging buffer. A fence that has passed, or been released, is
// deleted at once, so a reader never leaks one. The zero Fence is unset.
// Run every method on the GL thread.
type Fence struct {
	sync uintptr
}

// Set marks the end of the commands queued so far, replacing (and
// deleting) any fence not yet passed.
func (f *Fence) Set() {
	f.Release()
	f.sync = gl.FenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0)
}

// Pending reports whether the fence is set and has not yet been seen to
// pass.
func (f *Fence) Pending() bool { return f.sync != 0 }

// Poll reports, without waiting, whether the fenced commands have
// finished; when they have, the fence is deleted and Pending is false.
// flush asks GL to flush the queue first (a reader that will poll again
// next frame wants its copy to start). An unset fence has passed.
func (f *Fence) Poll(flush bool) bool {
	if f.sync == 0 {
		return true
	}
	var flags uint32
	if flush {
		flags = gl.SYNC_FLUSH_COMMANDS_BIT
	}
	if st := gl.ClientWaitSync(f.sync, flags, 0); st != gl.ALREADY_SIGNALED && st != gl.CONDITION_SATISFIED {
		return false
	}
	f.Release()
	return true
}

// Wait blocks until the fenced commands have finished, flushing the
// queue once, or returns an error naming what it waited for when the GL
// reports a failure or timeout passes. The fence is deleted either way.
func (f *Fence) Wait(what string, timeout time.Duration) error {
	if f.sync == 0 {
		return nil
	}
	defer f.Release()
	flags := uint32(gl.SYNC_FLUSH_COMMANDS_BIT)
	deadline := time.Now().Add(timeout)
	for {
		st := gl.ClientWaitSync(f.sync, flags, uint64(100*time.Millisecond))
		if st == gl.ALREADY_SIGNALED || st == gl.CONDITION_SATISFIED {
			return nil
		}
		if st == gl.WAIT_FAILED || time.Now().After(deadline) {
			return fmt.Errorf("%s: GPU copy did not finish (sync status 0x%x)", what, st)
		}
		flags = 0
	}
}

// Release deletes the fence if one is set. Safe to call twice.
func (f *Fence) Release() {
	if f.sync != 0 {
		gl.DeleteSync(f.sync)
		f.sync = 0
	}
}
