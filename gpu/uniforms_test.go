package gpu_test

import (
	"regexp"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu/gputest"
	"github.com/spikecast/spikecast/shaders"
)

// stepUniforms are the uniforms Sim sets each step or dispatch, which are
// not parameters: the frame's rectangles, the ring slot, the noise key,
// the step's η_θ(t), the band's first row and learning on/off.
var stepUniforms = map[string]bool{"uNow": true, "uNumNow": true, "uNext": true, "uNumNext": true,
	"uSlot": true, "uNoiseKey": true, "uEtaThetaStep": true, "uRow0": true, "uLearn": true}

// TestParamUniformsActive holds the parameter declarations and the
// shaders together: every parameter uniform a pass's source names must be
// active in that pass for some configuration (a use the compiler dropped,
// or a parameter spelt differently in Go and GLSL, fails), and every
// active uniform must be a declared parameter or one the step sets.
func TestParamUniformsActive(t *testing.T) {
	configs := map[string]func(*cpuref.Params){
		"default":              func(*cpuref.Params) {},
		"rstdp learn_rec":      func(p *cpuref.Params) { p.Rule, p.LearnRec = cpuref.RuleRSTDP, true },
		"hebbian dense":        func(p *cpuref.Params) { p.Rule, p.OutLayout = cpuref.RuleHebbian, cpuref.Dense },
		"horizon 3":            func(p *cpuref.Params) { p.Horizon = 3 },
		"horizon 3 rrec 0":     func(p *cpuref.Params) { p.Horizon, p.RRec = 3, 0 },
		"horizon 3 no cascade": func(p *cpuref.Params) { p.Horizon, p.NoCascade = 3, true },
		"rich": func(p *cpuref.Params) {
			p.K, p.DRate, p.Compete, p.Direct, p.EtaBias = 4, 0.05, cpuref.CompeteKWTA, 2, 0.05
		},
	}
	active := map[string]map[string]bool{}
	for _, set := range configs {
		p := cpuref.Defaults()
		p.N = 16
		set(&p)
		sim := gputest.Sim(t, p, cpuref.NewState(p))
		gputest.Do(t, func() error {
			for file, names := range sim.ActiveUniforms() {
				if active[file] == nil {
					active[file] = map[string]bool{}
				}
				for _, u := range names {
					active[file][u] = true
				}
			}
			return nil
		})
	}
	declared := map[string]bool{}
	for _, u := range cpuref.UniformNames() {
		declared[u] = true
	}
	if len(active) < 5 {
		t.Fatalf("%d passes reported, want the 5 compute passes: %v", len(active), active)
	}
	for file, names := range active {
		src, err := shaders.Source(file)
		if err != nil {
			t.Fatal(err)
		}
		for u := range declared {
			if regexp.MustCompile(`\b`+u+`\b`).MatchString(src) && !names[u] {
				t.Errorf("%s names %s, a parameter, but GL reports it inactive in every configuration", file, u)
			}
		}
		for u := range names {
			if !declared[u] && !stepUniforms[u] {
				t.Errorf("%s has an active uniform %s that is neither a declared parameter nor one the step sets", file, u)
			}
		}
	}
}
