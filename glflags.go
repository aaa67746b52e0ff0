package main

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/gpu"
)

// addGLFlags declares how a headless context is made (headless runs,
// headless recordings and -bench; the window always uses GLFW) and
// -list_gpus. Bad values fail the parse, so they exit 2 naming the flag.
func addGLFlags(fs *flag.FlagSet, c *config) check {
	c.GL = gpu.HeadlessOptions{GL: "auto", Device: -1}
	fs.Var(glChoice{&c.GL.GL}, "gl", "how a headless context is made: auto (an EGL GPU, else EGL software, else GLX on $DISPLAY, else a private Xvfb), egl, glx or xvfb")
	fs.Var(deviceIndex{&c.GL.Device}, "gpu", "EGL device of a headless run on -backend gpu or auto (see -list_gpus), used or refused; -1: the first hardware GPU, else software")
	fs.BoolVar(&c.ListGPUs, "list_gpus", false, "list the EGL devices -gpu chooses from, one a line, and exit")
	return func(*flag.FlagSet, []string) error {
		o := c.GL
		switch {
		case o.Device < 0:
		case o.GL == "glx" || o.GL == "xvfb":
			return usagef("invalid -gpu %d with -gl %s: -gpu picks an EGL device; use -gl egl or auto", o.Device, o.GL)
		case c.Backend == "cpu" || c.Backend == "ref":
			return usagef("invalid -gpu %d with -backend %s: the %s backend runs on the CPU, and -gpu picks the GPU of -backend gpu or auto", o.Device, c.Backend, c.Backend)
		case !c.Headless && !c.Bench:
			return usagef("invalid -gpu %d without -headless: the window draws on its display's GPU, and -gpu picks a headless run's EGL device", o.Device)
		}
		return nil
	}
}

// glChoice is the value of -gl: one of gpu.GLChoices.
type glChoice struct{ p *string }

func (g glChoice) String() string {
	if g.p == nil {
		return ""
	}
	return *g.p
}

func (g glChoice) Set(s string) error {
	if !slices.Contains(gpu.GLChoices, s) {
		return fmt.Errorf("want one of %s", strings.Join(gpu.GLChoices, ", "))
	}
	*g.p = s
	return nil
}

// deviceIndex is the value of -gpu: an EGL device index, or -1.
type deviceIndex struct{ p *int }

func (d deviceIndex) String() string {
	if d.p == nil {
		return ""
	}
	return strconv.Itoa(*d.p)
}

func (d deviceIndex) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < -1 {
		return fmt.Errorf("want a device index ≥ 0 from -list_gpus, or -1")
	}
	*d.p = n
	return nil
}
