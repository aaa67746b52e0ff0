package cpuref

import "fmt"

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

// WOutLayout names the connectivity of the output weights W_out.
type WOutLayout string

// The output weight layouts of docs/MODEL.md.
const (
	// Local connects output k to the (2·ROut+1)² hidden cells around it.
	Local WOutLayout = "local"
	// Dense connects every hidden cell to every output: n⁴ weights.
	Dense WOutLayout = "dense"
)

// Size limits. The range tags of Params name them, so each is written
// once.
const (
	MaxN     = 8192
	MaxR     = 8
	MaxDense = 1 << 30 // bytes of dense W_out we agree to allocate
	// MaxHorizon is the furthest frame -horizon may predict.
	MaxHorizon = 16
	// MaxK is the most hidden cells a pixel (-k) and the most winners of
	// a competition (-winners).
	MaxK = 16
)

// Compete names the competition among a pixel's K hidden cells.
type Compete string

// The competitions of docs/MODEL.md.
const (
	// CompeteNone lets every cell that crosses its threshold fire.
	CompeteNone Compete = "none"
	// CompeteKWTA lets the Winners crossing cells with the largest
	// margin v̂ − θ fire.
	CompeteKWTA Compete = "kwta"
	// CompeteLevel lets the Winners crossing cells with the highest
	// thresholds fire.
	CompeteLevel Compete = "level"
)

// Params are the model's parameters. Each field is declared once, here:
// its tags give the command-line flag, the symbol of docs/MODEL.md, the
// default, the valid range, the unit, a one-line meaning and how the
// shaders see it. From these tags come the flags and their help
// (AddFlags), Defaults, the range checks of Validate, the checkpoint's
// fields, the GLSL declarations (GLSLHeader) and the parameter tables of
// README.md and docs/MODEL.md (ParamTable); see paramtable.go.
//
// Tags:
//
//	flag     command-line name (and checkpoint name)
//	sym      symbol in docs/MODEL.md ("" when it has none)
//	default  default value, as the flag would parse it
//	min, max closed range; a bound may name another parameter's flag
//	enum     the valid values of a string parameter, comma-separated
//	unit     unit ("" for a pure number)
//	doc      one-line meaning
//	note     a constraint beyond the range, for the docs and the help
//	glsl     "uniform": a uniform u<Field> in every compute pass;
//	         "define": a #define <FLAG> in every compute pass (for an
//	         enum, also <FLAG>_<VALUE> for each value)
type Params struct {
	N          int        `flag:"n" sym:"n" default:"48" min:"1" max:"MaxN" unit:"cells" doc:"grid side: n×n input, hidden and output cells" glsl:"uniform"`
	Rho        float32    `flag:"rho" sym:"ρ" default:"0.9" min:"0" max:"1" unit:"per step" doc:"membrane leak factor" glsl:"uniform"`
	Bias       float32    `flag:"bias" sym:"b" default:"0" min:"-10" max:"10" doc:"constant input current" glsl:"uniform"`
	SigmaNoise float32    `flag:"sigma_noise" sym:"σ" default:"0.005" min:"0" max:"10" doc:"membrane noise amplitude" glsl:"uniform"`
	TargetRate float32    `flag:"target_rate" sym:"r*" default:"0.1" min:"0" max:"1" unit:"spikes per step" doc:"homeostatic target firing rate" glsl:"uniform"`
	TauOut     float32    `flag:"tau_out" sym:"τ_out" default:"1" min:"-100" max:"100" doc:"output threshold" glsl:"uniform"`
	Rule       Rule       `flag:"rule" default:"stdp" enum:"stdp,hebbian,rstdp" doc:"input learning rule (rstdp: reward-modulated STDP)" glsl:"define"`
	APlus      float32    `flag:"a_plus" sym:"A₊" default:"1" min:"0" max:"100" doc:"STDP potentiation" glsl:"uniform"`
	AMinus     float32    `flag:"a_minus" sym:"A₋" default:"0.5" min:"0" max:"100" doc:"STDP depression" glsl:"uniform"`
	LambdaPre  float32    `flag:"lambda_pre" sym:"λ_pre" default:"0.8" min:"0" max:"1" unit:"per step" doc:"pre-synaptic trace decay" glsl:"uniform"`
	LambdaPost float32    `flag:"lambda_post" sym:"λ_post" default:"0.8" min:"0" max:"1" unit:"per step" doc:"post-synaptic trace decay" glsl:"uniform"`
	OutLayout  WOutLayout `flag:"wout" default:"local" enum:"local,dense" doc:"W_out layout: a window around each output, or all-to-all" note:"dense needs 4·n⁴ bytes, at most 1 GiB: n ≤ 128" glsl:"define"`
	ROut       int        `flag:"rout" sym:"r_out" default:"2" min:"0" max:"MaxR" unit:"cells" doc:"radius of the local W_out window" glsl:"define"`
	RRec       int        `flag:"rrec" sym:"r_rec" default:"1" min:"0" max:"MaxR" unit:"cells" doc:"radius of the recurrent window" glsl:"define"`
	Eta        float32    `flag:"eta" sym:"η" default:"0.01" min:"0" max:"10" doc:"W_in learning rate" glsl:"uniform"`
	EtaOut     float32    `flag:"eta_out" sym:"η_out" default:"0.05" min:"0" max:"10" doc:"W_out learning rate" glsl:"uniform"`
	EtaTheta   float32    `flag:"eta_theta" sym:"η_θ" default:"0.01" min:"0" max:"10" doc:"threshold adaptation rate" glsl:"uniform"`
	Theta0     float32    `flag:"theta0" sym:"θ(0)" default:"1" min:"theta_min" max:"1000" doc:"initial threshold"`
	ThetaMin   float32    `flag:"theta_min" sym:"θ_min" default:"0.05" min:"0" max:"1000" doc:"threshold floor" glsl:"uniform"`
	Win0       float32    `flag:"win0" default:"0.5" min:"0" max:"win_max" doc:"initial W_in drawn from U[0, win0)"`
	WinMax     float32    `flag:"win_max" default:"1.5" min:"0" max:"100" doc:"W_in ceiling (the floor is 0)" glsl:"uniform"`
	WoutMax    float32    `flag:"wout_max" default:"4" min:"0" max:"1000" doc:"W_out clip range ±wout_max" glsl:"uniform"`
	Wrec0      float32    `flag:"wrec0" default:"0.02" min:"0" max:"10" doc:"initial W_rec drawn from U[−wrec0, wrec0)" note:"≤ wrec_max with -learn_rec"`
	Seed       uint32     `flag:"seed" default:"1" min:"0" max:"4294967295" doc:"seed of every random number"`

	// Reward-modulated STDP and recurrent plasticity.
	LambdaElig float32 `flag:"lambda_elig" sym:"λ_e" default:"0.9" min:"0" max:"1" unit:"per step" doc:"eligibility trace decay of -rule rstdp" glsl:"uniform"`
	LearnRec   bool    `flag:"learn_rec" default:"false" doc:"make W_rec plastic (one-step pair STDP)" glsl:"define"`
	EtaRec     float32 `flag:"eta_rec" sym:"η_rec" default:"0.0001" min:"0" max:"10" doc:"W_rec learning rate of -learn_rec" glsl:"uniform"`
	WrecMax    float32 `flag:"wrec_max" default:"0.2" min:"0" max:"10" doc:"W_rec clip range ±wrec_max with -learn_rec" glsl:"uniform"`

	// Longer horizon: predict X_{t+Horizon}; above 1 a second, slower
	// hidden layer sits between the first and the output.
	Horizon int     `flag:"horizon" sym:"k" default:"1" min:"1" max:"MaxHorizon" unit:"steps" doc:"predict X(t+horizon); above 1 a second, slower hidden layer feeds the output"`
	Rho2    float32 `flag:"rho2" sym:"ρ₂" default:"0.95" min:"0" max:"1" unit:"per step" doc:"leak factor of the second hidden layer (-horizon > 1)" glsl:"uniform"`
	// NoCascade predicts X_{t+Horizon} from the first hidden layer alone
	// (the comparison the second layer is measured against).
	NoCascade bool `flag:"no_cascade" default:"false" doc:"with -horizon > 1, predict from the first hidden layer alone (for comparison)"`

	// Richer worlds: several hidden cells a pixel, where their
	// thresholds go, competition among them, a direct path from the input
	// to the output and a learned output bias. At the defaults each leaves
	// the model of one cell a pixel unchanged, bit for bit.
	K       int     `flag:"k" sym:"K" default:"1" min:"1" max:"MaxK" unit:"cells" doc:"hidden cells a pixel (first hidden layer)" note:"with -wout dense, 4·K·n⁴ bytes at most 1 GiB" glsl:"define"`
	DTheta  float32 `flag:"dtheta" sym:"Δθ" default:"0" min:"0" max:"100" doc:"initial threshold ladder: cell c of a pixel starts at θ(0) + Δθ·c"`
	DRate   float32 `flag:"drate" sym:"Δr" default:"0" min:"0" max:"1" unit:"spikes per step" doc:"target-rate ladder: cell c of a pixel aims at r* + Δr·c" note:"target_rate + (K−1)·Δr ≤ 1" glsl:"uniform"`
	Anneal  float32 `flag:"anneal" sym:"A" default:"0" min:"0" max:"1e9" unit:"steps" doc:"homeostasis annealing: η_θ(t) = η_θ·A/(A+t); 0 keeps η_θ constant"`
	Gap     float32 `flag:"gap" sym:"g" default:"0" min:"0" max:"100" doc:"threshold gap rule: a threshold that a drive lands within g of (above or below) steps away from it by η_g; 0 turns the rule off" glsl:"uniform"`
	EtaGap  float32 `flag:"eta_gap" sym:"η_g" default:"0.001" min:"0" max:"10" doc:"step of the threshold gap rule (-gap)" glsl:"uniform"`
	Compete Compete `flag:"compete" default:"none" enum:"none,kwta,level" doc:"competition among a pixel's K cells (kwta: the largest margins v̂ − θ fire; level: the highest crossing thresholds)" glsl:"define"`
	Winners int     `flag:"winners" sym:"w" default:"1" min:"1" max:"MaxK" unit:"cells" doc:"how many of a pixel's cells may fire under -compete" note:"≤ K when -compete is not none" glsl:"define"`
	Direct  int     `flag:"direct" sym:"D" default:"0" min:"0" max:"2" doc:"direct path to the output: 0 none, 1 X(t), 2 X(t) and X(t−1)" glsl:"define"`
	RDirect int     `flag:"rdirect" sym:"r_dir" default:"2" min:"0" max:"MaxR" unit:"cells" doc:"radius of the direct path's window (-rout stays the hidden path's)" glsl:"define"`
	EtaBias float32 `flag:"eta_bias" sym:"η_β" default:"0" min:"0" max:"10" doc:"learning rate of a per-output bias β (0: no bias)" glsl:"uniform"`

	// Stimulus.
	Env  Env  `flag:"env" default:"border" enum:"border,dots,bounce,bar,mouse" doc:"stimulus (mouse: the dot follows the pointer; window only)"`
	Dots int  `flag:"dots" sym:"N_d" default:"1" min:"1" max:"MaxRects" doc:"dots of -env dots and -env bounce" note:"dots: ≤ 4(n−1); bounce: ≤ n²"`
	CCW  bool `flag:"ccw" default:"false" doc:"-env dots: every second dot walks counter-clockwise"`

	// Your own frames (package frames decodes them; §8 of docs/MODEL.md).
	// A source replaces -env; each frame is scaled to n×n by area
	// averaging, made grey and then binary by -threshold or -events.
	Frames    string   `flag:"frames" default:"" doc:"frames instead of -env: a video file (ffmpeg), lavfi:EXPR (ffmpeg's synthetic sources), a .gif, a directory of PNG/JPEG frames or a .npy (T, H, W) of uint8, bool or float32"`
	Threshold float32  `flag:"threshold" default:"0.5" min:"0" max:"1" doc:"-frames: a pixel is 1 where its brightness, as a fraction of full scale, is above this"`
	Events    float32  `flag:"events" sym:"c" default:"0" min:"0" max:"100" doc:"-frames: above 0, an event camera instead of -threshold: a pixel is 1 when its log brightness has moved by more than c since its last event"`
	Polarity  Polarity `flag:"polarity" default:"both" enum:"both,on,off" doc:"-frames with -events: which events light a pixel (on: brighter, off: darker)"`
	Crop      bool     `flag:"crop" default:"false" doc:"-frames: centre-crop each frame to a square before scaling (else it is stretched to square)"`
	Loop      bool     `flag:"loop" default:"false" doc:"-frames: restart the source at its end (else the run ends with it)"`
	// FramesID is set by the command, not by hand: it is how a checkpoint
	// knows the source it was made from.
	FramesID string `flag:"frames_id" default:"" doc:"set by spikecast: the -frames source's fingerprint (size, frame count where known, hash of the first frames), which a resumed run checks"`
}

// Polarity says which events of -events light a pixel.
type Polarity string

// The event polarities.
const (
	PolarityBoth Polarity = "both"
	PolarityOn   Polarity = "on"  // brighter by more than c
	PolarityOff  Polarity = "off" // darker by more than c
)

// Defaults returns the parameters of docs/MODEL.md, known to learn the
// border walk: every field's default tag.
func Defaults() Params {
	var p Params
	for _, s := range paramSpecs() {
		if err := s.set(&p, s.Default); err != nil {
			panic(fmt.Sprintf("cpuref: default of -%s: %v", s.Flag, err)) // a bad tag: caught by every test
		}
	}
	return p
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

// Validate checks every parameter against its declared range, then the
// constraints that join several, and returns a *RangeError naming the
// first one outside.
func (p Params) Validate() error {
	// Ranges that name another parameter come after that one's own.
	for _, relative := range []bool{false, true} {
		for _, s := range paramSpecs() {
			if s.relative() != relative {
				continue
			}
			if err := s.check(p); err != nil {
				return err
			}
		}
	}
	if p.LearnRec && p.Wrec0 > p.WrecMax {
		return &RangeError{"wrec0", fmtFloat(p.Wrec0), fmt.Sprintf("a number in [0, wrec_max=%g] with -learn_rec", p.WrecMax)}
	}
	if len(p.Frames) > 255 {
		return &RangeError{"frames", fmt.Sprintf("%q", p.Frames), "a source named in at most 255 bytes (a checkpoint stores it)"}
	}
	if err := p.checkEnv(); err != nil {
		return err
	}
	if p.OutLayout == Dense {
		if b := DenseBytes(p.N) * int64(p.K); b > MaxDense {
			return &RangeError{"wout", `"dense"`, fmt.Sprintf("\"local\" at -n %d -k %d: dense W_out needs 4·K·n⁴ = %d bytes (%s), over the %s cap", p.N, p.K, b, HumanBytes(b), HumanBytes(MaxDense))}
		}
	}
	return p.checkRich()
}

// checkRich checks the constraints that join the parameters of several
// cells a pixel.
func (p Params) checkRich() error {
	if p.Compete != CompeteNone && p.Winners > p.K {
		return &RangeError{"winners", fmt.Sprint(p.Winners), fmt.Sprintf("an integer in [1, k=%d] with -compete %s", p.K, p.Compete)}
	}
	// The top of the ladder in the float32 the model computes it in.
	if top := p.TargetRateOf(p.K - 1); !(top <= 1) {
		return &RangeError{"drate", fmtFloat(p.DRate), fmt.Sprintf("a number with target_rate + (k−1)·drate ≤ 1 (it is %g at -k %d)", top, p.K)}
	}
	return nil
}

// Cells returns the number of first-layer hidden cells, K·n².
func (p Params) Cells() int { return p.K * p.N * p.N }

// TargetRateOf returns the target rate r*_c of cell c of a pixel:
// r* + Δr·c, each operation rounded to float32.
func (p Params) TargetRateOf(c int) float32 {
	return p.TargetRate + float32(p.DRate*float32(c))
}

// InitialTheta returns the initial threshold of cell c of a pixel:
// θ(0) + Δθ·c, each operation rounded to float32.
func (p Params) InitialTheta(c int) float32 {
	return p.Theta0 + float32(p.DTheta*float32(c))
}

// EtaThetaAt returns the threshold adaptation rate of step t:
// η_θ·A/(A+t) under annealing, each operation rounded to float32, else
// η_θ. The host computes it once a step (the GPU receives it as a value
// of the step, as it does the noise key).
func (p Params) EtaThetaAt(t int64) float32 {
	if p.Anneal == 0 {
		return p.EtaTheta
	}
	return float32(p.EtaTheta * float32(p.Anneal/float32(p.Anneal+float32(t))))
}

// HasBias reports whether the outputs have a learned bias (η_β > 0).
func (p Params) HasBias() bool { return p.EtaBias > 0 }

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
