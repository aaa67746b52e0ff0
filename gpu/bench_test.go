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
func BenchmarkStep(b *testing.B) {
	ctx := gputest.Context(b)
	b.Logf("renderer %s (%s)", ctx.Renderer, ctx.Version)
	for _, n := range []int{64, 256, 1024} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			p := cpuref.Defaults()
			p.N = n
			benchSteps(b, p)
		})
	}
}

// BenchmarkStepRich times the GPU step of -preset rich (K = 8 cells a
// pixel, the direct path over X(t) and X(t−1), the bias) at n=256, as
// BenchmarkStep times the defaults.
func BenchmarkStepRich(b *testing.B) {
	ctx := gputest.Context(b)
	b.Logf("renderer %s (%s)", ctx.Renderer, ctx.Version)
	p := cpuref.Defaults()
	if err := cpuref.ApplyPreset(&p, "rich"); err != nil {
		b.Fatal(err)
	}
	p.N = 256
	benchSteps(b, p)
}

// benchSteps times b.N steps of a network of p on the border walk. The
// steps are queued in one Context.Do with no read-back between them, as
// the command runs them; the ring read-back of Measures at the end waits
// until the GPU has finished them all. One untimed step and read-back
// come first, so first-dispatch costs (shader specialisation, buffer
// residency) are not timed. ns/cell-step counts every hidden cell.
func benchSteps(b *testing.B, p cpuref.Params) {
	var sim *gpu.Sim
	gputest.Do(b, func() (err error) {
		if sim, err = gpu.New(p, cpuref.NewState(p), cpuref.Border{N: p.N}); err != nil {
			return err
		}
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
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*float64(p.Cells())), "ns/cell-step")
}

// BenchmarkBatch times B networks (seeds 1…B, default parameters) as one
// gpu.Batch, one dispatch a pass for all, against the same B networks as
// B Sims on the same context, each run for the same steps in turn (a
// baseline in the same run). Both report network-steps/s: B × steps over
// the time until the last network's measures are read.
func BenchmarkBatch(b *testing.B) {
	ctx := gputest.Context(b)
	b.Logf("renderer %s (%s)", ctx.Renderer, ctx.Version)
	for _, n := range []int{32, 64, 128} {
		for _, nets := range []int{1, 8, 64} {
			ps := make([]cpuref.Params, nets)
			inits := make([]*cpuref.State, nets)
			stims := make([]cpuref.Stimulus, nets)
			for z := range ps {
				ps[z] = cpuref.Defaults()
				ps[z].N, ps[z].Seed = n, uint32(z+1)
				inits[z], stims[z] = cpuref.NewState(ps[z]), cpuref.NewStimulus(ps[z])
			}
			b.Run(fmt.Sprintf("n=%d/B=%d/batch", n, nets), func(b *testing.B) {
				var batch *gpu.Batch
				gputest.Do(b, func() (err error) {
					if batch, err = gpu.NewBatch(ps, inits, stims); err != nil {
						return err
					}
					if err := batch.Run(1); err != nil { // untimed first dispatch
						return err
					}
					_, err = batch.Measures()
					return err
				})
				defer gputest.Do(b, func() error { batch.Release(); return nil })
				b.ResetTimer()
				gputest.Do(b, func() error {
					if err := batch.Run(b.N); err != nil {
						return err
					}
					_, err := batch.Measures()
					return err
				})
				b.StopTimer()
				b.ReportMetric(float64(nets*b.N)/b.Elapsed().Seconds(), "network-steps/s")
			})
			b.Run(fmt.Sprintf("n=%d/B=%d/in-turn", n, nets), func(b *testing.B) {
				sims := make([]*gpu.Sim, nets)
				gputest.Do(b, func() (err error) {
					for z := range sims {
						if sims[z], err = gpu.New(ps[z], inits[z].Clone(), stims[z]); err != nil {
							return err
						}
						if err := sims[z].Step(); err != nil {
							return err
						}
					}
					_, err = sims[nets-1].Measures()
					return err
				})
				defer gputest.Do(b, func() error {
					for _, s := range sims {
						s.Release()
					}
					return nil
				})
				b.ResetTimer()
				gputest.Do(b, func() error {
					for _, s := range sims {
						if err := s.Run(b.N); err != nil {
							return err
						}
					}
					_, err := sims[nets-1].Measures()
					return err
				})
				b.StopTimer()
				b.ReportMetric(float64(nets*b.N)/b.Elapsed().Seconds(), "network-steps/s")
			})
		}
	}
}
