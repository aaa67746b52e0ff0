// Package gpu runs the model of package cpuref on OpenGL 4.3 compute
// shaders. Every buffer of the network lives in a shader storage buffer;
// a step is a fixed sequence of dispatches, one per pass of the reference,
// with no read-back inside the step loop. A Batch is many small networks
// in the same buffers, one dispatch a pass for all of them.
//
// GL is single-threaded: a Context owns an OS thread, and every GL call,
// including every method of Sim and Batch, must run on it, inside
// Context.Do.
package gpu

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/go-gl/gl/v4.3-core/gl"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// Options describe the window that carries a context.
type Options struct {
	Visible bool // show the window; false gives a hidden, headless context
	Width   int  // window size in screen coordinates (default 640×480)
	Height  int
	Title   string
	Debug   bool // request a debug context
	VSync   bool // swap at the display's refresh rate
}

// Context is an OpenGL 4.3 core context and the locked OS thread that
// owns it.
type Context struct {
	// Window is the GLFW window that carries the context: visible for
	// the window, hidden for a headless GLX or Xvfb context, and nil for
	// an EGL context, which has no window and no default framebuffer
	// (draw into a framebuffer object).
	Window *glfw.Window
	// Renderer, Version and Vendor are GL_RENDERER, GL_VERSION and
	// GL_VENDOR.
	Renderer, Version, Vendor string
	// GL is how the context was made: "egl-device", "egl-surfaceless",
	// "glx" (a window, or a hidden one on $DISPLAY) or "xvfb" (a hidden
	// window on a private Xvfb).
	GL string
	// Warning, when not empty, is one line to show the user: the context
	// renders in software although a hardware GPU is present.
	Warning string

	calls   chan func()
	done    chan struct{}
	release sync.Once
	display *VirtualDisplay // started by NewHeadless, stopped by Release

	// faults are the KHR_debug errors of a debug context (debug.go); the
	// callback appends on the GL thread, Faults takes them from any.
	faultsMu sync.Mutex
	faults   []Fault
}

// ErrNoGL43 is wrapped by NewContext's error when no 4.3 core context can
// be made.
var ErrNoGL43 = errors.New("need OpenGL 4.3 core")

// SoftwareHint says how to get a 4.3 context without a GPU.
const SoftwareHint = "without a GPU or with an older driver, use Mesa's software renderer, llvmpipe (OpenGL 4.5 on the CPU): apt-get install xvfb libgl1-mesa-dri, then run with LIBGL_ALWAYS_SOFTWARE=1, or under xvfb-run where there is no display; -backend cpu -headless without -record needs no GL"

// noGL43Hint is SoftwareHint, after a word on Mesa's version override
// when one is set: it caps what Mesa offers, llvmpipe included.
func noGL43Hint() string {
	if v := os.Getenv("MESA_GL_VERSION_OVERRIDE"); v != "" {
		return fmt.Sprintf("MESA_GL_VERSION_OVERRIDE=%s is set and caps the version Mesa offers: unset it; %s", v, SoftwareHint)
	}
	return SoftwareHint
}

// HasDisplay reports whether windows can be made: always on Windows and
// macOS, which have their own window systems; elsewhere when DISPLAY (X11)
// or WAYLAND_DISPLAY is set.
func HasDisplay() bool {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// NewContext creates a window with an OpenGL 4.3 core context on a new
// locked OS thread. Only one Context may exist at a time, since it owns
// GLFW.
func NewContext(o Options) (*Context, error) {
	if o.Width <= 0 {
		o.Width = 640
	}
	if o.Height <= 0 {
		o.Height = 480
	}
	if o.Title == "" {
		o.Title = "spikecast"
	}
	return newContext(kindGLX, func(c *Context) (func(), error) {
		if err := c.open(o); err != nil {
			return nil, err
		}
		return func() {
			c.Window.Destroy()
			glfw.Terminate()
		}, nil
	})
}

// newContext starts a context's thread, on which open makes the context
// current and returns what ends it.
func newContext(kind string, open func(c *Context) (closeFn func(), err error)) (*Context, error) {
	c := &Context{GL: kind, calls: make(chan func()), done: make(chan struct{})}
	started := make(chan error)
	go c.loop(open, started)
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Context) loop(open func(c *Context) (func(), error), started chan<- error) {
	// The thread is never unlocked: it ends with this goroutine, taking
	// any state the window system left on it.
	runtime.LockOSThread()
	closeFn, err := open(c)
	if err != nil {
		started <- err
		return
	}
	started <- nil
	for f := range c.calls {
		f()
	}
	closeFn()
	close(c.done)
}

func (c *Context) open(o Options) (err error) {
	// GLFW's Go binding panics on errors it cannot return (a display that
	// vanished, say); a library reports them as errors.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("gpu: no OpenGL context could be made (glfw: %v); %s", p, SoftwareHint)
		}
	}()
	if !HasDisplay() {
		return fmt.Errorf("gpu: no display: DISPLAY is not set (%s)", SoftwareHint)
	}
	if err := glfw.Init(); err != nil {
		return fmt.Errorf("gpu: glfw: %w", err)
	}
	hints := func(core bool) {
		glfw.DefaultWindowHints()
		glfw.WindowHint(glfw.Visible, boolHint(o.Visible))
		glfw.WindowHint(glfw.Resizable, glfw.True)
		if core {
			glfw.WindowHint(glfw.ContextVersionMajor, 4)
			glfw.WindowHint(glfw.ContextVersionMinor, 3)
			glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
			glfw.WindowHint(glfw.OpenGLForwardCompatible, glfw.True)
			glfw.WindowHint(glfw.OpenGLDebugContext, boolHint(o.Debug))
		}
	}
	hints(true)
	win, err := glfw.CreateWindow(o.Width, o.Height, o.Title, nil, nil)
	if err != nil {
		found := probeVersion(hints)
		glfw.Terminate()
		return fmt.Errorf("gpu: %w, have %s (%v); %s", ErrNoGL43, found, err, noGL43Hint())
	}
	win.MakeContextCurrent()
	if err := c.initGL(gl.Init, o.Debug); err != nil {
		win.Destroy()
		glfw.Terminate()
		return err
	}
	if o.VSync {
		glfw.SwapInterval(1)
	} else {
		glfw.SwapInterval(0)
	}
	c.Window = win
	return nil
}

// initGL loads the GL functions of the current context with load, checks
// that it is 4.3 or newer and, with debug, installs the fault callback:
// the same for every kind of context.
func (c *Context) initGL(load func() error, debug bool) error {
	if err := load(); err != nil {
		return fmt.Errorf("gpu: load OpenGL functions: %w", err)
	}
	c.Renderer = gl.GoStr(gl.GetString(gl.RENDERER))
	c.Version = gl.GoStr(gl.GetString(gl.VERSION))
	c.Vendor = gl.GoStr(gl.GetString(gl.VENDOR))
	var major, minor int32
	gl.GetIntegerv(gl.MAJOR_VERSION, &major)
	gl.GetIntegerv(gl.MINOR_VERSION, &minor)
	if major < 4 || (major == 4 && minor < 3) {
		return fmt.Errorf("gpu: %w, have %s (%s); %s", ErrNoGL43, c.Version, c.Renderer, noGL43Hint())
	}
	if debug {
		return c.installDebug()
	}
	return nil
}

// probeVersion makes a context of any version to say what the machine
// has, for the error message.
func probeVersion(hints func(core bool)) string {
	hints(false)
	glfw.WindowHint(glfw.Visible, glfw.False)
	w, err := glfw.CreateWindow(16, 16, "probe", nil, nil)
	if err != nil {
		return "no OpenGL context at all"
	}
	defer w.Destroy()
	w.MakeContextCurrent()
	defer glfw.DetachCurrentContext()
	if err := gl.Init(); err != nil {
		return "an OpenGL context whose functions could not be loaded"
	}
	v := gl.GoStr(gl.GetString(gl.VERSION))
	r := gl.GoStr(gl.GetString(gl.RENDERER))
	return fmt.Sprintf("%s (%s)", v, r)
}

func boolHint(b bool) int {
	if b {
		return glfw.True
	}
	return glfw.False
}

// Do runs f on the context's thread and returns its error. A panic in f
// is re-raised in the caller.
func (c *Context) Do(f func() error) error {
	var err error
	var p any
	ran := make(chan struct{})
	c.calls <- func() {
		defer close(ran)
		defer func() { p = recover() }()
		err = f()
	}
	<-ran
	if p != nil {
		panic(p)
	}
	return err
}

// IsSoftware reports whether the renderer is Mesa's llvmpipe (or another
// software rasteriser), on which the GPU must match cpuref bit for bit.
func (c *Context) IsSoftware() bool { return isSoftwareRenderer(c.Renderer) }

func isSoftwareRenderer(renderer string) bool {
	r := strings.ToLower(renderer)
	return strings.Contains(r, "llvmpipe") || strings.Contains(r, "softpipe") || strings.Contains(r, "swrast") || strings.Contains(r, "lavapipe")
}

// Release destroys the window or the EGL context, ends the thread and
// stops the Xvfb that NewHeadless started, if any. It is safe to call
// twice.
func (c *Context) Release() {
	c.release.Do(func() {
		close(c.calls)
		<-c.done
		c.display.Stop()
	})
}
