package gpu

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The kinds of context, the values of Context.GL.
const (
	kindEGLDevice      = "egl-device"      // an EGL device: a GPU, no X needed
	kindEGLSurfaceless = "egl-surfaceless" // Mesa's surfaceless platform: software, no X
	kindGLX            = "glx"             // a GLFW window on $DISPLAY
	kindXvfb           = "xvfb"            // a hidden GLFW window on a private Xvfb
)

// GLChoices are the values of HeadlessOptions.GL a user may pick, in the
// order a command's usage lists them.
var GLChoices = []string{"auto", "egl", "glx", "xvfb"}

// HeadlessOptions choose how a headless context is made.
type HeadlessOptions struct {
	// GL is one of GLChoices: "auto" (or empty) tries, in order, an EGL
	// device that is a hardware GPU, Mesa's surfaceless EGL platform
	// (software), GLX on $DISPLAY and a private Xvfb; "egl" tries the two
	// EGL ways only; "glx" needs $DISPLAY; "xvfb" always starts a private
	// Xvfb. "egl-device" and "egl-surfaceless" force one EGL way.
	GL string
	// Device is the index of an EGL device (see ListDevices), or -1 for
	// the first hardware device, else Mesa's software renderer. A device
	// index needs EGL: it is refused with "glx" and "xvfb".
	Device int
	// Debug requests a debug context whose faults Context.Faults returns.
	Debug bool
}

// DeviceInfo is what ListDevices says of one EGL device.
type DeviceInfo struct {
	Index     int    // the -gpu index
	Vendor    string // GL_VENDOR (or EGL_VENDOR of EGL_EXT_device_query_name)
	Renderer  string // GL_RENDERER (or EGL_RENDERER_EXT)
	Driver    string // EGL_DRIVER_NAME_EXT, else the kernel driver of File
	File      string // DRM device file (EGL_EXT_device_drm), "" for none
	Software  bool   // EGL_MESA_device_software, or a software renderer
	GLVersion string // GL_VERSION of a probe context, "" when none was made
	Err       string // why no OpenGL 4.3 core context could be made, if so
}

// String is one line: index, vendor, renderer, driver, device file,
// hardware or software, and the GL version or the failure.
func (d DeviceInfo) String() string {
	or := func(s, none string) string {
		if s == "" {
			return none
		}
		return s
	}
	kind := "hardware"
	if d.Software {
		kind = "software"
	}
	gl := "OpenGL " + or(d.GLVersion, "unknown")
	if d.Err != "" {
		gl = "unusable: " + d.Err
	}
	return fmt.Sprintf("gpu %d: %s, vendor %s, renderer %s, driver %s, %s, %s", d.Index, kind,
		or(d.Vendor, "unknown"), or(d.Renderer, "unknown"), or(d.Driver, "unknown"), or(d.File, "no device file"), gl)
}

// ListDevices lists the EGL devices, each probed with a context of its
// own for its GL vendor, renderer and version. The probes leave their
// displays initialised (a Context may be using one); do not call it while
// a Context is being made or released.
func ListDevices() ([]DeviceInfo, error) { return listEGLDevices() }

// countDevices says how many devices there are, for an error.
func countDevices(infos []DeviceInfo) string {
	switch len(infos) {
	case 0:
		return "EGL lists no devices"
	case 1:
		return "there is one, gpu 0"
	}
	return fmt.Sprintf("there are %d, gpu 0 to %d", len(infos), len(infos)-1)
}

// NewHeadless returns a headless context made as HeadlessOptions{GL:
// "auto", Device: -1} says.
func NewHeadless() (*Context, error) {
	return NewHeadlessWith(HeadlessOptions{GL: "auto", Device: -1})
}

// NewHeadlessWith returns a context for a run without a window, made as o
// says. An EGL context has no window (Context.Window is nil) and no
// default framebuffer. The context's GL says which kind was made, and its
// Warning whether it is software while a hardware GPU is present.
func NewHeadlessWith(o HeadlessOptions) (*Context, error) {
	if o.GL == "" {
		o.GL = "auto"
	}
	if o.Device < -1 {
		return nil, fmt.Errorf("gpu: invalid device %d: want an EGL device index ≥ 0, or -1 for the first hardware device", o.Device)
	}
	var tries []string
	switch o.GL {
	case "auto", "egl":
		if o.Device >= 0 {
			tries = []string{kindEGLDevice}
			break
		}
		tries = []string{kindEGLDevice, kindEGLSurfaceless}
		if o.GL == "auto" {
			if HasDisplay() {
				tries = append(tries, kindGLX)
			}
			if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
				tries = append(tries, kindXvfb)
			}
		}
	case kindEGLDevice, kindEGLSurfaceless:
		tries = []string{o.GL}
	case kindGLX, kindXvfb:
		if o.Device >= 0 {
			return nil, fmt.Errorf("gpu: -gpu %d selects an EGL device, and -gl %s does not use EGL: use -gl egl, or drop -gpu", o.Device, o.GL)
		}
		tries = []string{o.GL}
	default:
		return nil, fmt.Errorf("gpu: unknown GL %q: want one of %s", o.GL, strings.Join(GLChoices, ", "))
	}

	// Device -1 means the first hardware device: find it without making
	// contexts. Where there is none, the EGL device way is skipped (the
	// surfaceless platform gives the same software renderer).
	device := o.Device
	var devices []DeviceInfo
	var listErr error
	if tries[0] == kindEGLDevice {
		_, devices, listErr = eglDevices()
		if device < 0 {
			for _, d := range devices {
				if !d.Software {
					device = d.Index
					break
				}
			}
		}
		switch {
		case device < 0 && len(tries) > 1:
			tries = tries[1:]
		case device < 0 && len(devices) > 0:
			device = 0 // -gl egl-device: the first device, software or not
		}
	}

	var fails []string
	for _, kind := range tries {
		c, err := newHeadlessKind(kind, device, o.Debug)
		if err == nil {
			if c.IsSoftware() {
				if devices == nil && listErr == nil {
					_, devices, listErr = eglDevices()
				}
				c.Warning = softwareWarning(c, devices, hardwareRenderNodes("/sys/class/drm"), fails)
			}
			return c, nil
		}
		if len(tries) == 1 {
			return nil, err
		}
		fails = append(fails, failure(kind, err))
	}
	msg := strings.Join(fails, "; ")
	// Every way that found an old GL ends with the same advice: say it once.
	if hint := "; " + noGL43Hint(); strings.Contains(msg, hint) {
		msg = strings.ReplaceAll(msg, hint, "") + hint
	}
	return nil, fmt.Errorf("gpu: no headless OpenGL 4.3 context (-gl %s): %s", o.GL, msg)
}

// failure is err, the failure of one kind of context, for a list of them.
func failure(kind string, err error) string {
	msg := strings.TrimPrefix(err.Error(), "gpu: ")
	if !strings.HasPrefix(msg, kind+": ") {
		msg = kind + ": " + msg
	}
	return msg
}

// newHeadlessKind makes one kind of headless context.
func newHeadlessKind(kind string, device int, debug bool) (*Context, error) {
	switch kind {
	case kindEGLDevice, kindEGLSurfaceless:
		return newContext(kind, func(c *Context) (func(), error) { return c.openEGL(kind, device, debug) })
	case kindGLX:
		if !HasDisplay() {
			return nil, errors.New("gpu: -gl glx needs an X display and DISPLAY is not set: use -gl egl (no X needed) or -gl xvfb (a private Xvfb)")
		}
		return NewContext(Options{Width: 64, Height: 64, Debug: debug})
	}
	d, err := StartDisplay()
	if err != nil {
		return nil, err
	}
	c, err := NewContext(Options{Width: 64, Height: 64, Debug: debug})
	if err != nil {
		d.Stop()
		return nil, err
	}
	c.GL = kindXvfb
	c.display = d
	return c, nil
}

// renderNode is a DRM render node and the PCI vendor of its device.
type renderNode struct{ Path, Vendor string }

// gpuVendors are the PCI vendor ids of GPUs worth a warning.
var gpuVendors = map[string]string{"0x10de": "NVIDIA", "0x1002": "AMD", "0x8086": "Intel"}

// hardwareRenderNodes lists the render nodes under sys (/sys/class/drm)
// whose device is an NVIDIA, AMD or Intel GPU.
func hardwareRenderNodes(sys string) []renderNode {
	paths, _ := filepath.Glob(filepath.Join(sys, "renderD*"))
	var nodes []renderNode
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(p, "device/vendor"))
		if err != nil {
			continue
		}
		if v, ok := gpuVendors[strings.TrimSpace(string(b))]; ok {
			nodes = append(nodes, renderNode{Path: "/dev/dri/" + filepath.Base(p), Vendor: v})
		}
	}
	return nodes
}

// softwareWarning is the line to show when c renders in software while
// a hardware GPU is present, naming the device and the flag that would
// use it; "" when no hardware GPU is seen. fails are the ways tried
// before c, and why each failed.
func softwareWarning(c *Context, devices []DeviceInfo, nodes []renderNode, fails []string) string {
	why := ""
	if len(fails) > 0 {
		why = " (tried first: " + strings.Join(fails, "; ") + ")"
	}
	for _, d := range devices {
		if d.Software {
			continue
		}
		name := strings.TrimSpace(strings.Join([]string{d.Vendor, d.Renderer, d.File}, " "))
		if name == "" {
			name = "a hardware GPU"
		}
		return fmt.Sprintf("gpu: warning: rendering in software on %s (-gl %s) although EGL device %d is %s: use -gpu %d%s",
			c.Renderer, c.GL, d.Index, name, d.Index, why)
	}
	for _, n := range nodes {
		flag := "-gl egl"
		if strings.HasPrefix(c.GL, "egl") {
			// EGL runs but does not list the GPU: its driver is missing
			// or the node is not accessible.
			flag = fmt.Sprintf("-gl egl once EGL lists it (install the %s EGL driver; check that you may open %s, e.g. membership of group render)", n.Vendor, n.Path)
		}
		return fmt.Sprintf("gpu: warning: rendering in software on %s (-gl %s) although %s is an %s GPU: use %s%s",
			c.Renderer, c.GL, n.Path, n.Vendor, flag, why)
	}
	return ""
}
