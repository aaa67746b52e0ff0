package record

import (
	"image"
	"sync"
)

// async runs a Recorder's WriteFrame on its own goroutine, so encoding
// (GIF quantisation, PNG compression, a full ffmpeg pipe) overlaps the
// next frame's simulation and drawing instead of stalling the GL thread.
type async struct {
	r         Recorder
	frames    chan *image.RGBA
	done      chan struct{}
	mu        sync.Mutex
	err       error // the first error of the writer goroutine
	closeOnce sync.Once
	closeErr  error
}

// Async wraps r so that WriteFrame queues up to depth frames and returns.
// A write error is returned by a later WriteFrame or by Close. Frames are
// written in order; the caller hands each image over and must not reuse
// it.
func Async(r Recorder, depth int) Recorder {
	a := &async{r: r, frames: make(chan *image.RGBA, max(depth, 1)), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for img := range a.frames {
			if a.failed() != nil {
				continue // drain; the error is reported already
			}
			if err := r.WriteFrame(img); err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
	}()
	return a
}

func (a *async) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func (a *async) WriteFrame(img *image.RGBA) error {
	if err := a.failed(); err != nil {
		return err
	}
	a.frames <- img
	return nil
}

// Close waits for the queued frames, then closes the recorder (which
// finalises the file even after a write error, so what was written
// plays).
func (a *async) Close() error {
	a.closeOnce.Do(func() {
		close(a.frames)
		<-a.done
		err := a.r.Close()
		if werr := a.failed(); werr != nil {
			err = werr
		}
		a.closeErr = err
	})
	return a.closeErr
}
