package cpufast

// The richer model (K cells a pixel, their competition, the threshold and
// rate ladders, annealing, the direct path and the output bias) against
// the reference, as sim_test.go does for the rest.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/cpuref/cputest"
)

// richCase is one configuration of the richer model.
type richCase struct {
	name  string
	dense bool // a dense W_out: only at small n
	set   func(p *cpuref.Params)
}

// richCases reach every new branch: several cells a pixel with and
// without competition (kwta, level, as many winners as cells), the
// ladders and annealing, the direct path with and without X(t−1), the
// bias, and each with the second layer, rstdp, learn_rec and a dense
// W_out.
var richCases = []richCase{
	{"k=3", false, func(p *cpuref.Params) { p.K = 3 }},
	{"k=4/kwta/w=2", false, func(p *cpuref.Params) { p.K, p.Compete, p.Winners = 4, cpuref.CompeteKWTA, 2 }},
	{"k=5/level/w=2", false, func(p *cpuref.Params) { p.K, p.Compete, p.Winners = 5, cpuref.CompeteLevel, 2 }},
	{"k=3/kwta/w=1/hebbian", false, func(p *cpuref.Params) {
		p.K, p.Compete, p.Winners, p.Rule = 3, cpuref.CompeteKWTA, 1, cpuref.RuleHebbian
	}},
	{"k=4/kwta/w=2/ties", false, func(p *cpuref.Params) {
		// No noise, no input weights, one bias: from rest every cell of a
		// pixel has the same margin, and the lower planes win the ties.
		p.K, p.Compete, p.Winners, p.SigmaNoise, p.Win0, p.Bias = 4, cpuref.CompeteKWTA, 2, 0, 0, 0.2
	}},
	{"k=2/level/w=2", false, func(p *cpuref.Params) { p.K, p.Compete, p.Winners = 2, cpuref.CompeteLevel, 2 }},
	{"direct=1", false, func(p *cpuref.Params) { p.Direct, p.RDirect = 1, 1 }},
	{"direct=2/bias", false, func(p *cpuref.Params) { p.Direct, p.RDirect, p.EtaBias = 2, 3, 0.1 }},
	{"k=3/horizon=3/direct=2/bias", false, func(p *cpuref.Params) {
		p.K, p.Horizon, p.Direct, p.EtaBias = 3, 3, 2, 0.05
	}},
	{"k=2/horizon=2/no_cascade/kwta", false, func(p *cpuref.Params) {
		p.K, p.Horizon, p.NoCascade, p.Compete, p.Winners = 2, 2, true, cpuref.CompeteKWTA, 1
	}},
	{"k=3/rstdp/learn_rec/level", false, func(p *cpuref.Params) {
		p.K, p.Rule, p.RRec, p.LearnRec, p.EtaRec = 3, cpuref.RuleRSTDP, 2, true, 0.01
		p.Compete, p.Winners = cpuref.CompeteLevel, 1
	}},
	{"k=2/dense/direct=2/bias", true, func(p *cpuref.Params) {
		p.K, p.OutLayout, p.Direct, p.RDirect, p.EtaBias = 2, cpuref.Dense, 2, 1, 0.05
	}},
	{"k=2/dense/horizon=2", true, func(p *cpuref.Params) { p.K, p.OutLayout, p.Horizon = 2, cpuref.Dense, 2 }},
	{"k=4/anneal/drate/dtheta", false, func(p *cpuref.Params) {
		p.K, p.Anneal, p.DRate, p.DTheta, p.TargetRate = 4, 50, 0.05, 0.2, 0.01
	}},
	{"tau_out<0/direct=2", false, func(p *cpuref.Params) { p.K, p.TauOut, p.Direct = 2, -0.5, 2 }},
	{"rich", false, func(p *cpuref.Params) { *p = rich(*p) }},
	{"rich/kwta/w=3", false, func(p *cpuref.Params) { *p = rich(*p); p.Compete, p.Winners = cpuref.CompeteKWTA, 3 }},
}

// TestMatchesReferenceRichRandomStates takes a few steps of every rich
// configuration from random states at odd sizes.
func TestMatchesReferenceRichRandomStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	for _, c := range richCases {
		for _, n := range []int{1, 2, 5, 17, 37} {
			if c.dense && n > 17 {
				continue
			}
			t.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(t *testing.T) {
				p := busy(cpuref.Defaults())
				p.N = n
				c.set(&p)
				lockstep(t, run{p: p, init: cputest.RandomState(p, rng), steps: 4, weightsEvery: 1})
			})
		}
	}
}

// TestMatchesReferenceRichConfigs runs the configurations every engine's
// lockstep tests share (cputest.RichConfigs) from random states at odd
// sizes and from rest, busy.
func TestMatchesReferenceRichConfigs(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 23))
	for _, c := range cputest.RichConfigs() {
		t.Run(c.Name, func(t *testing.T) {
			for _, n := range []int{1, 3, 8, 19} {
				p := busy(cpuref.Defaults())
				p.N = n
				c.Apply(&p)
				lockstep(t, run{p: p, init: cputest.RandomState(p, rng), steps: 4, weightsEvery: 1})
			}
			p := busy(cpuref.Defaults())
			p.N = 31
			c.Apply(&p)
			if p.OutLayout == cpuref.Dense {
				p.N = 13
			}
			lockstep(t, run{p: p, steps: 150, weightsEvery: 25, active: true})
		})
	}
}

// TestMatchesReferenceRichFromRest runs every rich configuration from the
// initial state for a few hundred steps, busy and (for the preset) as is.
func TestMatchesReferenceRichFromRest(t *testing.T) {
	for _, c := range richCases {
		t.Run(c.name, func(t *testing.T) {
			p := busy(cpuref.Defaults())
			p.N = 37
			if c.dense {
				p.N = 15
			}
			c.set(&p)
			lockstep(t, run{p: p, steps: 250, weightsEvery: 25, active: true})
		})
	}
	t.Run("rich/as is", func(t *testing.T) {
		p := rich(cpuref.Defaults())
		p.N = 32
		lockstep(t, run{p: p, steps: 1200, weightsEvery: 100, active: true})
	})
}

// TestMatchesReferenceRichFrames runs frames from a frame source with
// the direct path's X(t−1) and several cells a pixel.
func TestMatchesReferenceRichFrames(t *testing.T) {
	for _, c := range richCases {
		if c.name != "rich" && c.name != "k=4/kwta/w=2" && c.name != "k=3/horizon=3/direct=2/bias" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			p := cpuref.Defaults()
			p.N = 33
			c.set(&p)
			p.Direct = 2
			stim := func() cpuref.Stimulus { return cputest.BitFrames{N: p.N, End: 1 << 40} }
			lockstep(t, run{p: p, steps: 300, weightsEvery: 10, stim: stim, active: true})
		})
	}
}

// TestMatchesReferenceRichLearnOff switches plasticity off for a stretch
// with several competing cells a pixel, the direct path and the bias.
func TestMatchesReferenceRichLearnOff(t *testing.T) {
	p := busy(cpuref.Defaults())
	p.N, p.K, p.Compete, p.Winners, p.Direct, p.EtaBias, p.Horizon = 30, 3, cpuref.CompeteKWTA, 2, 2, 0.05, 2
	lockstep(t, run{p: p, steps: 300, weightsEvery: 25, learn: func(step int) bool { return step <= 100 || step > 200 }, active: true})
}

// TestRichWorkersIdentical: the planes' spike lists gathered from the
// bands stay ascending for any number of workers.
func TestRichWorkersIdentical(t *testing.T) {
	for _, c := range richCases {
		if c.name != "k=3" && c.name != "k=4/kwta/w=2" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			p := busy(cpuref.Defaults())
			p.N, p.Horizon = 29, 2
			c.set(&p)
			for _, w := range []int{1, 2, 3, 7} {
				lockstep(t, run{p: p, steps: 60, weightsEvery: 10, workers: w, active: true})
			}
		})
	}
}

// TestMatchesReferenceRichEdgeValues: hebbian's skip (only cells that
// spiked with a lit pixel in their patch) after weights were loaded out
// of range or as −0, which the reference clamps on its first learning
// step; and a bias loaded as −0 (+0 + −0 is +0).
func TestMatchesReferenceRichEdgeValues(t *testing.T) {
	t.Run("hebbian/weights out of range", func(t *testing.T) {
		p := busy(cpuref.Defaults())
		p.N, p.K, p.Rule = 16, 3, cpuref.RuleHebbian
		st := cpuref.NewState(p)
		for i := range st.WIn {
			switch i % 4 {
			case 0:
				st.WIn[i] = p.WinMax + 1
			case 1:
				st.WIn[i] = negZero()
			case 2:
				st.WIn[i] = -0.25
			}
		}
		lockstep(t, run{p: p, init: st, steps: 30, weightsEvery: 1, learn: func(step int) bool { return step > 3 }})
	})
	t.Run("bias=-0", func(t *testing.T) {
		p := cpuref.Defaults()
		p.N, p.K, p.Direct, p.EtaBias, p.SigmaNoise = 12, 2, 1, 0.05, 0
		st := cpuref.NewState(p)
		for i := range st.Bias {
			st.Bias[i] = negZero()
		}
		lockstep(t, run{p: p, init: st, steps: 20, weightsEvery: 1})
	})
}

func negZero() float32 { return float32(math.Copysign(0, -1)) }

// TestRichSetParamsMatchesReference changes the live rich parameters
// (the rate ladder, annealing, the bias's rate, the gap rule) mid-run on
// both engines.
func TestRichSetParamsMatchesReference(t *testing.T) {
	p := busy(cpuref.Defaults())
	p.N, p.K, p.Direct, p.EtaBias, p.Anneal, p.DRate = 24, 3, 2, 0.05, 100, 0.02
	fast := changeInLockstep(t, p, 200, 20, map[int]func(*cpuref.Params){
		50:  func(q *cpuref.Params) { q.DRate, q.EtaBias = 0.1, 0.2 },
		100: func(q *cpuref.Params) { q.Anneal, q.TargetRate = 0, 0.05 },
		150: func(q *cpuref.Params) { q.Anneal, q.Gap, q.EtaGap = 7, 0.3, 0.01 },
	})
	defer fast.Release()
	q := p
	q.K = 2
	if err := fast.SetParams(q); err == nil {
		t.Error("SetParams took another k")
	}
}
