// Package gputest gives any package's tests a headless OpenGL 4.3 context
// in one call. Where DISPLAY is unset it starts Xvfb (Mesa's llvmpipe then
// renders). Where no context can be made, tests fail with the reason;
// SPIKECAST_SKIP_GPU=1 turns that into a loud skip, for machines that
// truly have no GL.
//
// The context is a debug context: every KHR_debug message of type ERROR or
// severity HIGH is recorded and fails the test that was running (Do checks
// after each call, CheckGL on demand, and every test that took the context
// at its end).
package gputest

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// SkipEnv is the variable that turns "no GL" from a failure into a skip.
const SkipEnv = "SPIKECAST_SKIP_GPU"

var shared struct {
	once    sync.Once
	ctx     *gpu.Context
	display *gpu.VirtualDisplay
	err     error
	checked sync.Map // testing.TB → struct{}: tests with a CheckGL cleanup
}

// Context returns the process's shared headless context, creating it on
// first use. It fails tb (or skips it, when SPIKECAST_SKIP_GPU=1) when no
// 4.3 context can be made.
func Context(tb testing.TB) *gpu.Context {
	tb.Helper()
	shared.once.Do(func() {
		shared.display, shared.err = gpu.EnsureDisplay()
		if shared.err != nil {
			return
		}
		shared.ctx, shared.err = gpu.NewContext(gpu.Options{Width: 64, Height: 64, Debug: true})
		if shared.err == nil {
			fmt.Fprintf(os.Stderr, "gputest: GL %s, renderer %s\n", shared.ctx.Version, shared.ctx.Renderer)
		}
	})
	if shared.err != nil {
		if os.Getenv(SkipEnv) == "1" {
			tb.Skipf("SKIPPED GPU TEST (%s=1): %v", SkipEnv, shared.err)
		}
		tb.Fatalf("no OpenGL 4.3 context for GPU tests: %v (set %s=1 to skip GPU tests on a machine without GL)", shared.err, SkipEnv)
	}
	// A test that calls the context's Do itself is still checked, at its
	// end.
	if _, seen := shared.checked.LoadOrStore(tb, struct{}{}); !seen {
		tb.Cleanup(func() {
			shared.checked.Delete(tb)
			CheckGL(tb)
		})
	}
	return shared.ctx
}

// Do runs f on the shared context's GL thread, then fails tb with any GL
// fault f caused and with its error.
func Do(tb testing.TB, f func() error) {
	tb.Helper()
	err := Context(tb).Do(f)
	CheckGL(tb)
	if err != nil {
		tb.Fatal(err)
	}
}

// Sim uploads init to a GPU simulation driven by the border walk and
// releases it when tb ends. It must not run on the GL thread.
func Sim(tb testing.TB, p cpuref.Params, init *cpuref.State) *gpu.Sim {
	tb.Helper()
	var sim *gpu.Sim
	Do(tb, func() (err error) {
		sim, err = gpu.New(p, init, cpuref.Border{N: p.N})
		return err
	})
	tb.Cleanup(func() { Do(tb, func() error { sim.Release(); return nil }) })
	return sim
}

// CheckGL fails tb (without stopping it) with every GL fault recorded
// since the last check, and forgets them.
func CheckGL(tb testing.TB) {
	tb.Helper()
	if shared.ctx == nil {
		return
	}
	for _, f := range shared.ctx.Faults() {
		tb.Errorf("gputest: %v", f)
	}
}

// Main runs the tests and then releases the context and any Xvfb started
// for it. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if shared.ctx != nil {
		shared.ctx.Release()
	}
	shared.display.Stop()
	os.Exit(code)
}
