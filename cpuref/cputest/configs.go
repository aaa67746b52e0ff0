package cputest

import "github.com/spikecast/spikecast/cpuref"

// Config is a configuration of the model that the lockstep tests of every
// engine run: Apply sets its parameters on top of whatever the test chose
// (the size, the noise), leaving the others alone.
type Config struct {
	Name  string
	Apply func(p *cpuref.Params)
}

// RichConfigs are configurations of several hidden cells a pixel and the
// parts that come with them: each competition (ties included, from
// NewState's equal thresholds), the threshold and rate ladders with
// annealing, the direct path over X(t) and X(t−1), the output bias, and
// their meeting with -horizon (cascade or not), rstdp, -learn_rec, dense
// W_out and the rich preset. Each is valid at every n from 1 to 40
// (dense W_out grows as K·n⁴: keep n small there) with any noise; a test
// runs them from RandomState and from NewState.
func RichConfigs() []Config {
	return []Config{
		{"k2", func(p *cpuref.Params) { p.K = 2 }},
		{"k3/kwta/w1/learn_rec", func(p *cpuref.Params) {
			p.K, p.Compete, p.Winners, p.LearnRec, p.EtaRec = 3, cpuref.CompeteKWTA, 1, true, 0.01
		}},
		{"k4/level/w2/ladders/anneal", func(p *cpuref.Params) {
			p.K, p.Compete, p.Winners = 4, cpuref.CompeteLevel, 2
			p.DTheta, p.DRate, p.TargetRate, p.Anneal = 0.25, 0.05, 0.05, 300
		}},
		{"k4/kwta/w3/rrec2", func(p *cpuref.Params) {
			p.K, p.Compete, p.Winners, p.RRec, p.DTheta = 4, cpuref.CompeteKWTA, 3, 2, 0.1
		}},
		{"k2/direct1/bias", func(p *cpuref.Params) {
			p.K, p.Direct, p.RDirect, p.EtaBias = 2, 1, 1, 0.1
		}},
		{"k3/direct2/rdirect3/hebbian/rout0", func(p *cpuref.Params) {
			p.K, p.Direct, p.RDirect, p.Rule, p.ROut = 3, 2, 3, cpuref.RuleHebbian, 0
		}},
		{"k1/direct2/bias/anneal", func(p *cpuref.Params) {
			p.Direct, p.RDirect, p.EtaBias, p.Anneal = 2, 2, 0.05, 50
		}},
		{"k2/rstdp/learn_rec/kwta", func(p *cpuref.Params) {
			p.K, p.Rule, p.LearnRec, p.EtaRec, p.Compete = 2, cpuref.RuleRSTDP, true, 0.01, cpuref.CompeteKWTA
		}},
		{"k3/horizon3/direct2/bias", func(p *cpuref.Params) {
			p.K, p.Horizon, p.Direct, p.EtaBias, p.DRate = 3, 3, 2, 0.05, 0.02
		}},
		{"k2/horizon3/no_cascade/level", func(p *cpuref.Params) {
			p.K, p.Horizon, p.NoCascade, p.Compete = 2, 3, true, cpuref.CompeteLevel
		}},
		{"k2/dense/direct1/bias", func(p *cpuref.Params) {
			p.K, p.OutLayout, p.Direct, p.EtaBias = 2, cpuref.Dense, 1, 0.1
		}},
		{"k3/dense/horizon2", func(p *cpuref.Params) {
			p.K, p.OutLayout, p.Horizon = 3, cpuref.Dense, 2
		}},
		{"preset-rich", func(p *cpuref.Params) {
			if err := cpuref.ApplyPreset(p, "rich"); err != nil {
				panic(err) // the preset is declared in cpuref; its tests catch this
			}
		}},
	}
}
