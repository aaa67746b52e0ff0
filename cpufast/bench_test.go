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
				benchStepsOn(b, p, cpuref.NewStimulus(p), w)
			})
		}
	}
}

// benchSteps times b.N steps of p after the warmup, on every CPU.
func benchSteps(b *testing.B, p cpuref.Params) { benchStepsOn(b, p, cpuref.NewStimulus(p), 0) }

// benchStepsOn times b.N steps of p driven by stim after the warmup on the
// given number of workers (0: New's default, one per CPU).
func benchStepsOn(b *testing.B, p cpuref.Params, stim cpuref.Stimulus, workers int) {
	s, err := New(p, cpuref.NewState(p), stim)
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

// BenchmarkStepLife times a step on Conway's Life as frames (the world of
// bench/life.sh, generated here on an n×n torus), where a tenth to a third
// of the pixels are lit every step, so that the sparse passes (the
// scatters, output, learning, the traces) do far more than on the border
// walk: the default model and -preset rich, at bench/rich.sh's n = 48 and
// at 256.
func BenchmarkStepLife(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
		rich bool
	}{{"default/n=48", 48, false}, {"rich/n=48", 48, true}, {"default/n=256", 256, false}, {"rich/n=256", 256, true}} {
		b.Run(c.name, func(b *testing.B) {
			p := cpuref.Defaults()
			if c.rich {
				p = rich(p)
			}
			p.N = c.n
			if lifeCache[p.N] == nil {
				lifeCache[p.N] = newLifeFrames(p.N, 5)
			}
			benchStepsOn(b, p, lifeCache[p.N], 0)
		})
	}
}

// lifeCache keeps each n's frames across a benchmark's runs.
var lifeCache = map[int]*lifeFrames{}

// lifeFrames is a cpuref.FrameSource of Conway's Life (B3/S23) on an n×n
// torus, as bench/life.sh makes with ffmpeg: runs of lifeGens generations,
// each from a random start with 35 % alive, one after another, looping.
type lifeFrames struct {
	n      int
	frames [][]uint32 // plain bit sets
}

// lifeGens is the number of generations of one run, as in bench/life.sh.
const lifeGens = 100

// newLifeFrames makes runs runs of Life on an n×n torus.
func newLifeFrames(n, runs int) *lifeFrames {
	l := &lifeFrames{n: n}
	cur, next := make([]bool, n*n), make([]bool, n*n)
	for run := range runs {
		for i := range cur {
			cur[i] = float64(cpuref.PCG(uint32(run*n*n+i)))/(1<<32) < 0.35
		}
		for range lifeGens {
			f := make([]uint32, cpuref.PlainWords(n))
			for i, alive := range cur {
				if alive {
					row, col := i/n, i%n
					f[row*cpuref.PlainStride(n)+col/32] |= 1 << uint(col%32)
				}
			}
			l.frames = append(l.frames, f)
			for i := range cur {
				row, col, live := i/n, i%n, 0
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						if (dy != 0 || dx != 0) && cur[(row+dy+n)%n*n+(col+dx+n)%n] {
							live++
						}
					}
				}
				next[i] = live == 3 || live == 2 && cur[i]
			}
			cur, next = next, cur
		}
	}
	return l
}

// Frame implements cpuref.Stimulus: the frames are bit sets.
func (l *lifeFrames) Frame(t int64, dst []cpuref.Rect) []cpuref.Rect { return dst }

// FrameBits implements cpuref.FrameSource: frame t mod the frames made.
func (l *lifeFrames) FrameBits(t int64, dst []uint32) error {
	copy(dst, l.frames[t%int64(len(l.frames))])
	return nil
}
