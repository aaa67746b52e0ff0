package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/gpu"
)

// glFlags are the settings of this file's flags: how a headless context
// is made (headless runs, headless recordings and -bench; the window
// always uses GLFW).
type glFlags struct {
	headless gpu.HeadlessOptions
	listGPUs bool
}

// addGLFlags declares this file's flags on fs. Bad values fail the parse,
// so they exit 2 naming the flag.
func addGLFlags(fs *flag.FlagSet, g *glFlags) {
	g.headless = gpu.HeadlessOptions{GL: "auto", Device: -1}
	fs.Func("gl", "how a headless context is made: auto (an EGL GPU, else EGL software, else GLX on $DISPLAY, else a private Xvfb), egl, glx or xvfb (default auto)", func(s string) error {
		if !slices.Contains(gpu.GLChoices, s) {
			return fmt.Errorf("want one of %s", strings.Join(gpu.GLChoices, ", "))
		}
		g.headless.GL = s
		return nil
	})
	fs.Func("gpu", "EGL device of a headless run (see -list_gpus); -1: the first hardware GPU, else software (default -1)", func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < -1 {
			return fmt.Errorf("want a device index ≥ 0 from -list_gpus, or -1")
		}
		g.headless.Device = n
		return nil
	})
	fs.BoolVar(&g.listGPUs, "list_gpus", false, "list the EGL devices -gpu chooses from, one a line, and exit")
}

// checkGL refuses a device index where no EGL context is made.
func (g *glFlags) checkGL() error {
	if o := g.headless; o.Device >= 0 && (o.GL == "glx" || o.GL == "xvfb") {
		return &usageError{fmt.Sprintf("invalid -gpu %d with -gl %s: -gpu picks an EGL device; use -gl egl or auto", o.Device, o.GL)}
	}
	return nil
}

// listGPUs prints one line per EGL device (-list_gpus).
func listGPUs(stdout, stderr io.Writer) int {
	devices, err := gpu.ListDevices()
	if err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return exitFailure
	}
	if len(devices) == 0 {
		fmt.Fprintln(stderr, "spikecast: EGL lists no devices")
		return exitFailure
	}
	for _, d := range devices {
		fmt.Fprintln(stdout, d)
	}
	return exitOK
}

// newHeadless makes the headless context the flags ask for and prints its
// warning, if any (software rendering while a GPU is present).
func newHeadless(g *glFlags, stderr io.Writer) (*gpu.Context, error) {
	ctx, err := gpu.NewHeadlessWith(g.headless)
	if err == nil && ctx.Warning != "" {
		fmt.Fprintf(stderr, "spikecast: %s\n", ctx.Warning)
	}
	return ctx, err
}

// glOf is the kind of context a simulator runs in, for the summary.
func glOf(sim simulator) string {
	if g, ok := sim.(*gpuSim); ok {
		return g.ctx.GL
	}
	return ""
}
