//go:build linux

package gpu

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

// The few EGL types and constants used here, written out so that the
// build needs no EGL headers: libEGL is opened at run time, and a machine
// without it still builds and runs everything but EGL.
typedef void *EGLDisplay;
typedef void *EGLContext;
typedef void *EGLConfig;
typedef void *EGLDeviceEXT;
typedef void *EGLSurface;
typedef int32_t EGLint;
typedef unsigned int EGLBoolean, EGLenum;

typedef struct {
	void *lib;
	void *(*GetProcAddress)(const char *);
	EGLint (*GetError)(void);
	EGLBoolean (*Initialize)(EGLDisplay, EGLint *, EGLint *);
	EGLBoolean (*Terminate)(EGLDisplay);
	const char *(*QueryString)(EGLDisplay, EGLint);
	EGLBoolean (*BindAPI)(EGLenum);
	EGLBoolean (*ChooseConfig)(EGLDisplay, const EGLint *, EGLConfig *, EGLint, EGLint *);
	EGLContext (*CreateContext)(EGLDisplay, EGLConfig, EGLContext, const EGLint *);
	EGLBoolean (*DestroyContext)(EGLDisplay, EGLContext);
	EGLBoolean (*MakeCurrent)(EGLDisplay, EGLSurface, EGLSurface, EGLContext);
	EGLBoolean (*ReleaseThread)(void);
	// Extensions: NULL where the library lacks them.
	EGLBoolean (*QueryDevicesEXT)(EGLint, EGLDeviceEXT *, EGLint *);
	const char *(*QueryDeviceStringEXT)(EGLDeviceEXT, EGLint);
	EGLDisplay (*GetPlatformDisplayEXT)(EGLenum, void *, const EGLint *);
	// glGetString, for the probe contexts of the device list.
	const unsigned char *(*GetString)(unsigned int);
} spk_egl;

static spk_egl egl;

// spk_egl_open loads libEGL.so.1 and its entry points; it returns NULL or
// what went wrong.
static const char *spk_egl_open(void) {
	egl.lib = dlopen("libEGL.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!egl.lib) {
		return dlerror();
	}
#define SPK_LOAD(f) if (!(*(void **)&egl.f = dlsym(egl.lib, "egl" #f))) return "libEGL.so.1 lacks egl" #f;
	SPK_LOAD(GetProcAddress)
	SPK_LOAD(GetError)
	SPK_LOAD(Initialize)
	SPK_LOAD(Terminate)
	SPK_LOAD(QueryString)
	SPK_LOAD(BindAPI)
	SPK_LOAD(ChooseConfig)
	SPK_LOAD(CreateContext)
	SPK_LOAD(DestroyContext)
	SPK_LOAD(MakeCurrent)
	SPK_LOAD(ReleaseThread)
#undef SPK_LOAD
	*(void **)&egl.QueryDevicesEXT = egl.GetProcAddress("eglQueryDevicesEXT");
	*(void **)&egl.QueryDeviceStringEXT = egl.GetProcAddress("eglQueryDeviceStringEXT");
	*(void **)&egl.GetPlatformDisplayEXT = egl.GetProcAddress("eglGetPlatformDisplayEXT");
	*(void **)&egl.GetString = egl.GetProcAddress("glGetString");
	return NULL;
}

static void *spk_proc(const char *name) { return egl.GetProcAddress(name); }
static EGLint spk_error(void) { return egl.GetError(); }
static EGLBoolean spk_initialize(EGLDisplay d) { EGLint major, minor; return egl.Initialize(d, &major, &minor); }
static EGLBoolean spk_terminate(EGLDisplay d) { return egl.Terminate(d); }
static const char *spk_query_string(EGLDisplay d, EGLint name) { return egl.QueryString(d, name); }
static EGLBoolean spk_bind_api(EGLenum api) { return egl.BindAPI(api); }
static EGLBoolean spk_choose_config(EGLDisplay d, const EGLint *attrs, EGLConfig *c, EGLint *n) { return egl.ChooseConfig(d, attrs, c, 1, n); }
static EGLContext spk_create_context(EGLDisplay d, EGLConfig c, const EGLint *attrs) { return egl.CreateContext(d, c, NULL, attrs); }
static EGLBoolean spk_destroy_context(EGLDisplay d, EGLContext c) { return egl.DestroyContext(d, c); }
static EGLBoolean spk_make_current(EGLDisplay d, EGLContext c) { return egl.MakeCurrent(d, NULL, NULL, c); }
static EGLBoolean spk_release_thread(void) { return egl.ReleaseThread(); }
static int spk_has_devices(void) { return egl.QueryDevicesEXT && egl.QueryDeviceStringEXT && egl.GetPlatformDisplayEXT; }
static EGLBoolean spk_query_devices(EGLint max, EGLDeviceEXT *devs, EGLint *n) { return egl.QueryDevicesEXT(max, devs, n); }
static const char *spk_device_string(EGLDeviceEXT d, EGLint name) { return egl.QueryDeviceStringEXT(d, name); }
static EGLDisplay spk_platform_display(EGLenum platform, void *native) { return egl.GetPlatformDisplayEXT ? egl.GetPlatformDisplayEXT(platform, native, NULL) : NULL; }
static const char *spk_gl_string(unsigned int name) { return egl.GetString ? (const char *)egl.GetString(name) : NULL; }
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// EGL constants (EGL 1.5, EGL_KHR_create_context, EGL_EXT_platform_device,
// EGL_EXT_device_drm, EGL_EXT_device_persistent_id,
// EGL_EXT_device_query_name, EGL_MESA_platform_surfaceless).
const (
	eglSuccess                 = 0x3000
	eglNone                    = 0x3038
	eglVendor                  = 0x3053
	eglExtensions              = 0x3055
	eglRenderableType          = 0x3040
	eglSurfaceType             = 0x3033
	eglOpenGLBit               = 0x0008
	eglOpenGLAPI               = 0x30A2
	eglContextMajorVersion     = 0x3098
	eglContextMinorVersion     = 0x30FB
	eglContextFlagsKHR         = 0x30FC
	eglContextProfileMask      = 0x30FD
	eglContextCoreProfileBit   = 0x0001
	eglContextDebugBitKHR      = 0x0001
	eglContextForwardBitKHR    = 0x0002
	eglPlatformDeviceEXT       = 0x313F
	eglPlatformSurfacelessMESA = 0x31DD
	eglDRMDeviceFileEXT        = 0x3233
	eglDRMRenderNodeFileEXT    = 0x3377
	eglDriverNameEXT           = 0x335E
	eglRendererEXT             = 0x335F
	glVendor                   = 0x1F00
	glRenderer                 = 0x1F01
	glVersion                  = 0x1F02
)

// loadEGL opens libEGL once per process: the library and its entry points
// are process-wide state in any case, so this is the one package-level
// value of this file.
var loadEGL = sync.OnceValue(func() error {
	if msg := C.spk_egl_open(); msg != nil {
		return fmt.Errorf("gpu: no libEGL (%s): apt-get install libegl1 libegl-mesa0 (or the GPU vendor's EGL driver), or use -gl glx or -gl xvfb", C.GoString(msg))
	}
	return nil
})

// eglError names the last EGL error of this thread.
func eglError() string {
	code := int(C.spk_error())
	names := map[int]string{
		0x3000: "EGL_SUCCESS", 0x3001: "EGL_NOT_INITIALIZED", 0x3002: "EGL_BAD_ACCESS",
		0x3003: "EGL_BAD_ALLOC", 0x3004: "EGL_BAD_ATTRIBUTE", 0x3005: "EGL_BAD_CONFIG",
		0x3006: "EGL_BAD_CONTEXT", 0x3007: "EGL_BAD_CURRENT_SURFACE", 0x3008: "EGL_BAD_DISPLAY",
		0x3009: "EGL_BAD_MATCH", 0x300A: "EGL_BAD_NATIVE_PIXMAP", 0x300B: "EGL_BAD_NATIVE_WINDOW",
		0x300C: "EGL_BAD_PARAMETER", 0x300D: "EGL_BAD_SURFACE", 0x300E: "EGL_CONTEXT_LOST",
	}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("EGL error 0x%x", code)
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if w == word {
			return true
		}
	}
	return false
}

func goStr(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// clientExtensions are the extensions of libEGL itself (EGL_EXT_client_extensions).
func clientExtensions() string { return goStr(C.spk_query_string(0, eglExtensions)) }

// eglDevices returns the EGL devices (EGL_EXT_device_enumeration) and
// what EGL says of each, without making a context.
func eglDevices() ([]C.EGLDeviceEXT, []DeviceInfo, error) {
	if err := loadEGL(); err != nil {
		return nil, nil, err
	}
	ext := clientExtensions()
	if C.spk_has_devices() == 0 || !hasWord(ext, "EGL_EXT_platform_device") {
		return nil, nil, fmt.Errorf("gpu: this libEGL cannot list devices (no EGL_EXT_device_enumeration and EGL_EXT_platform_device; vendor %q): install libegl-mesa0 1.4+ or the GPU vendor's EGL driver", goStr(C.spk_query_string(0, eglVendor)))
	}
	var n C.EGLint
	if C.spk_query_devices(0, nil, &n) == 0 {
		return nil, nil, fmt.Errorf("gpu: eglQueryDevicesEXT: %s", eglError())
	}
	if n == 0 {
		return nil, nil, nil
	}
	devs := make([]C.EGLDeviceEXT, n)
	if C.spk_query_devices(n, &devs[0], &n) == 0 {
		return nil, nil, fmt.Errorf("gpu: eglQueryDevicesEXT: %s", eglError())
	}
	devs = devs[:n]
	infos := make([]DeviceInfo, len(devs))
	for i, d := range devs {
		exts := goStr(C.spk_device_string(d, eglExtensions))
		info := DeviceInfo{Index: i, Software: hasWord(exts, "EGL_MESA_device_software")}
		if hasWord(exts, "EGL_EXT_device_drm") {
			info.File = goStr(C.spk_device_string(d, eglDRMDeviceFileEXT))
		}
		if hasWord(exts, "EGL_EXT_device_drm_render_node") {
			if f := goStr(C.spk_device_string(d, eglDRMRenderNodeFileEXT)); f != "" {
				info.File = f
			}
		}
		if hasWord(exts, "EGL_EXT_device_persistent_id") {
			info.Driver = goStr(C.spk_device_string(d, eglDriverNameEXT))
		}
		if hasWord(exts, "EGL_EXT_device_query_name") {
			info.Vendor = goStr(C.spk_device_string(d, eglVendor))
			info.Renderer = goStr(C.spk_device_string(d, eglRendererEXT))
		}
		if info.Driver == "" && info.File != "" {
			// The kernel's driver of the node: nvidia, amdgpu, i915, ...
			if l, err := os.Readlink(filepath.Join("/sys/class/drm", filepath.Base(info.File), "device/driver")); err == nil {
				info.Driver = filepath.Base(l)
			}
		}
		if info.Driver == "" && info.Software {
			info.Driver = "swrast" // Mesa's software driver, llvmpipe inside
		}
		infos[i] = info
	}
	return devs, infos, nil
}

// listEGLDevices is ListDevices: each device is also probed with a
// context of its own (on a thread of its own), for the GL vendor,
// renderer and version EGL does not give, and to tell whether it offers
// OpenGL 4.3 core.
func listEGLDevices() ([]DeviceInfo, error) {
	done := make(chan struct{})
	var infos []DeviceInfo
	var err error
	go func() {
		// A context is made current during each probe; the thread ends
		// with this goroutine, so nothing current outlives it.
		runtime.LockOSThread()
		defer close(done)
		var devs []C.EGLDeviceEXT
		if devs, infos, err = eglDevices(); err != nil {
			return
		}
		for i, d := range devs {
			probeDevice(d, &infos[i])
		}
	}()
	<-done
	return infos, err
}

// probeDevice makes a context on d and fills in what its GL says.
func probeDevice(d C.EGLDeviceEXT, info *DeviceInfo) {
	dpy := C.spk_platform_display(eglPlatformDeviceEXT, unsafe.Pointer(d))
	ctx, err := newEGLContext(dpy, false)
	if err != nil {
		info.Err = err.Error()
		return
	}
	defer func() {
		C.spk_make_current(dpy, nil)
		C.spk_destroy_context(dpy, ctx)
		C.spk_release_thread()
	}()
	glStr := func(name C.uint) string { return goStr(C.spk_gl_string(name)) }
	if info.Vendor == "" {
		info.Vendor = glStr(glVendor)
	}
	if info.Renderer == "" {
		info.Renderer = glStr(glRenderer)
	}
	info.GLVersion = glStr(glVersion)
	if !info.Software && isSoftwareRenderer(info.Renderer) {
		info.Software = true
	}
}

// newEGLContext initialises dpy and makes a current OpenGL 4.3 core
// context on it with no surface (EGL_KHR_surfaceless_context): drawing
// goes to framebuffer objects. Where no 4.3 context can be made it says
// what the display does offer.
func newEGLContext(dpy C.EGLDisplay, debug bool) (C.EGLContext, error) {
	if dpy == 0 {
		return nil, fmt.Errorf("no EGL display (%s)", eglError())
	}
	if C.spk_initialize(dpy) == 0 {
		return nil, fmt.Errorf("eglInitialize: %s (the EGL driver could not be loaded or opened the device: apt-get install libegl-mesa0 libgl1-mesa-dri, or the GPU vendor's EGL driver)", eglError())
	}
	exts := goStr(C.spk_query_string(dpy, eglExtensions))
	for _, need := range []string{"EGL_KHR_surfaceless_context", "EGL_KHR_create_context"} {
		if !hasWord(exts, need) {
			return nil, fmt.Errorf("the EGL display lacks %s (vendor %s)", need, goStr(C.spk_query_string(dpy, eglVendor)))
		}
	}
	if C.spk_bind_api(eglOpenGLAPI) == 0 {
		return nil, fmt.Errorf("eglBindAPI(EGL_OPENGL_API): %s: this EGL offers no desktop OpenGL", eglError())
	}
	var cfg C.EGLConfig // EGL_NO_CONFIG_KHR
	if !hasWord(exts, "EGL_KHR_no_config_context") {
		attrs := []C.EGLint{eglRenderableType, eglOpenGLBit, eglSurfaceType, 0, eglNone}
		var n C.EGLint
		if C.spk_choose_config(dpy, &attrs[0], &cfg, &n) == 0 || n == 0 {
			return nil, fmt.Errorf("no EGL config for desktop OpenGL (%s)", eglError())
		}
	}
	flags := C.EGLint(eglContextForwardBitKHR)
	if debug {
		flags |= eglContextDebugBitKHR
	}
	attrs := []C.EGLint{
		eglContextMajorVersion, 4, eglContextMinorVersion, 3,
		eglContextProfileMask, eglContextCoreProfileBit,
		eglContextFlagsKHR, flags, eglNone,
	}
	ctx := C.spk_create_context(dpy, cfg, &attrs[0])
	if ctx == nil {
		why := eglError()
		have := "no OpenGL context at all"
		plain := []C.EGLint{eglNone}
		if probe := C.spk_create_context(dpy, cfg, &plain[0]); probe != nil {
			if C.spk_make_current(dpy, probe) != 0 {
				have = fmt.Sprintf("%s (%s)", goStr(C.spk_gl_string(glVersion)), goStr(C.spk_gl_string(glRenderer)))
				C.spk_make_current(dpy, nil)
			}
			C.spk_destroy_context(dpy, probe)
		}
		return nil, fmt.Errorf("%w, have %s (eglCreateContext: %s)", ErrNoGL43, have, why)
	}
	if C.spk_make_current(dpy, ctx) == 0 {
		why := eglError()
		C.spk_destroy_context(dpy, ctx)
		return nil, fmt.Errorf("eglMakeCurrent with no surface: %s", why)
	}
	return ctx, nil
}

// openEGL makes c's context through EGL on the calling (locked) thread:
// kind is "egl-device" (device is an index of ListDevices) or
// "egl-surfaceless" (Mesa's software renderer, no device).
func (c *Context) openEGL(kind string, device int, debug bool) (closeFn func(), err error) {
	if err := loadEGL(); err != nil {
		return nil, err
	}
	var dpy C.EGLDisplay
	switch kind {
	case kindEGLDevice:
		devs, infos, err := eglDevices()
		if err != nil {
			return nil, err
		}
		if device < 0 || device >= len(devs) {
			return nil, fmt.Errorf("gpu: no EGL device %d: %s (list them with -list_gpus)", device, countDevices(infos))
		}
		dpy = C.spk_platform_display(eglPlatformDeviceEXT, unsafe.Pointer(devs[device]))
	case kindEGLSurfaceless:
		if !hasWord(clientExtensions(), "EGL_MESA_platform_surfaceless") {
			return nil, fmt.Errorf("gpu: this libEGL has no surfaceless platform (EGL_MESA_platform_surfaceless; vendor %q): apt-get install libegl-mesa0", goStr(C.spk_query_string(0, eglVendor)))
		}
		dpy = C.spk_platform_display(eglPlatformSurfacelessMESA, nil)
	default:
		return nil, fmt.Errorf("gpu: unknown EGL kind %q", kind)
	}
	ctx, err := newEGLContext(dpy, debug)
	if err != nil {
		C.spk_release_thread()
		if errors.Is(err, ErrNoGL43) {
			return nil, fmt.Errorf("gpu: %s: %w; %s", kind, err, noGL43Hint())
		}
		return nil, fmt.Errorf("gpu: %s: %w", kind, err)
	}
	closeFn = func() {
		C.spk_make_current(dpy, nil)
		C.spk_destroy_context(dpy, ctx)
		C.spk_terminate(dpy)
		C.spk_release_thread()
	}
	load := func() error {
		return gl.InitWithProcAddrFunc(func(name string) unsafe.Pointer {
			cs := C.CString(name)
			defer C.free(unsafe.Pointer(cs))
			return C.spk_proc(cs)
		})
	}
	if err := c.initGL(load, debug); err != nil {
		closeFn()
		return nil, err
	}
	return closeFn, nil
}
