// Package gputest gives any package's tests a headless OpenGL 4.3 context
// in one call. Where DISPLAY is unset it starts Xvfb (Mesa's llvmpipe then
// renders). Where no context can be made, tests fail with the reason;
// SPIKECAST_SKIP_GPU=1 turns that into a loud skip, for machines that
// truly have no GL.
package gputest

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/spikecast/spikecast/gpu"
)

// SkipEnv is the variable that turns "no GL" from a failure into a skip.
const SkipEnv = "SPIKECAST_SKIP_GPU"

var shared struct {
	once    sync.Once
	ctx     *gpu.Context
	display *gpu.VirtualDisplay
	err     error
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
		shared.ctx, shared.err = gpu.NewContext(gpu.Options{Width: 64, Height: 64})
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
	return shared.ctx
}

// Do runs f on the shared context's GL thread and fails tb with its error.
func Do(tb testing.TB, f func() error) {
	tb.Helper()
	if err := Context(tb).Do(f); err != nil {
		tb.Fatal(err)
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
