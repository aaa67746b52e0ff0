package gpu_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/cpuref/cputest"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// TestBatchLockstep: every network of a batch, each with its own seed,
// stimulus, horizon and uniform parameters, ends in the state and
// measures the reference reaches with the network alone, bit for bit, in
// every compiled configuration (rules, output layouts, window radii,
// learn_rec, the second layer, learning off, K cells a pixel with and
// without a competition, the direct path, the bias), each network with
// its own ladders and annealing.
func TestBatchLockstep(t *testing.T) {
	configs := []struct {
		name string
		set  func(*cpuref.Params)
	}{
		{"default", func(p *cpuref.Params) {}},
		{"dense", func(p *cpuref.Params) { p.OutLayout = cpuref.Dense }},
		{"rstdp-rout5", func(p *cpuref.Params) { p.Rule, p.ROut = "rstdp", 5 }},
		{"hebbian-learnrec", func(p *cpuref.Params) { p.Rule, p.LearnRec, p.RRec = "hebbian", true, 2 }},
		{"horizon", func(p *cpuref.Params) { p.Horizon = 3 }},
		{"learning-off", func(p *cpuref.Params) {}},
		{"frames", func(p *cpuref.Params) { p.Frames, p.Horizon = "bits", 2 }},
		{"rich-kwta-direct2", func(p *cpuref.Params) {
			p.K, p.Compete, p.Direct, p.EtaBias, p.RRec = 2, cpuref.CompeteKWTA, 2, 0.05, 1
		}},
		{"rich-level-dense-horizon", func(p *cpuref.Params) {
			p.K, p.Compete, p.Winners, p.Direct, p.RDirect = 3, cpuref.CompeteLevel, 2, 1, 3
			p.OutLayout, p.Horizon, p.Rule, p.LearnRec = cpuref.Dense, 3, "rstdp", true
		}},
		{"rich-frames", func(p *cpuref.Params) {
			p.K, p.Direct, p.EtaBias, p.Frames, p.Horizon = 4, 2, 0.02, "bits", 2
		}},
	}
	const steps = 160
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			var ps []cpuref.Params
			for z := range 4 {
				p := cpuref.Defaults()
				p.N = 21 // not a multiple of the work group: edge groups
				p.SigmaNoise = 0.35
				cfg.set(&p)
				p.Seed = uint32(7 + z)
				p.Rho = []float32{0.9, 0.85, 0.95, 0.9}[z]
				p.Eta *= float32(z + 1)
				p.TargetRate = []float32{0.02, 0.05, 0.02, 0.1}[z]
				if p.Horizon > 1 && p.Frames == "" {
					p.Horizon = 2 + z%2 // same second layer, other targets
				}
				if p.K > 1 { // the ladders, annealing and the bias's rate
					p.DRate = []float32{0, 0.05, 0.1, 0.02}[z]
					p.DTheta = []float32{0, 0.2, 0, 0.5}[z]
					p.Anneal = []float32{0, 50, 2000, 7}[z]
					p.EtaBias *= float32(z + 1)
				}
				ps = append(ps, p)
			}
			learn := cfg.name != "learning-off"
			stim := func(z int, p cpuref.Params) cpuref.Stimulus {
				if p.Frames != "" { // each network its own frames
					return cputest.BitFrames{N: p.N, End: 1 << 40, Seed: uint32(z)}
				}
				return cpuref.NewStimulus(p)
			}
			// Alone, on the reference.
			want := make([]*cpuref.State, len(ps))
			wantM := make([]cpuref.Measures, len(ps))
			for z, p := range ps {
				sim := cpuref.NewFrom(p, cpuref.NewState(p), stim(z, p))
				sim.Learn = learn
				if err := sim.Run(steps); err != nil {
					t.Fatal(err)
				}
				want[z], wantM[z] = sim.State, sim.Measures()
			}
			var b *gpu.Batch
			gputest.Do(t, func() (err error) {
				inits := make([]*cpuref.State, len(ps))
				stims := make([]cpuref.Stimulus, len(ps))
				for z, p := range ps {
					inits[z], stims[z] = cpuref.NewState(p), stim(z, p)
				}
				b, err = gpu.NewBatch(ps, inits, stims)
				return err
			})
			t.Cleanup(func() { gputest.Do(t, func() error { b.Release(); return nil }) })
			b.SetLearn(learn)
			var got []*cpuref.State
			var gotM []cpuref.Measures
			gputest.Do(t, func() (err error) {
				if err := b.Run(steps); err != nil {
					return err
				}
				if gotM, err = b.Measures(); err != nil {
					return err
				}
				for z := range ps {
					st, err := b.ReadState(z)
					if err != nil {
						return err
					}
					got = append(got, st)
				}
				return nil
			})
			spikes := 0
			for z := range ps {
				t.Run(fmt.Sprintf("net%d", z), func(t *testing.T) {
					sameState(t, got[z], want[z])
					if gotM[z] != wantM[z] {
						t.Errorf("measures %+v, want %+v", gotM[z], wantM[z])
					}
				})
				for _, s := range want[z].S {
					spikes += int(s)
				}
			}
			if wantM[0].HiddenRate == 0 && spikes == 0 {
				t.Errorf("no network spiked: the test compares quiet networks")
			}
		})
	}
}

// TestBatchRefusals: networks that cannot share a batch are named.
func TestBatchRefusals(t *testing.T) {
	p := cpuref.Defaults()
	p.N = 16
	q := p
	q.N = 20
	r := p
	r.Rule = "hebbian"
	for _, c := range []struct {
		ps   []cpuref.Params
		want string
	}{
		{[]cpuref.Params{p, q}, "differs from the first"},
		{[]cpuref.Params{p, r}, "differs from the first"},
		{nil, "batch of 0"},
	} {
		inits := make([]*cpuref.State, len(c.ps))
		stims := make([]cpuref.Stimulus, len(c.ps))
		for z, p := range c.ps {
			inits[z], stims[z] = cpuref.NewState(p), cpuref.NewStimulus(p)
		}
		var err error
		gputest.Do(t, func() error {
			var b *gpu.Batch
			b, err = gpu.NewBatch(c.ps, inits, stims)
			if err == nil {
				b.Release()
			}
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error saying %q", err, c.want)
		}
	}
}

// TestBatchFramesEnd: a batch whose frame source ends stops at the step
// a network alone stops at, with the source's end as its error and every
// network's state as it was before the step it could not take.
func TestBatchFramesEnd(t *testing.T) {
	const end = 37
	var ps []cpuref.Params
	for z := range 3 {
		p := cpuref.Defaults()
		p.N, p.Frames, p.Seed, p.Horizon = 19, "bits", uint32(z+1), 3
		ps = append(ps, p)
	}
	want := make([]*cpuref.State, len(ps))
	for z, p := range ps {
		sim := cpuref.NewFrom(p, cpuref.NewState(p), cputest.BitFrames{N: p.N, End: end, Seed: uint32(z)})
		if err := sim.Run(100); !errors.Is(err, cpuref.ErrEndOfSource) {
			t.Fatalf("the reference ran on: %v", err)
		}
		want[z] = sim.State
	}
	var (
		got    []*cpuref.State
		runErr error
		at     int64
	)
	gputest.Do(t, func() error {
		inits := make([]*cpuref.State, len(ps))
		stims := make([]cpuref.Stimulus, len(ps))
		for z, p := range ps {
			inits[z], stims[z] = cpuref.NewState(p), cputest.BitFrames{N: p.N, End: end, Seed: uint32(z)}
		}
		b, err := gpu.NewBatch(ps, inits, stims)
		if err != nil {
			return err
		}
		defer b.Release()
		runErr, at = b.Run(100), b.T()
		for z := range ps {
			st, err := b.ReadState(z)
			if err != nil {
				return err
			}
			got = append(got, st)
		}
		return nil
	})
	if !errors.Is(runErr, cpuref.ErrEndOfSource) || at != want[0].T {
		t.Fatalf("ran to step %d with %v, want step %d and the end of the source", at, runErr, want[0].T)
	}
	for z := range ps {
		sameState(t, got[z], want[z])
	}
}
