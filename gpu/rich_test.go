package gpu_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/cpuref/cputest"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// stepAlongside runs the reference and the GPU from init for steps
// steps, the GPU dispatching bands of bandRows rows (0: as the GL
// allows), and fails at the first step whose state differs in a bit.
func stepAlongside(t *testing.T, p cpuref.Params, init *cpuref.State, steps, bandRows int) {
	t.Helper()
	ref := cpuref.NewFrom(p, init.Clone(), cpuref.NewStimulus(p))
	var sim *gpu.Sim
	gputest.Do(t, func() (err error) {
		if sim, err = gpu.New(p, init, cpuref.NewStimulus(p)); err != nil {
			return err
		}
		if bandRows > 0 {
			return sim.SetBandRows(bandRows)
		}
		return nil
	})
	t.Cleanup(func() { gputest.Do(t, func() error { sim.Release(); return nil }) })
	spikes := 0
	for step := 1; step <= steps; step++ {
		if err := ref.Run(1); err != nil {
			t.Fatal(err)
		}
		var got *cpuref.State
		gputest.Do(t, func() (err error) {
			if err := sim.Step(); err != nil {
				return err
			}
			got, err = sim.ReadState()
			return err
		})
		t.Run(fmt.Sprint("step", step), func(t *testing.T) { sameState(t, got, ref.State) })
		if t.Failed() {
			return
		}
		for _, s := range ref.State.S {
			spikes += int(s)
		}
	}
	if spikes == 0 {
		t.Errorf("no hidden cell spiked in %d steps: the comparison saw a quiet network", steps)
	}
}

// TestRichBands: with several cells a pixel the weights indexed by
// hidden cell (W_in, Elig, W_rec) are bound whole while W_out, W12 and the
// direct path's are bound a band of rows at a time; every pass dispatched
// in bands of 16 rows computes the reference's bits, from random states
// and from the start, local and dense, with the second layer.
func TestRichBands(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	for _, c := range []struct {
		name string
		set  func(*cpuref.Params)
	}{
		{"k3-kwta-direct2-bias", func(p *cpuref.Params) {
			p.K, p.Compete, p.Winners, p.Direct, p.EtaBias, p.DRate = 3, cpuref.CompeteKWTA, 2, 2, 0.05, 0.03
			p.Rule, p.LearnRec, p.RRec = cpuref.RuleRSTDP, true, 2
		}},
		{"k2-level-dense-horizon", func(p *cpuref.Params) {
			p.K, p.Compete, p.Direct, p.RDirect, p.Anneal = 2, cpuref.CompeteLevel, 1, 4, 30
			p.OutLayout, p.Horizon = cpuref.Dense, 3
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := cpuref.Defaults()
			p.N, p.SigmaNoise, p.ThetaMin = 37, 0.3, 0.05
			c.set(&p)
			stepAlongside(t, p, cputest.RandomState(p, rng), 3, 16)
			stepAlongside(t, p, cpuref.NewState(p), 40, 16)
		})
	}
}

// TestRichLoadRoundTrip: a state of K planes with the direct path's
// previous frame and the bias, loaded into a running simulation, reads
// back bit for bit; and the step after it moves X into X(t−1) as the
// reference does (the GPU swaps the two bit sets' bindings).
func TestRichLoadRoundTrip(t *testing.T) {
	p := cpuref.Defaults()
	p.N, p.K, p.Direct, p.EtaBias, p.Compete = 21, 4, 2, 0.1, cpuref.CompeteKWTA
	p.SigmaNoise = 0.3
	sim := gputest.Sim(t, p, cpuref.NewState(p))
	gputest.Do(t, func() error { return sim.Run(3) }) // Load must overwrite a used state
	rng := rand.New(rand.NewPCG(23, 29))
	st := cputest.RandomState(p, rng)
	for i := range st.XPrev {
		st.XPrev[i] = rng.Uint32N(2)
	}
	for i := range st.WDirect {
		st.WDirect[i] = rng.Float32()*2 - 1
	}
	for i := range st.Bias {
		st.Bias[i] = rng.Float32()*2 - 1
	}
	want := st.Clone()
	var got *cpuref.State
	gputest.Do(t, func() (err error) {
		if err := sim.Load(st); err != nil {
			return err
		}
		got, err = sim.ReadState()
		return err
	})
	sameState(t, got, want)
	ref := cpuref.NewFrom(p, want.Clone(), cpuref.NewStimulus(p))
	for range 2 {
		if err := ref.Run(1); err != nil {
			t.Fatal(err)
		}
		gputest.Do(t, func() (err error) {
			if err := sim.Step(); err != nil {
				return err
			}
			got, err = sim.ReadState()
			return err
		})
		sameState(t, got, ref.State)
	}
}

// TestRichLimits: a weight buffer bound whole (W_rec of 16 planes, 9,216
// bytes a pixel) over llvmpipe's 128 MiB storage block is refused, naming
// it, before anything is allocated.
func TestRichLimits(t *testing.T) {
	ctx := gputest.Context(t)
	if !ctx.IsSoftware() {
		t.Skipf("SKIPPED: the limit is llvmpipe's; %s has its own", ctx.Renderer)
	}
	p := cpuref.Defaults()
	p.N, p.K = 121, 16
	var err error
	gputest.Do(t, func() error { err = gpu.CheckLimits(p); return nil })
	if err == nil || !strings.Contains(err.Error(), "WRec") || !strings.Contains(err.Error(), "bound whole") {
		t.Errorf("K=16 n=121: %v, want W_rec refused as bound whole", err)
	}
	p.N = 120
	gputest.Do(t, func() error { err = gpu.CheckLimits(p); return nil })
	if err != nil {
		t.Errorf("K=16 n=120: %v", err)
	}
}

// TestRichWideWindows: windows of radius 8 over every plane and over the
// input's plain bit sets (the direct path reads a window row from the one
// or two 32-column words that hold it) cross words and the grid's edges
// at every column, from random states.
func TestRichWideWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 37))
	for _, n := range []int{37, 70} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			p := cpuref.Defaults()
			p.N, p.SigmaNoise = n, 0.3
			p.K, p.RRec, p.ROut, p.RDirect, p.Direct, p.LearnRec, p.EtaBias = 3, 8, 8, 8, 2, true, 0.05
			stepAlongside(t, p, cputest.RandomState(p, rng), 3, 0)
			p.ROut, p.RDirect, p.Compete = 7, 5, cpuref.CompeteKWTA
			stepAlongside(t, p, cputest.RandomState(p, rng), 3, 0)
		})
	}
}
