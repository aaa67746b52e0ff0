package session

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spikecast/spikecast/atomicfile"
	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpufast"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// -backend auto picks what runs: a hardware GPU when EGL lists one;
// otherwise whichever of gpu (on the software renderer) and cpu is faster
// for this network on this machine, by a short measurement of each
// (autoMeasure of stepping) that is cached, so only the first run of a
// shape on a machine pays for it.

// autoMeasure is how long each backend is timed, after its warm-up steps.
const autoMeasure = 300 * time.Millisecond

// autoWarmup steps run before the timing: the GPU's first dispatches
// compile and link the passes.
const autoWarmup = 20

// autoChoice is what auto decided and why, in one line.
type autoChoice struct {
	Name string // one of backend.Names
	Why  string // e.g. "cpu: 3,900 vs 410 steps/s at n=256 (measured, cached)"
}

// autoRates are the measured rates, steps per second, of one key.
type autoRates struct {
	CPU  float64 `json:"cpu"`
	GPU  float64 `json:"gpu"` // 0: no GL 4.3 context could be made
	Date string  `json:"date"`
}

// autoEnv is what the decision reads of the machine: injected in tests.
type autoEnv struct {
	devices func() ([]gpu.DeviceInfo, error)
	// measure times backend name on p, in steps per second; an error for
	// gpu means it cannot run here.
	measure func(name string, p cpuref.Params) (float64, error)
	cache   string // the cache file; "" keeps no cache
	cpus    int
}

// defaultAutoEnv reads this machine: EGL's devices, real measurements and
// os.UserCacheDir()/spikecast/auto.json.
func defaultAutoEnv(c *Config) autoEnv {
	// The CPU engine's rate depends on the cores it may use: -workers,
	// at most the machine's.
	cpus := runtime.NumCPU()
	if c.Workers > 0 {
		cpus = min(cpus, c.Workers)
	}
	e := autoEnv{devices: gpu.ListDevices, cpus: cpus}
	e.measure = func(name string, p cpuref.Params) (float64, error) {
		return measureBackend(backend.Config{Name: name, Params: p, Workers: c.Workers, GL: c.GL})
	}
	if dir, err := os.UserCacheDir(); err == nil {
		e.cache = filepath.Join(dir, "spikecast", "auto.json")
	}
	return e
}

// chooseBackend makes auto's decision for p.
func chooseBackend(p cpuref.Params, e autoEnv) autoChoice {
	devices, _ := e.devices() // no EGL at all: no GPU, software or not
	renderer := "none"
	for _, d := range devices {
		if !d.Software && d.Err == "" {
			return autoChoice{"gpu", fmt.Sprintf("gpu: hardware GPU %d, %s", d.Index, d.Renderer)}
		}
		if d.Err == "" && renderer == "none" {
			renderer = d.Renderer
		}
	}
	key := autoKey(p, renderer, e.cpus)
	cache := readAutoCache(e.cache)
	r, cached := cache[key]
	if !cached {
		mp := autoParams(p)
		var err error
		if r.CPU, err = e.measure("cpu", mp); err != nil {
			// The fast engine cannot fail on valid parameters; if it
			// does, the reference is the safe choice.
			return autoChoice{"ref", fmt.Sprintf("ref: the cpu backend failed to start (%v)", err)}
		}
		if renderer != "none" {
			if g, err := e.measure("gpu", mp); err == nil {
				r.GPU = g
			}
		}
		r.Date = time.Now().UTC().Format(time.DateOnly)
		if e.cache != "" {
			cache[key] = r
			writeAutoCache(e.cache, cache) // a cache that cannot be written costs the next run 0.6 s, no more
		}
	}
	how := "measured"
	if cached {
		how = "measured, cached"
	}
	if r.GPU == 0 {
		return autoChoice{"cpu", fmt.Sprintf("cpu: no GPU with OpenGL 4.3; %s steps/s at n=%d (%s)", commas(r.CPU), p.N, how)}
	}
	if r.GPU > r.CPU {
		return autoChoice{"gpu", fmt.Sprintf("gpu (%s): %s vs %s steps/s on cpu at n=%d (%s)", renderer, commas(r.GPU), commas(r.CPU), p.N, how)}
	}
	return autoChoice{"cpu", fmt.Sprintf("cpu: %s vs %s steps/s on gpu (%s) at n=%d (%s)", commas(r.CPU), commas(r.GPU), renderer, p.N, how)}
}

// autoKey names a measurement: the network's size and the parameters
// that change the work of a step by a factor (the cells a pixel, the
// windows, the direct path, the competition, the second layer, a dense
// W_out), the renderer, the CPUs and the CPU engine's dense loop. Rates
// for other parameters at the same shape differ by less than the gaps
// auto decides on (BENCHMARKS.md).
// A key of the seed model's shape (K = 1, no direct path or competition)
// is written as it was before those parameters existed, so a cache
// measured then still serves it.
func autoKey(p cpuref.Params, renderer string, cpus int) string {
	shape := fmt.Sprintf("n=%d rrec=%d rout=%d wout=%s layer2=%d", p.N, p.RRec, p.ROut, p.OutLayout, p.Layer2())
	if p.K != 1 || p.Direct != 0 || p.Compete != cpuref.CompeteNone {
		shape += fmt.Sprintf(" k=%d direct=%d rdirect=%d compete=%s", p.K, p.Direct, p.RDirect, p.Compete)
	}
	if path := cpufast.VectorPath(); path == "avx2" {
		shape += " cpu=" + path // the plain loop's key is as it was before the vector loop
	}
	return fmt.Sprintf("%s renderer=%s cpus=%d", shape, renderer, cpus)
}

// autoParams are the parameters measured: p on its own stimulus, the
// border walk with -frames or -env mouse (neither can be stepped
// headless without side effects; the cost of a step hardly depends on
// the stimulus).
func autoParams(p cpuref.Params) cpuref.Params {
	if p.Frames != "" || p.Env == cpuref.EnvMouse {
		d := cpuref.Defaults()
		p.Frames, p.Env, p.Dots = d.Frames, d.Env, d.Dots
	}
	return p
}

// measureBackend times c's backend for autoMeasure after its warm-up and
// returns steps per second.
func measureBackend(c backend.Config) (float64, error) {
	b, err := backend.New(c)
	if err != nil {
		return 0, err
	}
	defer b.Release()
	if err := b.Step(autoWarmup); err != nil {
		return 0, err
	}
	if _, err := b.Measures(); err != nil {
		return 0, err
	}
	start := time.Now()
	steps, k := 0, 1
	for time.Since(start) < autoMeasure {
		if err := b.Step(k); err != nil {
			return 0, err
		}
		if _, err := b.Measures(); err != nil { // waits for the GPU
			return 0, err
		}
		steps += k
		k = min(2*k, 256)
	}
	return float64(steps) / time.Since(start).Seconds(), nil
}

// readAutoCache reads the cache; a missing or unreadable one is empty.
func readAutoCache(path string) map[string]autoRates {
	m := map[string]autoRates{}
	if path == "" {
		return m
	}
	if b, err := os.ReadFile(path); err == nil {
		if json.Unmarshal(b, &m) != nil {
			m = map[string]autoRates{}
		}
	}
	return m
}

// writeAutoCache replaces the cache file atomically.
func writeAutoCache(path string, m map[string]autoRates) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
}

// resolveAuto replaces -backend auto by its choice, says which and why on
// stderr, and returns a func that restores c.
func (c *Config) resolveAuto(e autoEnv, stderr io.Writer) func() {
	if c.Backend != "auto" {
		return func() {}
	}
	var ch autoChoice
	if c.GL.Device >= 0 {
		ch, _ = chooseDevice(c.GL.Device, e) // checkDevice found it
	} else {
		ch = chooseBackend(c.Params, e)
	}
	fmt.Fprintf(stderr, "spikecast: -backend auto: %s\n", ch.Why)
	c.Backend, c.Auto = ch.Name, ch.Why
	return func() { c.Backend, c.Auto = "auto", "" }
}

// chooseDevice is auto's decision when -gpu names an EGL device: the gpu
// backend on it, or why it cannot be (not there, or no OpenGL 4.3).
func chooseDevice(device int, e autoEnv) (autoChoice, error) {
	devices, err := e.devices()
	if err != nil {
		return autoChoice{}, fmt.Errorf("-gpu %d: no EGL device to choose from (%v)", device, err)
	}
	for _, d := range devices {
		if d.Index != device {
			continue
		}
		if d.Err != "" {
			return autoChoice{}, fmt.Errorf("-gpu %d (%s) cannot run the gpu backend: %s", device, d.Renderer, d.Err)
		}
		return autoChoice{"gpu", fmt.Sprintf("gpu: -gpu %d, %s", device, d.Renderer)}, nil
	}
	return autoChoice{}, fmt.Errorf("-gpu %d: no such EGL device: this machine has %d (-list_gpus lists them)", device, len(devices))
}

// checkDevice checks, before a run on -backend gpu or auto starts, that
// the device -gpu names is there and can run the gpu backend: a device
// asked for is used or refused, never passed over for another.
func (c *Config) checkDevice(e autoEnv) error {
	if c.GL.Device < 0 || c.Backend != "auto" && c.Backend != "gpu" {
		return nil
	}
	_, err := chooseDevice(c.GL.Device, e)
	return err
}

// commas writes a rate rounded to a whole number with thousands
// separators: 3,900.
func commas(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
