package gputest_test

// These tests make contexts of their own, one at a time, so they live in
// this package, whose tests never take the shared context.

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/viz"
)

// skipEGLEnv turns "no EGL here" from a failure into a skip.
const skipEGLEnv = "SPIKECAST_SKIP_EGL"

// eglContext makes a debug context as o says, and fails t with the reason
// where none can be made (skips loudly with SPIKECAST_SKIP_EGL=1).
func eglContext(t *testing.T, o gpu.HeadlessOptions) *gpu.Context {
	t.Helper()
	o.Debug = true
	ctx, err := gpu.NewHeadlessWith(o)
	if err != nil {
		if os.Getenv(skipEGLEnv) == "1" {
			t.Skipf("SKIPPED EGL TEST (%s=1): %v", skipEGLEnv, err)
		}
		t.Fatalf("no EGL context: %v (apt-get install libegl1 libegl-mesa0; set %s=1 to skip on a machine without EGL)", err, skipEGLEnv)
	}
	t.Cleanup(ctx.Release)
	return ctx
}

// do runs f on ctx's thread and fails t with its error and any GL fault.
func do(t *testing.T, ctx *gpu.Context, f func() error) {
	t.Helper()
	err := ctx.Do(f)
	for _, fault := range ctx.Faults() {
		t.Errorf("%v", fault)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestEGLSurfaceless: Mesa's surfaceless platform gives a 4.3 core debug
// context with no window and no X server, on which the compute passes
// follow the reference bit for bit and a frame renders offscreen.
func TestEGLSurfaceless(t *testing.T) {
	ctx := eglContext(t, gpu.HeadlessOptions{GL: "egl-surfaceless", Device: -1})
	t.Logf("%s: %s, %s, %s; warning %q", ctx.GL, ctx.Vendor, ctx.Renderer, ctx.Version, ctx.Warning)
	if ctx.GL != "egl-surfaceless" || ctx.Window != nil {
		t.Errorf("GL %q, window %v: want egl-surfaceless and none", ctx.GL, ctx.Window)
	}
	if !strings.Contains(ctx.Renderer, "llvmpipe") || !ctx.IsSoftware() {
		t.Errorf("renderer %q, want Mesa's llvmpipe", ctx.Renderer)
	}
	if ctx.Version == "" || ctx.Vendor == "" {
		t.Errorf("version %q, vendor %q: want both", ctx.Version, ctx.Vendor)
	}

	// The compute passes, step for step against the reference.
	p := cpuref.Defaults()
	p.N = 24
	init := cpuref.NewState(p)
	ref := cpuref.NewFrom(p, init.Clone(), cpuref.NewStimulus(p))
	var sim *gpu.Sim
	do(t, ctx, func() (err error) { sim, err = gpu.New(p, init, cpuref.NewStimulus(p)); return err })
	got := cpuref.NewStateShape(p)
	for step := 1; step <= 200; step++ {
		ref.Step()
		do(t, ctx, func() error {
			if err := sim.Step(); err != nil {
				return err
			}
			return sim.ReadInto(got, step%50 == 0)
		})
		if err := sameBits(got, ref.State, step%50 == 0); err != "" {
			t.Fatalf("step %d: %s", step, err)
		}
	}

	// A frame drawn into a framebuffer object and read back: an EGL
	// context has no default framebuffer.
	const w, h = 320, 240
	do(t, ctx, func() error {
		v, err := viz.New(sim, viz.Options{Afterglow: 0.8})
		if err != nil {
			return err
		}
		defer v.Release()
		target, err := viz.NewTarget(w, h)
		if err != nil {
			return err
		}
		defer target.Release()
		rb := viz.NewReadback(w, h)
		defer rb.Release()
		v.Update()
		target.Bind()
		if err := v.Draw(w, h, 1, viz.Stats{N: p.N, Backend: "gpu", Renderer: ctx.Renderer, Learn: true, StepsPerFrame: 1}); err != nil {
			return err
		}
		if _, err := rb.Push(); err != nil {
			return err
		}
		img, err := rb.Flush()
		if err != nil || img == nil {
			t.Fatalf("read back: image %v, error %v", img != nil, err)
		}
		colours := map[[4]uint8]bool{}
		for i := 0; i < len(img.Pix); i += 4 {
			colours[[4]uint8(img.Pix[i:i+4])] = true
		}
		if len(colours) < 8 {
			t.Errorf("the offscreen frame has %d colours: nothing was drawn", len(colours))
		}
		return nil
	})
	do(t, ctx, func() error { sim.Release(); return nil })
	ctx.Release()
	ctx.Release() // safe twice
}

// sameBits says where got first differs from want, bit for bit ("" if
// nowhere); without weights the weight arrays, not read back, are skipped.
func sameBits(got, want *cpuref.State, weights bool) string {
	gf := got.Fields()
	for k, w := range want.Fields() {
		g := gf[k]
		switch {
		case w.F32 != nil:
			if !weights && weightFields[w.Name] {
				continue
			}
			for i := range *w.F32 {
				if math.Float32bits((*g.F32)[i]) != math.Float32bits((*w.F32)[i]) {
					return w.Name + "[" + strconv.Itoa(i) + "]: got " + strconv.FormatFloat(float64((*g.F32)[i]), 'g', -1, 32) + ", want " + strconv.FormatFloat(float64((*w.F32)[i]), 'g', -1, 32)
				}
			}
		case w.U32 != nil:
			for i := range *w.U32 {
				if (*g.U32)[i] != (*w.U32)[i] {
					return w.Name + "[" + strconv.Itoa(i) + "] differs"
				}
			}
		default:
			for i := range *w.I32 {
				if (*g.I32)[i] != (*w.I32)[i] {
					return w.Name + "[" + strconv.Itoa(i) + "] differs"
				}
			}
		}
	}
	return ""
}

// weightFields are the buffers ReadInto reads only with weights.
var weightFields = map[string]bool{"WIn": true, "WRec": true, "WOut": true, "Elig": true, "W12": true}

// TestListDevices: EGL lists at least Mesa's software device, one line
// each.
func TestListDevices(t *testing.T) {
	devices, err := gpu.ListDevices()
	if err != nil {
		if os.Getenv(skipEGLEnv) == "1" {
			t.Skipf("SKIPPED EGL TEST (%s=1): %v", skipEGLEnv, err)
		}
		t.Fatal(err)
	}
	software := false
	for i, d := range devices {
		line := d.String()
		t.Log(line)
		if d.Index != i || !strings.HasPrefix(line, "gpu "+strconv.Itoa(i)+": ") || strings.Contains(line, "\n") {
			t.Errorf("device %d: %q is not one line starting \"gpu %d: \"", i, line, i)
		}
		if d.Software && strings.Contains(d.Renderer, "llvmpipe") && d.Err == "" {
			software = true
		}
	}
	if !software {
		t.Errorf("EGL lists no usable software device (Mesa's llvmpipe) among %d: apt-get install libegl-mesa0", len(devices))
	}
}

// TestHeadlessRefusals: what cannot be made is an error saying what was
// found and what to do, never a hang or a panic.
func TestHeadlessRefusals(t *testing.T) {
	devices, err := gpu.ListDevices()
	if err != nil {
		t.Fatal(err)
	}
	n := len(devices)
	t.Setenv("DISPLAY", "")
	cases := []struct {
		o    gpu.HeadlessOptions
		want []string
	}{
		{gpu.HeadlessOptions{GL: "auto", Device: n}, []string{"no EGL device " + strconv.Itoa(n), "gpu 0", "-list_gpus"}},
		{gpu.HeadlessOptions{GL: "egl", Device: n + 5}, []string{"no EGL device " + strconv.Itoa(n+5), "-list_gpus"}},
		{gpu.HeadlessOptions{GL: "glx", Device: -1}, []string{"-gl glx", "DISPLAY is not set", "-gl egl", "-gl xvfb"}},
		{gpu.HeadlessOptions{GL: "xvfb", Device: 0}, []string{"-gpu 0", "EGL device", "-gl egl"}},
		{gpu.HeadlessOptions{GL: "vulkan", Device: -1}, []string{`unknown GL "vulkan"`, "auto, egl, glx, xvfb"}},
		{gpu.HeadlessOptions{GL: "auto", Device: -7}, []string{"invalid device -7"}},
	}
	for _, c := range cases {
		ctx, err := gpu.NewHeadlessWith(c.o)
		if err == nil {
			ctx.Release()
			t.Errorf("%+v: made a %s context, want an error", c.o, ctx.GL)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q does not say %q", c.o, err, w)
			}
		}
	}
}
