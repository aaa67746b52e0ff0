// Package gputest gives any package's tests a headless OpenGL 4.3 context
// in one call, made as gpu.NewHeadlessWith's "auto" makes it: through EGL
// where it works (a hardware EGL device, else Mesa's surfaceless platform,
// llvmpipe, with no X at all), else GLX on $DISPLAY, else a private Xvfb.
// SPIKECAST_TEST_GL=egl|glx|xvfb forces one way, to test the fallbacks.
// Where no context can be made, tests fail with the reason;
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

// GLEnv is the variable that forces how the context is made: a value of
// gpu.GLChoices ("auto" when unset).
const GLEnv = "SPIKECAST_TEST_GL"

var shared struct {
	once    sync.Once
	ctx     *gpu.Context
	err     error
	checked sync.Map // testing.TB → struct{}: tests with a CheckGL cleanup
}

// Context returns the process's shared headless context, creating it on
// first use. It fails tb (or skips it, when SPIKECAST_SKIP_GPU=1) when no
// 4.3 context can be made.
func Context(tb testing.TB) *gpu.Context {
	tb.Helper()
	shared.once.Do(func() {
		shared.ctx, shared.err = gpu.NewHeadlessWith(Options())
		if shared.err == nil {
			fmt.Fprintf(os.Stderr, "gputest: GL %s, renderer %s, context %s\n", shared.ctx.Version, shared.ctx.Renderer, shared.ctx.GL)
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

// Options are the options of the shared context: a debug context, made
// as $SPIKECAST_TEST_GL says.
func Options() gpu.HeadlessOptions {
	return gpu.HeadlessOptions{GL: os.Getenv(GLEnv), Device: -1, Debug: true}
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
	os.Exit(code)
}
