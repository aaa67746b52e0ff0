package gpu_test

import (
	"fmt"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/gpu/gputest"
)

func TestMain(m *testing.M) { gputest.Main(m) }

// BenchmarkStep times the GPU step with default parameters (local W_out).
// The b.N steps are queued in one Context.Do with no read-back between
// them, as the command runs them; the ring read-back of Measures at the
// end waits until the GPU has finished them all.
func BenchmarkStep(b *testing.B) {
	ctx := gputest.Context(b)
	b.Logf("renderer %s (%s)", ctx.Renderer, ctx.Version)
	for _, n := range []int{64, 256, 1024} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			p := cpuref.Defaults()
			p.N = n
			var sim *gpu.Sim
			gputest.Do(b, func() (err error) {
				sim, err = gpu.New(p, cpuref.NewState(p), cpuref.Border{N: n})
				if err != nil {
					return err
				}
				// One untimed step and read-back, so first-dispatch costs
				// (shader specialisation, buffer residency) are not timed.
				if err := sim.Step(); err != nil {
					return err
				}
				_, err = sim.Measures()
				return err
			})
			defer gputest.Do(b, func() error { sim.Release(); return nil })
			b.ResetTimer()
			gputest.Do(b, func() error {
				if err := sim.Run(b.N); err != nil {
					return err
				}
				_, err := sim.Measures()
				return err
			})
			b.StopTimer()
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/sec, "steps/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*float64(n)*float64(n)), "ns/cell-step")
		})
	}
}
