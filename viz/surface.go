package viz

import (
	"github.com/go-gl/gl/v4.3-core/gl"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// surface is what the frame loop draws on: the window, or an offscreen
// target for a recording made headless. The loop is the same for both;
// what differs is behind these methods. All of them run on the GL thread.
type surface interface {
	// size is the framebuffer's size in pixels and the UI scale
	// (framebuffer pixels per screen coordinate). It is the one place
	// the UI scale is worked out.
	size() (w, h int, scale float32)
	// events handles the input that has arrived since the last frame.
	events()
	// closed reports whether the surface was closed (the window's close
	// button); the loop then stops after the frame.
	closed() bool
	// bindDraw makes the surface the framebuffer a frame is drawn into;
	// bindRead makes the frame just drawn the source of a read-back.
	bindDraw()
	bindRead()
	// stepLocked reports whether frames are drawn exactly stepsPerFrame
	// steps apart, with the measures waited for and no transient
	// messages, so that a frame depends on nothing but the run: true
	// offscreen, where the frames are the video.
	stepLocked() bool
	// present shows the frame just drawn (final: the loop's last), after
	// drawing what only a person watching sees (overlay) on top.
	present(final bool, overlay func() error) error
	release()
}

// windowSurface is a GLFW window: its input drives the app, its back
// buffer is drawn into and swapped.
type windowSurface struct {
	win *glfw.Window
	a   *app
	// screenshot is the PNG path the last frame is written to (-screenshot),
	// "" once written or when none was asked for.
	screenshot string
}

func newWindowSurface(win *glfw.Window, a *app, screenshot string) *windowSurface {
	s := &windowSurface{win: win, a: a, screenshot: screenshot}
	s.install()
	return s
}

// size: the window's pixel density, at least 1.
func (s *windowSurface) size() (w, h int, scale float32) {
	w, h = s.win.GetFramebufferSize()
	ww, _ := s.win.GetSize()
	scale = 1
	if ww > 0 {
		scale = max(float32(w)/float32(ww), 1)
	}
	return w, h, scale
}

func (s *windowSurface) events()          { glfw.PollEvents() }
func (s *windowSurface) closed() bool     { return s.win.ShouldClose() }
func (s *windowSurface) bindDraw()        {} // the default framebuffer stays bound
func (s *windowSurface) stepLocked() bool { return false }

func (s *windowSurface) bindRead() {
	gl.BindFramebuffer(gl.READ_FRAMEBUFFER, 0)
	gl.ReadBuffer(gl.BACK)
}

func (s *windowSurface) present(final bool, overlay func() error) error {
	if s.screenshot != "" && (final || s.win.ShouldClose()) {
		// Read the frame just drawn, before the swap hands the back
		// buffer away, and before the overlay.
		gl.ReadBuffer(gl.BACK)
		w, h, _ := s.size()
		if err := WritePNG(s.screenshot, ReadPixels(w, h)); err != nil {
			return err
		}
		s.screenshot = ""
	}
	if err := overlay(); err != nil {
		return err
	}
	s.win.SwapBuffers()
	return nil
}

func (s *windowSurface) release() { s.uninstall() }

// offscreenSurface is a Target: no input, never closed, step-locked.
type offscreenSurface struct{ t *Target }

// size: 1 at the window's default 1280×800 and larger for a bigger
// frame, so that text stays legible in a full-HD or 4K video.
func (s offscreenSurface) size() (w, h int, scale float32) {
	w, h = s.t.W, s.t.H
	return w, h, max(1, min(float32(w)/1280, float32(h)/800))
}

func (s offscreenSurface) events()          {}
func (s offscreenSurface) closed() bool     { return false }
func (s offscreenSurface) bindDraw()        { s.t.Bind() }
func (s offscreenSurface) bindRead()        { s.t.Bind() }
func (s offscreenSurface) stepLocked() bool { return true }
func (s offscreenSurface) release()         { s.t.Release() }

// present does nothing: the frame was recorded (or not) already, and
// the overlay is for a person watching.
func (s offscreenSurface) present(bool, func() error) error { return nil }
