package viz

import (
	"fmt"
	"image"
	"time"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/gpu"
)

// Readback copies frames from the bound read framebuffer to the CPU
// without stalling the GL thread: frame k is read into pixel-buffer
// object k%2, and the frame before it, whose copy has had a whole frame's
// time to finish, is mapped and returned. Its methods run on the GL
// thread.
type Readback struct {
	w, h  int
	pbo   [2]uint32
	fence [2]gpu.Fence // set while PBO i holds a frame not yet returned
	next  int
}

// NewReadback makes the two w×h RGBA8 pixel buffers (2·4·w·h bytes of
// GPU memory).
func NewReadback(w, h int) *Readback {
	r := &Readback{w: w, h: h}
	gl.CreateBuffers(2, &r.pbo[0])
	for _, b := range r.pbo {
		gl.NamedBufferData(b, 4*w*h, nil, gl.STREAM_READ)
	}
	return r
}

// Size is the frame size the Readback was made for.
func (r *Readback) Size() (w, h int) { return r.w, r.h }

// Push starts the copy of the bound read framebuffer's w×h pixels and
// returns the frame pushed before it, top row first and opaque, or nil
// after the first Push.
func (r *Readback) Push() (*image.RGBA, error) {
	i := r.next
	r.next = 1 - i
	gl.BindBuffer(gl.PIXEL_PACK_BUFFER, r.pbo[i])
	gl.PixelStorei(gl.PACK_ALIGNMENT, 1)
	gl.ReadPixels(0, 0, int32(r.w), int32(r.h), gl.RGBA, gl.UNSIGNED_BYTE, nil)
	gl.BindBuffer(gl.PIXEL_PACK_BUFFER, 0)
	r.fence[i].Set()
	if !r.fence[1-i].Pending() {
		return nil, nil
	}
	return r.collect(1 - i)
}

// Flush returns the last frame pushed and not yet returned, or nil.
func (r *Readback) Flush() (*image.RGBA, error) {
	i := 1 - r.next
	if !r.fence[i].Pending() {
		return nil, nil
	}
	return r.collect(i)
}

// collect waits for PBO i's copy and maps it.
func (r *Readback) collect(i int) (*image.RGBA, error) {
	// The copy was queued a frame ago, so this rarely waits at all.
	if err := r.fence[i].Wait("viz: read back frame", 10*time.Second); err != nil {
		return nil, err
	}
	n := 4 * r.w * r.h
	p := gl.MapNamedBufferRange(r.pbo[i], 0, n, gl.MAP_READ_BIT)
	if p == nil {
		return nil, fmt.Errorf("viz: read back frame: map pixel buffer failed (GL error 0x%x)", gl.GetError())
	}
	src := unsafe.Slice((*byte)(p), n)
	img := image.NewRGBA(image.Rect(0, 0, r.w, r.h))
	row := 4 * r.w
	// GL's rows run bottom-up.
	for y := 0; y < r.h; y++ {
		copy(img.Pix[y*row:(y+1)*row], src[(r.h-1-y)*row:(r.h-y)*row])
	}
	gl.UnmapNamedBuffer(r.pbo[i])
	for k := 3; k < len(img.Pix); k += 4 {
		img.Pix[k] = 255 // the frame is opaque whatever alpha the blend left
	}
	return img, nil
}

// Release deletes the buffers and any fence. Safe to call twice.
func (r *Readback) Release() {
	for i := range r.fence {
		r.fence[i].Release()
	}
	if r.pbo[0] != 0 {
		gl.DeleteBuffers(2, &r.pbo[0])
		r.pbo = [2]uint32{}
	}
}

// Target is an offscreen w×h RGBA8 framebuffer to render frames into,
// for recording without a window.
type Target struct {
	W, H int
	fbo  uint32
	rbo  uint32
}

// NewTarget makes the framebuffer. Run on the GL thread.
func NewTarget(w, h int) (*Target, error) {
	t := &Target{W: w, H: h}
	gl.CreateRenderbuffers(1, &t.rbo)
	gl.NamedRenderbufferStorage(t.rbo, gl.RGBA8, int32(w), int32(h))
	gl.CreateFramebuffers(1, &t.fbo)
	gl.NamedFramebufferRenderbuffer(t.fbo, gl.COLOR_ATTACHMENT0, gl.RENDERBUFFER, t.rbo)
	if s := gl.CheckNamedFramebufferStatus(t.fbo, gl.FRAMEBUFFER); s != gl.FRAMEBUFFER_COMPLETE {
		t.Release()
		return nil, fmt.Errorf("viz: offscreen %d×%d framebuffer incomplete (status 0x%x)", w, h, s)
	}
	return t, nil
}

// Bind makes the target both the draw and the read framebuffer.
func (t *Target) Bind() { gl.BindFramebuffer(gl.FRAMEBUFFER, t.fbo) }

// Release deletes the framebuffer. Safe to call twice.
func (t *Target) Release() {
	if t.fbo != 0 {
		gl.DeleteFramebuffers(1, &t.fbo)
		t.fbo = 0
	}
	if t.rbo != 0 {
		gl.DeleteRenderbuffers(1, &t.rbo)
		t.rbo = 0
	}
}
