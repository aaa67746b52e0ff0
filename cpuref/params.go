package cpuref

import (
	"fmt"
	"math"
)

// Rule names the learning rule on the input weights W_in.
type Rule string

// The input learning rules of docs/MODEL.md.
const (
	RuleSTDP    Rule = "stdp"
	RuleHebbian Rule = "hebbian"
	// RuleRSTDP is reward-modulated STDP: the STDP term feeds an
	// eligibility trace, and a reward from the prediction error gates its
	// conversion into weight change.
	RuleRSTDP Rule = "rstdp"
)

// Layout names the connectivity of the output weights W_out.
type Layout string

// The output weight layouts of docs/MODEL.md.
const (
	// Local connects output k to the (2·ROut+1)² hidden cells around it.
	Local Layout = "local"
	// Dense connects every hidden cell to every output: n⁴ weights.
	Dense Layout = "dense"
)

// Size limits, checked by Validate.
const (
	MaxN     = 8192
	MaxR     = 8
	MaxDense = 1 << 30 // bytes of dense W_out we agree to allocate
	// MaxHorizon is the furthest frame -horizon may predict.
	MaxHorizon = 16
)

// Params are the model's parameters. Field names follow the command-line
// flags (in snake case there); docs/MODEL.md gives each one's meaning.
type Params struct {
	N          int     // grid side: n×n input, hidden and output cells
	Rho        float32 // membrane leak factor ρ
	Bias       float32 // constant input current b
	SigmaNoise float32 // noise amplitude σ
	TargetRate float32 // homeostatic target firing rate
	TauOut     float32 // output threshold τ_out
	Rule       Rule    // input learning rule
	APlus      float32 // STDP potentiation A₊
	AMinus     float32 // STDP depression A₋
	LambdaPre  float32 // pre-synaptic trace decay λ_pre
	LambdaPost float32 // post-synaptic trace decay λ_post
	WOut       Layout  // output weight layout
	ROut       int     // radius of the local output window
	RRec       int     // radius of the recurrent window
	Eta        float32 // input learning rate η
	EtaOut     float32 // output learning rate η_out
	EtaTheta   float32 // threshold adaptation rate η_θ
	Theta0     float32 // initial threshold θ(0)
	ThetaMin   float32 // threshold floor θ_min
	Win0       float32 // initial W_in drawn from U[0, Win0)
	WinMax     float32 // W_in clip ceiling
	WoutMax    float32 // W_out clip range ±WoutMax
	Wrec0      float32 // initial W_rec drawn from U[−Wrec0, Wrec0)
	Seed       uint32  // seed of every random number in the run

	// Reward-modulated STDP and recurrent plasticity.
	LambdaElig float32 // eligibility trace decay λ_e (rule rstdp)
	LearnRec   bool    // W_rec plastic
	EtaRec     float32 // recurrent learning rate η_rec
	WrecMax    float32 // W_rec clip range ±WrecMax when plastic

	// Longer horizon: predict X_{t+Horizon}; above 1 a second, slower
	// hidden layer sits between the first and the output.
	Horizon int
	Rho2    float32 // leak factor of the second hidden layer
	// NoCascade predicts X_{t+Horizon} from the first hidden layer alone
	// (the comparison the second layer is measured against).
	NoCascade bool

	// Stimulus.
	Env  Env  // which stimulus
	Dots int  // dots of -env dots and bounce
	CCW  bool // -env dots: every second dot walks counter-clockwise
}

// Defaults returns the parameters of docs/MODEL.md, known to learn the
// border walk.
func Defaults() Params {
	return Params{
		N:          48,
		Rho:        0.9,
		Bias:       0,
		SigmaNoise: 0.005,
		TargetRate: 0.1,
		TauOut:     1.0,
		Rule:       RuleSTDP,
		APlus:      1.0,
		AMinus:     0.5,
		LambdaPre:  0.8,
		LambdaPost: 0.8,
		WOut:       Local,
		ROut:       2,
		RRec:       1,
		Eta:        0.01,
		EtaOut:     0.05,
		EtaTheta:   0.01,
		Theta0:     1.0,
		ThetaMin:   0.05,
		Win0:       0.5,
		WinMax:     1.5,
		WoutMax:    4.0,
		Wrec0:      0.02,
		Seed:       1,
		LambdaElig: 0.9,
		EtaRec:     0.0001,
		WrecMax:    0.2,
		Horizon:    1,
		Rho2:       0.95,
		Env:        EnvBorder,
		Dots:       1,
	}
}

// RangeError reports a parameter outside its valid range. Flag is the
// command-line name of the parameter.
type RangeError struct {
	Flag  string
	Value string
	Want  string
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("invalid -%s %s: want %s", e.Flag, e.Value, e.Want)
}

// Validate checks every parameter against its range and returns a
// *RangeError naming the first one outside it.
func (p Params) Validate() error {
	type fr struct {
		flag   string
		v      float32
		lo, hi float32
		openHi bool
	}
	floats := []fr{
		{"rho", p.Rho, 0, 1, false},
		{"bias", p.Bias, -10, 10, false},
		{"sigma_noise", p.SigmaNoise, 0, 10, false},
		{"target_rate", p.TargetRate, 0, 1, false},
		{"tau_out", p.TauOut, -100, 100, false},
		{"a_plus", p.APlus, 0, 100, false},
		{"a_minus", p.AMinus, 0, 100, false},
		{"lambda_pre", p.LambdaPre, 0, 1, false},
		{"lambda_post", p.LambdaPost, 0, 1, false},
		{"eta", p.Eta, 0, 10, false},
		{"eta_out", p.EtaOut, 0, 10, false},
		{"eta_theta", p.EtaTheta, 0, 10, false},
		{"theta_min", p.ThetaMin, 0, 1000, false},
		{"win_max", p.WinMax, 0, 100, false},
		{"wout_max", p.WoutMax, 0, 1000, false},
		{"wrec0", p.Wrec0, 0, 10, false},
		{"lambda_elig", p.LambdaElig, 0, 1, false},
		{"eta_rec", p.EtaRec, 0, 10, false},
		{"wrec_max", p.WrecMax, 0, 10, false},
		{"rho2", p.Rho2, 0, 1, false},
	}
	if p.N < 1 || p.N > MaxN {
		return &RangeError{"n", fmt.Sprint(p.N), fmt.Sprintf("an integer in [1, %d]", MaxN)}
	}
	for _, f := range floats {
		if !inRange(f.v, f.lo, f.hi) {
			return &RangeError{f.flag, fmtFloat(f.v), fmt.Sprintf("a number in [%g, %g]", f.lo, f.hi)}
		}
	}
	if !inRange(p.Theta0, p.ThetaMin, 1000) {
		return &RangeError{"theta0", fmtFloat(p.Theta0), fmt.Sprintf("a number in [theta_min=%g, 1000]", p.ThetaMin)}
	}
	if !inRange(p.Win0, 0, p.WinMax) {
		return &RangeError{"win0", fmtFloat(p.Win0), fmt.Sprintf("a number in [0, win_max=%g]", p.WinMax)}
	}
	if p.Rule != RuleSTDP && p.Rule != RuleHebbian && p.Rule != RuleRSTDP {
		return &RangeError{"rule", fmt.Sprintf("%q", p.Rule), `one of "stdp", "hebbian", "rstdp"`}
	}
	if p.LearnRec && p.Wrec0 > p.WrecMax {
		return &RangeError{"wrec0", fmtFloat(p.Wrec0), fmt.Sprintf("a number in [0, wrec_max=%g] with -learn_rec", p.WrecMax)}
	}
	if p.WOut != Local && p.WOut != Dense {
		return &RangeError{"wout", fmt.Sprintf("%q", p.WOut), `one of "local", "dense"`}
	}
	if p.ROut < 0 || p.ROut > MaxR {
		return &RangeError{"rout", fmt.Sprint(p.ROut), fmt.Sprintf("an integer in [0, %d]", MaxR)}
	}
	if p.RRec < 0 || p.RRec > MaxR {
		return &RangeError{"rrec", fmt.Sprint(p.RRec), fmt.Sprintf("an integer in [0, %d]", MaxR)}
	}
	if p.Horizon < 1 || p.Horizon > MaxHorizon {
		return &RangeError{"horizon", fmt.Sprint(p.Horizon), fmt.Sprintf("an integer in [1, %d] (1: the next frame)", MaxHorizon)}
	}
	if err := p.checkEnv(); err != nil {
		return err
	}
	if p.WOut == Dense {
		if b := DenseBytes(p.N); b > MaxDense {
			return &RangeError{"wout", `"dense"`, fmt.Sprintf("\"local\" at -n %d: dense W_out needs 4·n⁴ = %d bytes (%s), over the %s cap", p.N, b, HumanBytes(b), HumanBytes(MaxDense))}
		}
	}
	return nil
}

// DenseBytes is the size of a dense W_out at side n.
func DenseBytes(n int) int64 {
	c := int64(n) * int64(n)
	return 4 * c * c
}

// HumanBytes formats a byte count in binary units.
func HumanBytes(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := int64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}

func inRange(v, lo, hi float32) bool {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	return v >= lo && v <= hi
}

func fmtFloat(v float32) string {
	return fmt.Sprint(v)
}
