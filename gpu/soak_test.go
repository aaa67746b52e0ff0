package gpu_test

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/gpu/gputest"
)

var soak = flag.Bool("soak", false, "soak for long: 1,000,000 steps at n=64 and 100,000 at n=256 (make soak)")

// rssKiB returns the process's resident set (VmRSS), in KiB.
func rssKiB(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", rest, err)
			}
			return kib
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// settledRSS is the resident set once Go has returned its free memory,
// so only memory held (by Go, the driver or llvmpipe) counts.
func settledRSS(t *testing.T) int64 {
	t.Helper()
	debug.FreeOSMemory()
	return rssKiB(t)
}

// checkBounds fails t at the first value of st outside what the model
// allows for p after any number of steps.
func checkBounds(t *testing.T, p cpuref.Params, st *cpuref.State) {
	t.Helper()
	for _, f := range []struct {
		name   string
		v      []float32
		lo, hi float32
	}{
		{"P", st.P, 0, inf},
		{"Q", st.Q, 0, inf},
		{"V", st.V, -inf, inf},
		{"Theta", st.Theta, p.ThetaMin, inf},
		{"WIn", st.WIn, 0, p.WinMax},
		{"WOut", st.WOut, -p.WoutMax, p.WoutMax},
		// W_rec is fixed (no -learn_rec): it stays in its initial range.
		{"WRec", st.WRec, -p.Wrec0, p.Wrec0},
		{"Elig", st.Elig, -inf, inf},
		{"V2", st.V2, -inf, inf},
		{"Theta2", st.Theta2, p.ThetaMin, inf},
		{"Q2", st.Q2, 0, inf},
		{"W12", st.W12, 0, p.WinMax},
	} {
		for i, v := range f.v {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v < f.lo || v > f.hi {
				t.Fatalf("step %d: %s[%d] = %v, want a finite value in [%v, %v]", st.T, f.name, i, v, f.lo, f.hi)
			}
		}
	}
}

var inf = float32(math.Inf(1))

// soakRun runs steps steps of the default network at n, checking the
// bounds every 1,000 steps, and returns the resident set (KiB) a quarter
// of the way (step 5,000 of 20,000) and at the end.
func soakRun(t *testing.T, n, steps int) (early, late int64) {
	p := cpuref.Defaults()
	p.N = n
	sim := gputest.Sim(t, p, cpuref.NewState(p))
	st := cpuref.NewStateShape(p) // reused: reading back allocates nothing
	const chunk = 1000
	earlyStep := 0
	start := time.Now()
	for done := 0; done < steps; done += chunk {
		gputest.Do(t, func() error {
			if err := sim.Run(min(chunk, steps-done)); err != nil {
				return err
			}
			return sim.ReadInto(st, true)
		})
		checkBounds(t, p, st)
		if early == 0 && done+chunk >= steps/4 {
			early, earlyStep = settledRSS(t), done+chunk
		}
		if *soak && (done+chunk)%(steps/10) == 0 {
			t.Logf("n=%d: %d steps, %.0f s, RSS %d KiB", n, done+chunk, time.Since(start).Seconds(), rssKiB(t))
		}
	}
	late = settledRSS(t)
	var m cpuref.Measures
	gputest.Do(t, func() (err error) { m, err = sim.Measures(); return err })
	el := time.Since(start)
	t.Logf("n=%d: %d steps in %.1f s (%.0f steps/s), F1 %.3f, hidden rate %.4f; RSS %d KiB at step %d, %d KiB at the end (%+d KiB); renderer %s",
		n, steps, el.Seconds(), float64(steps)/el.Seconds(), m.F1, m.HiddenRate, early, earlyStep, late, late-early, gputest.Context(t).Renderer)
	return early, late
}

// TestSoak runs the GPU backend for long and checks that nothing drifts
// out of its range, turns NaN or leaks: 20,000 steps at n=64 (2,000 with
// -short; with -soak, 1,000,000 at n=64 and 100,000 at n=256), and 20
// simulations made and released leave as many GL objects as before.
func TestSoak(t *testing.T) {
	runs := []struct{ n, steps int }{{64, 20000}}
	switch {
	case *soak:
		runs = []struct{ n, steps int }{{64, 1000000}, {256, 100000}}
	case testing.Short():
		runs[0].steps = 2000
	}
	for _, r := range runs {
		t.Run(fmt.Sprintf("n=%d/steps=%d", r.n, r.steps), func(t *testing.T) {
			early, late := soakRun(t, r.n, r.steps)
			// A leak of even a few bytes a step would show over the
			// last three quarters of the run; allow the driver's caches
			// and the allocator some slack.
			const slack = 4 << 10 // KiB
			if !testing.Short() && late-early > slack {
				t.Errorf("resident set grew by %d KiB from a quarter of the run to its end, step %d (allowed %d KiB)", late-early, r.steps, slack)
			}
		})
	}
	t.Run("names", func(t *testing.T) {
		before := liveNames(t)
		p := cpuref.Defaults()
		p.N = 64
		for i := range 20 {
			var s *gpu.Sim
			gputest.Do(t, func() (err error) {
				if s, err = gpu.New(p, cpuref.NewState(p), cpuref.Border{N: p.N}); err != nil {
					return err
				}
				return s.Run(10)
			})
			if i == 0 {
				// The probe sees a live simulation's objects.
				if live := liveNames(t); live.Buffers <= before.Buffers || live.Programs <= before.Programs {
					t.Errorf("live GL names with a simulation: %+v, without: %+v", live, before)
				}
			}
			gputest.Do(t, func() error {
				s.Release()
				s.Release() // safe twice
				return nil
			})
		}
		after := liveNames(t)
		t.Logf("live GL names before %+v, after 20 simulations made and released %+v", before, after)
		if after != before {
			t.Errorf("live GL names after 20 simulations made and released: %+v, before: %+v", after, before)
		}
	})
}

// glNames counts live GL object names, by kind.
type glNames struct{ Buffers, Programs, Shaders int }

// liveNames probes names 1…4096 of each kind: GL hands out small names,
// so a leaked object shows here.
func liveNames(t *testing.T) glNames {
	t.Helper()
	var c glNames
	gputest.Do(t, func() error {
		// A deleted program lives on while it is current.
		gl.UseProgram(0)
		for id := uint32(1); id <= 4096; id++ {
			if gl.IsBuffer(id) {
				c.Buffers++
			}
			if gl.IsProgram(id) {
				c.Programs++
			}
			if gl.IsShader(id) {
				c.Shaders++
			}
		}
		return nil
	})
	return c
}
