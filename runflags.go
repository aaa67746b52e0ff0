package main

import (
	"flag"
	"fmt"
	"runtime"
	"strings"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// addRunFlags declares what kind of run this is and on what backend.
func addRunFlags(fs *flag.FlagSet, c *config) check {
	fs.StringVar(&c.Backend, "backend", "auto", "gpu (OpenGL 4.3 compute shaders), cpu (the fast Go engine), ref (the Go reference), or auto: a hardware GPU, else the faster of gpu and cpu for this n, measured once and cached")
	fs.IntVar(&c.Steps, "steps", 0, "steps to run; 0: until the window closes, or 3000 with -headless")
	fs.BoolVar(&c.Headless, "headless", false, "no window: simulate, then print the summary")
	fs.IntVar(&c.Workers, "workers", runtime.GOMAXPROCS(0), "goroutines for -backend cpu and ref [1, 1024]; the result does not depend on it")
	return func(*flag.FlagSet, []string) error {
		if c.Params.Env == cpuref.EnvMouse && c.Headless {
			return usagef("invalid -env mouse with -headless: the dot follows the mouse, which needs the window")
		}
		if err := checkMemory(c.Params); err != nil {
			return err
		}
		if !validBackend(c.Backend) {
			return usagef("invalid -backend %q: want one of %s", c.Backend, quoted(backendChoices()))
		}
		if c.Steps < 0 {
			return usagef("invalid -steps %d: want an integer ≥ 0", c.Steps)
		}
		if c.Headless && c.Steps == 0 {
			c.Steps = 3000
		}
		if c.Workers < 1 || c.Workers > 1024 {
			return usagef("invalid -workers %d: want an integer in [1, 1024]", c.Workers)
		}
		return nil
	}
}

// backendChoices are the values of -backend: the backends, and auto.
func backendChoices() []string { return append(append([]string{}, backend.Names...), "auto") }

func validBackend(name string) bool {
	for _, n := range backendChoices() {
		if n == name {
			return true
		}
	}
	return false
}

// quoted lists names as "a", "b".
func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// checkMemory refuses, before anything is allocated, a network whose state
// would not fit in this machine's memory: the state is held once on the
// host and once by the GL driver (which on a software renderer is host
// memory too), so twice its size must fit in 80% of RAM.
func checkMemory(p cpuref.Params) error {
	ram := totalRAM()
	if ram == 0 {
		return nil // unknown: let the allocation decide
	}
	need := 2 * gpu.BytesFor(p)
	if need > ram/10*8 {
		return usagef("invalid -n %d: this network needs about %s of memory (its state on the host and in the GL driver), more than 80%% of this machine's %s; use a smaller -n, -rrec or -rout",
			p.N, cpuref.HumanBytes(need), cpuref.HumanBytes(ram))
	}
	return nil
}
