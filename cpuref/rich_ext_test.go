package cpuref_test

// The configurations of several cells a pixel (cputest.RichConfigs) on
// the reference alone: each validates, runs with activity in every part,
// and gives the same bits whatever the split of rows across goroutines.
// The engines' lockstep tests run the same list against the reference.

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/cpuref/cputest"
)

// richParams returns the parameters of configuration c at side n, with
// noise large enough to matter.
func richParams(t *testing.T, c cputest.Config, n int) cpuref.Params {
	t.Helper()
	p := cpuref.Defaults()
	p.N, p.SigmaNoise, p.ThetaMin = n, 0.3, 0.05
	c.Apply(&p)
	if err := p.Validate(); err != nil {
		t.Fatalf("%s at n=%d: %v", c.Name, n, err)
	}
	return p
}

// TestRichConfigsValid: every configuration validates from n = 1 to 40.
func TestRichConfigsValid(t *testing.T) {
	for _, c := range cputest.RichConfigs() {
		for _, n := range []int{1, 2, 17, 40} {
			richParams(t, c, n)
		}
	}
}

// TestRichWorkersDeterministic runs each configuration from its initial
// state and from a random one, split across 1, 2 and 5 goroutines: the
// states must agree bit for bit, and the run must have had hidden spikes
// and output learning for the comparison to mean something.
func TestRichWorkersDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	for _, c := range cputest.RichConfigs() {
		t.Run(c.Name, func(t *testing.T) {
			p := richParams(t, c, 19)
			for _, init := range []*cpuref.State{cpuref.NewState(p), cputest.RandomState(p, rng)} {
				var want *cpuref.State
				for _, w := range []int{1, 2, 5} {
					s := cpuref.NewFrom(p, init.Clone(), cpuref.NewStimulus(p))
					s.SetWorkers(w)
					if err := s.Run(60); err != nil {
						t.Fatal(err)
					}
					if want == nil {
						want = s.State
						if m := s.Measures(); m.HiddenRate == 0 {
							t.Fatalf("no hidden spikes in 60 steps: %+v", m)
						}
						continue
					}
					if d := firstDiff(s.State, want); d != "" {
						t.Fatalf("%d workers differ from 1: %s", w, d)
					}
				}
			}
		})
	}
}

// firstDiff names the first element in which two states differ, "" if
// none.
func firstDiff(a, b *cpuref.State) string {
	fb := b.Fields()
	for i, f := range a.Fields() {
		g := fb[i]
		switch {
		case f.F32 != nil:
			for j := range *f.F32 {
				if x, y := (*f.F32)[j], (*g.F32)[j]; x != y {
					return fmt.Sprintf("%s[%d]: %v vs %v", f.Name, j, x, y)
				}
			}
		case f.U32 != nil:
			for j := range *f.U32 {
				if (*f.U32)[j] != (*g.U32)[j] {
					return fmt.Sprintf("%s[%d]", f.Name, j)
				}
			}
		default:
			for j := range *f.I32 {
				if (*f.I32)[j] != (*g.I32)[j] {
					return fmt.Sprintf("%s[%d]", f.Name, j)
				}
			}
		}
	}
	return ""
}
