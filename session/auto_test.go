package session

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

var (
	llvmpipe = gpu.DeviceInfo{Index: 0, Renderer: "llvmpipe (LLVM 15.0.6, 256 bits)", Software: true}
	h200     = gpu.DeviceInfo{Index: 1, Renderer: "NVIDIA H200/PCIe/SSE2"}
)

// fakeEnv is an autoEnv whose devices and rates are given, counting the
// measurements it is asked for.
func fakeEnv(t *testing.T, devices []gpu.DeviceInfo, devErr error, cpu, gpuRate float64, gpuErr error, measured *[]string) autoEnv {
	t.Helper()
	return autoEnv{
		devices: func() ([]gpu.DeviceInfo, error) { return devices, devErr },
		measure: func(name string, p cpuref.Params) (float64, error) {
			*measured = append(*measured, name)
			if name == "gpu" {
				return gpuRate, gpuErr
			}
			return cpu, nil
		},
		cache: filepath.Join(t.TempDir(), "spikecast", "auto.json"),
		cpus:  2,
	}
}

// TestChooseBackend: a hardware GPU wins without a measurement; otherwise
// the faster measured backend, and no GL at all means cpu.
func TestChooseBackend(t *testing.T) {
	p := cpuref.Defaults()
	p.N = 256
	for _, c := range []struct {
		name      string
		devices   []gpu.DeviceInfo
		devErr    error
		cpu, gpu  float64
		gpuErr    error
		want      string
		why       string
		measuring []string
	}{
		{"hardware", []gpu.DeviceInfo{llvmpipe, h200}, nil, 3900, 410, nil, "gpu", "gpu: hardware GPU 1, NVIDIA H200", nil},
		{"cpu faster", []gpu.DeviceInfo{llvmpipe}, nil, 3900, 410, nil, "cpu", "cpu: 3,900 vs 410 steps/s on gpu (llvmpipe (LLVM 15.0.6, 256 bits)) at n=256 (measured)", []string{"cpu", "gpu"}},
		{"llvmpipe faster", []gpu.DeviceInfo{llvmpipe}, nil, 300, 1234567, nil, "gpu", "gpu (llvmpipe (LLVM 15.0.6, 256 bits)): 1,234,567 vs 300 steps/s on cpu at n=256 (measured)", []string{"cpu", "gpu"}},
		{"no EGL", nil, errors.New("no libEGL"), 3900, 0, nil, "cpu", "cpu: no GPU with OpenGL 4.3; 3,900 steps/s at n=256 (measured)", []string{"cpu"}},
		{"GL fails", []gpu.DeviceInfo{llvmpipe}, nil, 3900, 0, errors.New("need OpenGL 4.3"), "cpu", "cpu: no GPU with OpenGL 4.3", []string{"cpu", "gpu"}},
		{"hardware without GL 4.3", []gpu.DeviceInfo{{Index: 0, Renderer: "old", Err: "GL 3.1"}, llvmpipe}, nil, 3900, 410, nil, "cpu", "cpu: 3,900 vs 410", []string{"cpu", "gpu"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var measured []string
			e := fakeEnv(t, c.devices, c.devErr, c.cpu, c.gpu, c.gpuErr, &measured)
			got := chooseBackend(p, e)
			if got.Name != c.want || !strings.HasPrefix(got.Why, c.why) {
				t.Errorf("chose %+v, want %s, %q…", got, c.want, c.why)
			}
			if strings.Join(measured, ",") != strings.Join(c.measuring, ",") {
				t.Errorf("measured %v, want %v", measured, c.measuring)
			}
		})
	}
}

// TestAutoCache: a decision measures once per key; the second run reads
// the cache file and says so; another n, renderer or CPU count measures
// again; a corrupt cache is measured over.
func TestAutoCache(t *testing.T) {
	p := cpuref.Defaults()
	p.N = 64
	var measured []string
	e := fakeEnv(t, []gpu.DeviceInfo{llvmpipe}, nil, 21000, 1400, nil, &measured)
	first := chooseBackend(p, e)
	if !strings.HasSuffix(first.Why, "(measured)") || len(measured) != 2 {
		t.Fatalf("first: %+v after %v", first, measured)
	}
	// Other rates now: the cache must win.
	e2 := fakeEnv(t, []gpu.DeviceInfo{llvmpipe}, nil, 1, 2, nil, &measured)
	e2.cache = e.cache
	second := chooseBackend(p, e2)
	if second.Name != first.Name || !strings.HasSuffix(second.Why, "(measured, cached)") || len(measured) != 2 {
		t.Fatalf("second: %+v after %v", second, measured)
	}
	cache := readAutoCache(e.cache)
	r, ok := cache[autoKey(p, llvmpipe.Renderer, 2)]
	if len(cache) != 1 || !ok || r.CPU != 21000 || r.GPU != 1400 || r.Date == "" {
		t.Fatalf("cache %+v", cache)
	}
	for _, change := range []func(){
		func() { p.N = 65 },
		func() { p.K = 8 },
		func() { p.Direct = 2 },
		func() { e2.cpus = 16 },
		func() {
			e2.devices = func() ([]gpu.DeviceInfo, error) { return []gpu.DeviceInfo{{Renderer: "softpipe", Software: true}}, nil }
		},
	} {
		change()
		before := len(measured)
		if got := chooseBackend(p, e2); got.Name != "gpu" || len(measured) != before+2 {
			t.Fatalf("after a change of key: %+v, measured %v", got, measured[before:])
		}
	}
	if n := len(readAutoCache(e.cache)); n != 6 {
		t.Errorf("cache holds %d keys, want 6", n)
	}
	if err := writeAutoCache(e.cache, nil); err != nil {
		t.Fatal(err)
	}
	if err := atomicWriteString(e.cache, "{not json"); err != nil {
		t.Fatal(err)
	}
	if m := readAutoCache(e.cache); len(m) != 0 {
		t.Errorf("corrupt cache read as %v", m)
	}
}

// TestResolveAuto: the one line on stderr, the backend that runs, and
// Config restored afterwards.
func TestResolveAuto(t *testing.T) {
	var measured []string
	c := &Config{Params: cpuref.Defaults(), Backend: "auto", GL: gpu.HeadlessOptions{Device: -1}}
	var stderr bytes.Buffer
	restore := c.resolveAuto(fakeEnv(t, []gpu.DeviceInfo{llvmpipe}, nil, 3900, 410, nil, &measured), &stderr)
	if c.Backend != "cpu" || stderr.String() != "spikecast: -backend auto: "+c.Auto+"\n" || c.runFlags().Backend != "auto" {
		t.Fatalf("backend %q, stderr %q, run flags %+v", c.Backend, stderr.String(), c.runFlags())
	}
	restore()
	if c.Backend != "auto" || c.Auto != "" {
		t.Fatalf("not restored: %q %q", c.Backend, c.Auto)
	}
}

func atomicWriteString(path, s string) error {
	return os.WriteFile(path, []byte(s), 0o644)
}
