//go:build goexperiment.simd && amd64

package cpufast

// The vector dense loop against the plain one: its pieces lane by lane,
// and whole runs of both paths side by side. Every lockstep test of this
// package runs the vector loop too in this build (New picks it), and the
// plain loop in a build without GOEXPERIMENT=simd (make test runs both).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"simd/archsimd"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/cpuref/cputest"
)

// needAVX2 skips a test of the vector loop's pieces on a CPU without
// AVX2, where they would stop the test binary with an illegal instruction:
// there the plain loop runs, and every lockstep test checks it.
func needAVX2(t *testing.T) {
	t.Helper()
	if !archsimd.X86.AVX2() {
		t.Skipf("SKIPPED: this CPU has no AVX2: the vector loop cannot run here (VectorPath %q)", VectorPath())
	}
}

// TestVectorPathChosen: on a CPU with AVX2 this build runs the vector
// loop, and says so, and SetVector(false) turns it off.
func TestVectorPathChosen(t *testing.T) {
	needAVX2(t)
	if os.Getenv("SPIKECAST_VECTOR") == "off" {
		t.Skip("SKIPPED: SPIKECAST_VECTOR=off asks for the plain loop")
	}
	p := cpuref.Defaults()
	p.N = 16
	s, err := New(p, cpuref.NewState(p), cpuref.NewStimulus(p))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	if !s.Vector() || VectorPath() != "avx2" {
		t.Fatalf("Vector() = %v, VectorPath() = %q on a CPU with AVX2", s.Vector(), VectorPath())
	}
	s.SetVector(false)
	if s.Vector() {
		t.Fatal("SetVector(false) left the vector loop on")
	}
}

// TestGoMax compares goMax with Go's max lane by lane, bit for bit, on
// signed zeros, infinities, NaN in x, equal values and random ones.
func TestGoMax(t *testing.T) {
	needAVX2(t)
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	special := []float32{0, negZero, 1, -1, inf, -inf, nan, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 0.05}
	rng := rand.New(rand.NewPCG(1, 2))
	var xs, ys []float32
	for _, x := range special {
		for _, y := range special {
			if y == y { // y is θ_min: never NaN
				xs, ys = append(xs, x), append(ys, y)
			}
		}
	}
	for range 800 {
		x := float32(rng.NormFloat64())
		y := x
		if rng.IntN(2) == 0 {
			y = float32(rng.NormFloat64())
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	for len(xs)%8 != 0 {
		xs, ys = append(xs, 0), append(ys, negZero)
	}
	for i := 0; i < len(xs); i += 8 {
		var got [8]float32
		goMax(archsimd.LoadFloat32x8Slice(xs[i:i+8]), archsimd.LoadFloat32x8Slice(ys[i:i+8])).Store(&got)
		for l := range 8 {
			want := max(xs[i+l], ys[i+l])
			if math.Float32bits(got[l]) != math.Float32bits(want) && !(got[l] != got[l] && want != want) {
				t.Errorf("goMax(%g, %g) = %g (%#x), max gives %g (%#x)", xs[i+l], ys[i+l], got[l], math.Float32bits(got[l]), want, math.Float32bits(want))
			}
		}
	}
}

// TestVectorNoise: σ·z of vectorNoise is noise's, bit for bit, for random
// hashes and keys and for the extremes of the sum (all uniforms 0 or
// 65535 before the key is added: a key of 0 and crafted hashes are not
// reachable, so random keys stand in).
func TestVectorNoise(t *testing.T) {
	needAVX2(t)
	rng := rand.New(rand.NewPCG(3, 4))
	h := make([]uint64, 8)
	for trial := range 20000 {
		key := rng.Uint32()
		for i := range h {
			h[i] = rng.Uint64()
		}
		if trial%7 == 0 {
			h[trial%8] = 0
		}
		sigma := float32(rng.Float64()*2) + 0.01
		nc := (&layerKernel{key: key}).noiseConsts()
		var z [8]float32
		archsimd.BroadcastFloat32x8(sigma).Mul(vectorNoise(h, &nc)).Store(&z)
		for l := range 8 {
			want := noise(sigma, key, uint32(h[l]), uint32(h[l]>>32))
			if math.Float32bits(z[l]) != math.Float32bits(want) {
				t.Fatalf("trial %d lane %d: σ·z = %g, noise gives %g", trial, l, z[l], want)
			}
		}
	}
}

// TestVectorMatchesPlain runs the vector and the plain loop side by side
// from the same random state and compares every buffer after every step:
// each rule and layout, the second layer, K cells a pixel (every rich
// configuration), the gap rule, widths with and without a tail of fewer
// than eight columns, one worker and several.
func TestVectorMatchesPlain(t *testing.T) {
	needAVX2(t)
	type cfg struct {
		name string
		set  func(p *cpuref.Params)
	}
	var cfgs []cfg
	for _, rule := range []cpuref.Rule{cpuref.RuleSTDP, cpuref.RuleHebbian, cpuref.RuleRSTDP} {
		for _, wout := range []cpuref.WOutLayout{cpuref.Local, cpuref.Dense} {
			cfgs = append(cfgs, cfg{fmt.Sprintf("%s/%s", rule, wout), func(p *cpuref.Params) {
				p.Rule, p.OutLayout = rule, wout
				p.LearnRec = rule == cpuref.RuleHebbian
			}})
		}
	}
	cfgs = append(cfgs, cfg{"horizon=3", func(p *cpuref.Params) { p.Horizon = 3 }})
	for _, c := range cputest.RichConfigs() {
		cfgs = append(cfgs, cfg{c.Name, c.Apply})
	}
	rng := rand.New(rand.NewPCG(29, 31))
	for _, c := range cfgs {
		for _, n := range []int{8, 13, 24, 41} {
			p := busy(cpuref.Defaults())
			p.N = n
			c.set(&p)
			if p.OutLayout == cpuref.Dense && n > 13 {
				continue
			}
			t.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(t *testing.T) {
				st := cputest.RandomState(p, rng)
				vec, plain := sideBySide(t, p, st)
				vec.SetWorkers(1 + n%3)
				for step := 1; step <= 12; step++ {
					vec.Step()
					plain.Step()
					if err := diff(step, vec.State(), plain.State(), true); err != nil {
						t.Fatalf("the vector loop differs from the plain one: %v", err)
					}
				}
				if vm, pm := vec.Measures(), plain.Measures(); vm != pm {
					t.Fatalf("measures %+v, plain %+v", vm, pm)
				}
			})
		}
	}
}

// sideBySide returns two Sims of p from st, the first on the vector loop
// and the second on the plain one.
func sideBySide(t *testing.T, p cpuref.Params, st *cpuref.State) (vec, plain *Sim) {
	t.Helper()
	var err error
	if vec, err = New(p, st, cpuref.NewStimulus(p)); err != nil {
		t.Fatal(err)
	}
	if plain, err = New(p, st, cpuref.NewStimulus(p)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vec.Release(); plain.Release() })
	vec.SetVector(true)
	plain.SetVector(false)
	if !vec.Vector() {
		t.Fatal("no vector loop on this CPU")
	}
	return vec, plain
}

// BenchmarkDenseLoop times the first layer's dense loop alone (noise,
// leak, threshold and homeostasis of every cell, no sources) on each path,
// one worker, so that the two compare in one run.
func BenchmarkDenseLoop(b *testing.B) {
	eachLoop(b, func(b *testing.B, s *Sim, n int) {
		s.act.clear()
		b.ResetTimer()
		for range b.N {
			s.forRows(s.integrateRows)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n*n), "ns/cell")
	})
}

// BenchmarkStepLoops times a whole default step on each path, one
// worker, as BenchmarkStep does.
func BenchmarkStepLoops(b *testing.B) {
	eachLoop(b, func(b *testing.B, s *Sim, n int) {
		s.Run(warmup)
		b.ResetTimer()
		s.Run(b.N)
		reportStepMetrics(b, n)
	})
}

// eachLoop runs bench on a default network at n = 256 and 1024 on one
// worker, first on the plain loop, then on the vector one.
func eachLoop(b *testing.B, bench func(b *testing.B, s *Sim, n int)) {
	for _, n := range []int{256, 1024} {
		for _, path := range []string{"plain", "avx2"} {
			b.Run(fmt.Sprintf("n=%d/loop=%s", n, path), func(b *testing.B) {
				p := cpuref.Defaults()
				p.N = n
				s, err := New(p, cpuref.NewState(p), cpuref.NewStimulus(p))
				if err != nil {
					b.Fatal(err)
				}
				defer s.Release()
				s.SetWorkers(1)
				s.SetVector(path == "avx2")
				bench(b, s, n)
			})
		}
	}
}
