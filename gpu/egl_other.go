//go:build !linux

package gpu

import "errors"

// errNoEGL is every EGL call's error off Linux.
var errNoEGL = errors.New("gpu: EGL headless contexts are Linux-only; use -gl glx")

func eglDevices() ([]struct{}, []DeviceInfo, error) { return nil, nil, errNoEGL }

func listEGLDevices() ([]DeviceInfo, error) { return nil, errNoEGL }

func (c *Context) openEGL(kind string, device int, debug bool) (func(), error) {
	return nil, errNoEGL
}
