package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/cpuref"
)

// float32Flag is a flag.Value for a float32 parameter.
type float32Flag struct{ p *float32 }

func (f float32Flag) String() string {
	if f.p == nil {
		return ""
	}
	return strconv.FormatFloat(float64(*f.p), 'g', -1, 32)
}

func (f float32Flag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("out of float32 range")
		}
		return fmt.Errorf("not a number")
	}
	// Adding +0 turns −0 into +0: Go's max(−0, +0) and GLSL's differ, and
	// a −0 parameter would be the only way to tell them apart.
	*f.p = float32(v) + 0
	return nil
}

// stringFlag is a flag.Value for the string-typed parameters.
type stringFlag[T ~string] struct{ p *T }

func (f stringFlag[T]) String() string {
	if f.p == nil {
		return ""
	}
	return string(*f.p)
}
func (f stringFlag[T]) Set(s string) error { *f.p = T(s); return nil }

// addParamFlags declares the model-parameter flags, which carry the names
// of docs/MODEL.md, with p's values as defaults. Parameters.Validate
// checks their ranges after parsing.
func addParamFlags(fs *flag.FlagSet, p *cpuref.Params) {
	fs.IntVar(&p.N, "n", p.N, "grid side: n×n input, hidden and output cells [1, 8192]")
	f32 := func(v *float32, name, usage string) { fs.Var(float32Flag{v}, name, usage) }
	f32(&p.Rho, "rho", "membrane leak factor ρ [0, 1]")
	f32(&p.Bias, "bias", "constant input current b [-10, 10]")
	f32(&p.SigmaNoise, "sigma_noise", "membrane noise σ [0, 10]")
	f32(&p.TargetRate, "target_rate", "homeostatic target firing rate [0, 1]")
	f32(&p.TauOut, "tau_out", "output threshold τ_out [-100, 100]")
	fs.Var(stringFlag[cpuref.Rule]{&p.Rule}, "rule", "input learning rule: stdp, hebbian or rstdp (reward-modulated STDP)")
	f32(&p.APlus, "a_plus", "STDP potentiation A₊ [0, 100]")
	f32(&p.AMinus, "a_minus", "STDP depression A₋ [0, 100]")
	f32(&p.LambdaPre, "lambda_pre", "pre-synaptic trace decay λ_pre [0, 1]")
	f32(&p.LambdaPost, "lambda_post", "post-synaptic trace decay λ_post [0, 1]")
	fs.Var(stringFlag[cpuref.Layout]{&p.WOut}, "wout", "output weights: local or dense (dense needs 4·n⁴ bytes, at most 1 GiB)")
	fs.IntVar(&p.ROut, "rout", p.ROut, "radius of the local output window [0, 8]")
	fs.IntVar(&p.RRec, "rrec", p.RRec, "radius of the recurrent window [0, 8]")
	f32(&p.Eta, "eta", "input learning rate η [0, 10]")
	f32(&p.EtaOut, "eta_out", "output learning rate η_out [0, 10]")
	f32(&p.EtaTheta, "eta_theta", "threshold adaptation rate η_θ [0, 10]")
	f32(&p.Theta0, "theta0", "initial threshold θ(0) [theta_min, 1000]")
	f32(&p.ThetaMin, "theta_min", "threshold floor θ_min [0, 1000]")
	f32(&p.Win0, "win0", "initial W_in drawn from U[0, win0) [0, win_max]")
	f32(&p.WinMax, "win_max", "W_in ceiling [0, 100]")
	f32(&p.WoutMax, "wout_max", "W_out clip range ±wout_max [0, 1000]")
	f32(&p.Wrec0, "wrec0", "initial W_rec drawn from U[-wrec0, wrec0) [0, 10]")
	f32(&p.LambdaElig, "lambda_elig", "eligibility trace decay λ_e of -rule rstdp [0, 1]")
	fs.BoolVar(&p.LearnRec, "learn_rec", p.LearnRec, "make W_rec plastic (one-step pair STDP, see docs/MODEL.md)")
	f32(&p.EtaRec, "eta_rec", "recurrent learning rate η_rec of -learn_rec [0, 10]")
	f32(&p.WrecMax, "wrec_max", "W_rec clip range ±wrec_max with -learn_rec [0, 10]")
	fs.IntVar(&p.Horizon, "horizon", p.Horizon, "predict X(t+horizon) [1, 16]; above 1 a second, slower hidden layer feeds the output")
	fs.BoolVar(&p.NoCascade, "no_cascade", p.NoCascade, "with -horizon > 1, predict from the first hidden layer alone (for comparison)")
	f32(&p.Rho2, "rho2", "leak factor ρ₂ of the second hidden layer (-horizon > 1) [0, 1]")
	fs.Var(stringFlag[cpuref.Env]{&p.Env}, "env", "stimulus: border, dots, bounce, bar or mouse (the dot follows the mouse; window only)")
	fs.IntVar(&p.Dots, "dots", p.Dots, "dots of -env dots and -env bounce [1, 64]")
	fs.BoolVar(&p.CCW, "ccw", p.CCW, "-env dots: every second dot walks counter-clockwise")
	fs.Func("seed", "seed of every random number [0, 4294967295] (default 1)", func(s string) error {
		v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
		if err != nil {
			return fmt.Errorf("want an integer in [0, 4294967295]")
		}
		p.Seed = uint32(v)
		return nil
	})
}
