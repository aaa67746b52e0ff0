package cpuref

import (
	"fmt"
	"testing"
)

// warmup is how many untimed steps a benchmark takes first, so that the
// timed steps see spikes and learning rather than a silent network.
const warmup = 20

// BenchmarkStep times the reference step with default parameters (local
// W_out) on every CPU.
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			p := Defaults()
			p.N = n
			s, err := New(p)
			if err != nil {
				b.Fatal(err)
			}
			for range warmup {
				s.Step()
			}
			b.ResetTimer()
			for range b.N {
				s.Step()
			}
			b.StopTimer()
			reportStepMetrics(b, n)
		})
	}
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
