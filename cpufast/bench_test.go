package cpufast

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/spikecast/spikecast/cpuref"
)

// warmup is how many untimed steps a benchmark takes first (as cpuref's
// BenchmarkStep does), so that the timed steps see spikes and learning.
const warmup = 20

// BenchmarkStep times a step with default parameters (stdp, local W_out,
// the border walk, learning on) on every CPU, beside cpuref's BenchmarkStep
// of the same name.
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			p := cpuref.Defaults()
			p.N = n
			benchSteps(b, p)
		})
	}
}

// rich returns p with -preset rich applied.
func rich(p cpuref.Params) cpuref.Params {
	if err := cpuref.ApplyPreset(&p, "rich"); err != nil {
		panic(err) // declared in cpuref, whose tests catch this
	}
	return p
}

// BenchmarkStepRich times a step of -preset rich (K = 8) on the default
// border walk, to set beside BenchmarkStep.
func BenchmarkStepRich(b *testing.B) {
	for _, n := range []int{64, 256} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			p := rich(cpuref.Defaults())
			p.N = n
			benchSteps(b, p)
		})
	}
}

// BenchmarkScaling times a step with default parameters for n from 64 to
// 2048 on 1 and 2 workers and, where there are more CPUs, on all of them:
// how a step's cost grows with the cells and shrinks with the workers
// (BENCHMARKS.md, "cpufast: scaling with n and workers").
func BenchmarkScaling(b *testing.B) {
	workers := []int{1, 2}
	if c := runtime.NumCPU(); c > 2 {
		workers = append(workers, c)
	}
	for _, n := range []int{64, 128, 256, 512, 1024, 2048} {
		for _, w := range workers {
			b.Run(fmt.Sprintf("n=%d/workers=%d", n, w), func(b *testing.B) {
				p := cpuref.Defaults()
				p.N = n
				benchStepsOn(b, p, w)
			})
		}
	}
}

// benchSteps times b.N steps of p after the warmup, on every CPU.
func benchSteps(b *testing.B, p cpuref.Params) { benchStepsOn(b, p, 0) }

// benchStepsOn times b.N steps of p after the warmup on the given number
// of workers (0: New's default, one per CPU).
func benchStepsOn(b *testing.B, p cpuref.Params, workers int) {
	s, err := New(p, cpuref.NewState(p), cpuref.NewStimulus(p))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Release()
	if workers > 0 {
		s.SetWorkers(workers)
	}
	s.Run(warmup)
	b.ResetTimer()
	cpu0 := cpuTime()
	s.Run(b.N)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	reportStepMetrics(b, p.N)
	// CPU time per step, all threads together: on a machine shared
	// with other work it drifts far less than the wall clock.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/step")
}

// reportStepMetrics reports steps/s and ns/cell-step over b.N steps of an
// n×n network.
func reportStepMetrics(b *testing.B, n int) {
	b.Helper()
	sec := b.Elapsed().Seconds()
	if sec <= 0 {
		return
	}
	b.ReportMetric(float64(b.N)/sec, "steps/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*float64(n)*float64(n)), "ns/cell-step")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkForRows times handing a pass that does no work to the workers:
// what the dense passes (three or four a step) cost beyond their work.
func BenchmarkForRows(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprint("workers=", w), func(b *testing.B) {
			p := cpuref.Defaults()
			p.N = 256
			s, err := New(p, cpuref.NewState(p), cpuref.NewStimulus(p))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Release()
			s.SetWorkers(w)
			rows := make([]int, p.N)
			pass := func(_, r0, r1 int) { rows[r0] = r1 }
			cpu0 := cpuTime()
			for b.Loop() {
				s.forRows(pass)
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/pass")
		})
	}
}
