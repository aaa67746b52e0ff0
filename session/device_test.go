package session

import (
	"errors"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/gpu"
)

// TestChooseDevice: with -gpu N, auto runs the gpu backend on device N,
// without measuring, or refuses in one line when N is not there or
// cannot run OpenGL 4.3; -backend cpu and ref are not checked.
func TestChooseDevice(t *testing.T) {
	old := gpu.DeviceInfo{Index: 2, Renderer: "old", Err: "GL 3.1"}
	var measured []string
	e := fakeEnv(t, []gpu.DeviceInfo{llvmpipe, h200, old}, nil, 3900, 410, nil, &measured)
	for _, c := range []struct {
		device int
		want   string // the choice's reason, or the error
		ok     bool
	}{
		{0, "gpu: -gpu 0, llvmpipe", true},
		{1, "gpu: -gpu 1, NVIDIA H200", true},
		{2, "-gpu 2 (old) cannot run the gpu backend: GL 3.1", false},
		{99, "-gpu 99: no such EGL device: this machine has 3", false},
	} {
		ch, err := chooseDevice(c.device, e)
		if c.ok && (err != nil || ch.Name != "gpu" || !strings.HasPrefix(ch.Why, c.want)) {
			t.Errorf("-gpu %d: %+v, %v; want gpu, %q", c.device, ch, err, c.want)
		}
		if !c.ok && (err == nil || !strings.HasPrefix(err.Error(), c.want)) {
			t.Errorf("-gpu %d: %v, want %q", c.device, err, c.want)
		}
	}
	if len(measured) != 0 {
		t.Errorf("measured %v: a device asked for needs no measurement", measured)
	}
	noEGL := fakeEnv(t, nil, errors.New("no libEGL"), 3900, 0, nil, &measured)
	c := &Config{Backend: "auto", GL: gpu.HeadlessOptions{Device: 0}}
	if err := c.checkDevice(noEGL); err == nil || !strings.Contains(err.Error(), "no libEGL") {
		t.Errorf("without EGL: %v", err)
	}
	c.Backend = "cpu"
	if err := c.checkDevice(noEGL); err != nil {
		t.Errorf("-backend cpu: %v", err)
	}
}
