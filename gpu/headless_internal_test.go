package gpu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSys writes a /sys/class/drm with one render node per vendor id.
func fakeSys(t *testing.T, vendors ...string) string {
	t.Helper()
	sys := t.TempDir()
	for i, v := range vendors {
		dir := filepath.Join(sys, "renderD"+string(rune('0'+i))+"28", "device")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "vendor"), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return sys
}

func TestHardwareRenderNodes(t *testing.T) {
	nodes := hardwareRenderNodes(fakeSys(t, "0x1af4", "0x10de", "0x8086"))
	want := []renderNode{{"/dev/dri/renderD128", "NVIDIA"}, {"/dev/dri/renderD228", "Intel"}}
	if len(nodes) != len(want) || nodes[0] != want[0] || nodes[1] != want[1] {
		t.Errorf("render nodes %v, want %v (virtio-gpu 0x1af4 is no GPU worth a warning)", nodes, want)
	}
	if nodes := hardwareRenderNodes(filepath.Join(t.TempDir(), "none")); nodes != nil {
		t.Errorf("no /sys/class/drm: %v, want none", nodes)
	}
}

// TestSoftwareWarning: software rendering while a GPU is present gives one
// line naming the GPU and the flag that would use it, and nothing where
// there is no GPU.
func TestSoftwareWarning(t *testing.T) {
	sw := &Context{Renderer: "llvmpipe (LLVM 15.0.6, 256 bits)", GL: kindEGLSurfaceless}
	soft := DeviceInfo{Index: 0, Software: true, Renderer: "llvmpipe"}
	nvidia := DeviceInfo{Index: 1, Vendor: "NVIDIA Corporation", Renderer: "NVIDIA H200/PCIe/SSE2", File: "/dev/dri/renderD128"}
	cases := []struct {
		name    string
		ctx     *Context
		devices []DeviceInfo
		nodes   []renderNode
		fails   []string
		want    []string // in the line; none: no warning
	}{
		{"no GPU", sw, []DeviceInfo{soft}, nil, nil, nil},
		{"EGL device", sw, []DeviceInfo{soft, nvidia}, nil, nil,
			[]string{"llvmpipe", "EGL device 1", "NVIDIA H200", "/dev/dri/renderD128", "use -gpu 1"}},
		{"EGL device failed", sw, []DeviceInfo{soft, nvidia}, nil, []string{"egl-device: eglInitialize: EGL_BAD_ACCESS"},
			[]string{"use -gpu 1", "tried first: egl-device: eglInitialize: EGL_BAD_ACCESS"}},
		{"render node under xvfb", &Context{Renderer: "llvmpipe", GL: kindXvfb}, nil, []renderNode{{"/dev/dri/renderD128", "AMD"}}, nil,
			[]string{"-gl xvfb", "/dev/dri/renderD128 is an AMD GPU", "use -gl egl"}},
		{"render node EGL cannot see", sw, []DeviceInfo{soft}, []renderNode{{"/dev/dri/renderD128", "NVIDIA"}}, nil,
			[]string{"NVIDIA GPU", "install the NVIDIA EGL driver", "group render"}},
	}
	for _, c := range cases {
		got := softwareWarning(c.ctx, c.devices, c.nodes, c.fails)
		if c.want == nil {
			if got != "" {
				t.Errorf("%s: warning %q, want none", c.name, got)
			}
			continue
		}
		if strings.Contains(got, "\n") {
			t.Errorf("%s: warning is not one line: %q", c.name, got)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: warning %q does not say %q", c.name, got, w)
			}
		}
	}
}

func TestDeviceInfoString(t *testing.T) {
	d := DeviceInfo{Index: 2, Vendor: "NVIDIA Corporation", Renderer: "NVIDIA H200", Driver: "nvidia", File: "/dev/dri/renderD130", GLVersion: "4.6.0 NVIDIA 550.54"}
	want := "gpu 2: hardware, vendor NVIDIA Corporation, renderer NVIDIA H200, driver nvidia, /dev/dri/renderD130, OpenGL 4.6.0 NVIDIA 550.54"
	if got := d.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	d = DeviceInfo{Index: 0, Software: true, Err: "need OpenGL 4.3 core, have 3.3"}
	want = "gpu 0: software, vendor unknown, renderer unknown, driver unknown, no device file, unusable: need OpenGL 4.3 core, have 3.3"
	if got := d.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
