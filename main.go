// Command spikecast runs a layer of leaky integrate-and-fire neurons that
// learns, with local rules only, to predict the next frame of a moving dot.
// The network runs on OpenGL 4.3 compute shaders (-backend gpu) or on the
// pure-Go reference (-backend cpu); docs/MODEL.md defines it.
//
// Usage:
//
//	spikecast [flags]
//
// Run spikecast -h for the flags. The last line of standard output is a
// one-line JSON summary of the run.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// Exit codes.
const (
	exitOK        = 0
	exitFailure   = 1   // a failure after the run started, or no GL
	exitUsage     = 2   // bad input: a flag or a file a flag names
	exitInterrupt = 130 // SIGINT
	exitTerm      = 143 // SIGTERM
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is everything the command line sets.
type config struct {
	params   cpuref.Params
	backend  string
	steps    int
	headless bool
	workers  int

	// Window.
	width, height int
	vsync         bool
	stepsPerFrame int
	afterglow     float64
	screenshot    string

	// Recording.
	record string  // .mp4, .gif or a directory/ of PNGs
	fps    float64 // playback rate of a recording
	title  string  // caption drawn on every frame
	args   []string

	persistFlags // -save, -load, -metrics, -quiet: persist.go
	glFlags      // -gl, -gpu, -list_gpus: glflags.go

	// Benchmark mode.
	bench        bool
	benchN       string
	benchSeconds float64
}

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

// newFlagSet declares every flag. Parameter flags carry the names of
// docs/MODEL.md.
func newFlagSet(c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("spikecast", flag.ContinueOnError)
	p := &c.params
	*p = cpuref.Defaults()
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
	fs.StringVar(&c.backend, "backend", "gpu", "gpu (OpenGL 4.3 compute shaders) or cpu (the Go reference)")
	fs.IntVar(&c.steps, "steps", 0, "steps to run; 0: until the window closes, or 3000 with -headless")
	fs.BoolVar(&c.headless, "headless", false, "no window: simulate, then print the summary")
	fs.IntVar(&c.width, "width", 1280, "window width in screen coordinates [320, 16384]")
	fs.IntVar(&c.height, "height", 800, "window height in screen coordinates [240, 16384]")
	fs.BoolVar(&c.vsync, "vsync", true, "swap at the display's refresh rate (-vsync=false to measure)")
	fs.IntVar(&c.stepsPerFrame, "steps_per_frame", 1, "simulation steps per drawn frame [1, 1024] (+/- in the window)")
	fs.Float64Var(&c.afterglow, "afterglow", 0.8, "per-frame fade of a spike in the 3-D panel [0, 0.99]; 0 shows the last step only")
	fs.StringVar(&c.screenshot, "screenshot", "", "write the window's last frame to this PNG file when the run ends")
	fs.BoolVar(&c.bench, "bench", false, "benchmark mode: measure steps/s, frames/s and bandwidth at each -bench_n, print a table")
	fs.StringVar(&c.benchN, "bench_n", "64,256,1024", "grid sides for -bench, comma-separated")
	fs.Float64Var(&c.benchSeconds, "bench_seconds", 2, "seconds per measurement in -bench [0.1, 60]")
	fs.StringVar(&c.record, "record", "", "record frames, each -steps_per_frame steps after the last, to a .mp4 (H.264, needs ffmpeg), a .gif, or a directory/ of PNGs; with -headless, rendered offscreen at -width×-height (V toggles recording in the window)")
	fs.Float64Var(&c.fps, "fps", 30, "playback rate of a recording in frames per second [1, 240]")
	fs.StringVar(&c.title, "title", "", "caption along the bottom of every frame (window and recording)")
	fs.IntVar(&c.workers, "workers", runtime.GOMAXPROCS(0), "goroutines for -backend cpu [1, 1024]; the result does not depend on it")
	addPersistFlags(fs, &c.persistFlags)
	addGLFlags(fs, &c.glFlags)
	return fs
}

// usageError is a bad command line: exit code 2, one line on stderr.
type usageError struct{ msg string }

// Error returns the message on one line: control characters (a newline
// in a file name, say) are escaped as in a Go string literal.
func (e *usageError) Error() string { return escapeControls(e.msg) }

// escapeControls escapes the control characters of s, so that it prints as one
// line whatever a user typed.
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// parse reads the command line into a validated config.
func parse(args []string, stdout io.Writer) (*config, error) {
	c := &config{args: args}
	fs := newFlagSet(c)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, stdout)
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{fmt.Sprintf("unexpected argument %q (flags start with -)", fs.Arg(0))}
	}
	if err := c.checkPersist(fs, args); err != nil {
		return nil, err
	}
	if err := c.params.Validate(); err != nil {
		return nil, &usageError{err.Error()}
	}
	if c.params.Env == cpuref.EnvMouse && c.headless {
		return nil, &usageError{"invalid -env mouse with -headless: the dot follows the mouse, which needs the window"}
	}
	if err := checkMemory(c.params); err != nil {
		return nil, err
	}
	if c.backend != "gpu" && c.backend != "cpu" {
		return nil, &usageError{fmt.Sprintf(`invalid -backend %q: want one of "gpu", "cpu"`, c.backend)}
	}
	if c.steps < 0 {
		return nil, &usageError{fmt.Sprintf("invalid -steps %d: want an integer ≥ 0", c.steps)}
	}
	if c.width < 320 || c.width > 16384 {
		return nil, &usageError{fmt.Sprintf("invalid -width %d: want an integer in [320, 16384]", c.width)}
	}
	if c.height < 240 || c.height > 16384 {
		return nil, &usageError{fmt.Sprintf("invalid -height %d: want an integer in [240, 16384]", c.height)}
	}
	if c.stepsPerFrame < 1 || c.stepsPerFrame > 1024 {
		return nil, &usageError{fmt.Sprintf("invalid -steps_per_frame %d: want an integer in [1, 1024]", c.stepsPerFrame)}
	}
	if !(c.afterglow >= 0 && c.afterglow <= 0.99) {
		return nil, &usageError{fmt.Sprintf("invalid -afterglow %v: want a number in [0, 0.99]", c.afterglow)}
	}
	if c.screenshot != "" {
		if c.headless {
			return nil, &usageError{"invalid -screenshot with -headless: a screenshot needs the window"}
		}
		if !strings.HasSuffix(strings.ToLower(c.screenshot), ".png") {
			return nil, &usageError{fmt.Sprintf("invalid -screenshot %q: want a path ending in .png", c.screenshot)}
		}
		if err := checkWritableDir(c.screenshot); err != nil {
			return nil, &usageError{fmt.Sprintf("invalid -screenshot %q: %v", c.screenshot, err)}
		}
	}
	if c.bench && c.backend != "gpu" {
		return nil, &usageError{fmt.Sprintf("invalid -backend %s with -bench: the benchmark measures the gpu backend (go test -bench . ./cpuref measures the reference)", c.backend)}
	}
	if c.bench {
		sizes, err := parseSizes(c.benchN)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("invalid -bench_n %q: %v", c.benchN, err)}
		}
		for _, n := range sizes {
			p := c.params
			p.N = n
			if err := p.Validate(); err != nil {
				return nil, &usageError{fmt.Sprintf("invalid -bench_n %d: %v", n, err)}
			}
		}
	}
	if !(c.benchSeconds >= 0.1 && c.benchSeconds <= 60) {
		return nil, &usageError{fmt.Sprintf("invalid -bench_seconds %v: want a number in [0.1, 60]", c.benchSeconds)}
	}
	if c.workers < 1 || c.workers > 1024 {
		return nil, &usageError{fmt.Sprintf("invalid -workers %d: want an integer in [1, 1024]", c.workers)}
	}
	if err := c.checkRecord(); err != nil {
		return nil, err
	}
	if err := c.checkGL(); err != nil {
		return nil, err
	}
	return c, nil
}

func printUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "Usage: spikecast [flags]\n\nA spiking network that learns to predict the next frame of a moving dot.\nThe last line of output is a JSON summary of the run.\n\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// Summary is the one-line JSON report printed at exit.
type Summary struct {
	Steps      int64   `json:"steps"`
	StepsPerS  float64 `json:"steps_per_s"`
	F1         float64 `json:"f1"`
	Precision  float64 `json:"precision"`
	Recall     float64 `json:"recall"`
	HiddenRate float64 `json:"hidden_rate"`
	N          int     `json:"n"`
	Backend    string  `json:"backend"`
	Renderer   string  `json:"renderer"`
	GL         string  `json:"gl,omitempty"`     // how the GL context was made: egl-device, egl-surfaceless, glx, xvfb
	FPS        float64 `json:"fps,omitempty"`    // frames drawn per second: window and recording runs
	Frames     int64   `json:"frames,omitempty"` // frames recorded
	Record     string  `json:"record,omitempty"` // where they went
}

func run(args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return exitUsage
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	if c.listGPUs {
		return listGPUs(stdout, stderr)
	}
	if c.bench {
		return runBench(c, sigs, stdout, stderr)
	}
	if !c.headless {
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			fmt.Fprintln(stderr, "spikecast: no display (DISPLAY is not set): add -headless to simulate without a window, or run under xvfb-run to draw into a virtual screen")
			return exitFailure
		}
		return runWindow(c, sigs, stdout, stderr)
	}
	if c.steps == 0 {
		c.steps = 3000
	}
	if c.record != "" {
		return runRecord(c, sigs, stdout, stderr)
	}

	var sim simulator
	if c.backend == "cpu" {
		sim = newCPU(c)
	} else {
		g, err := newGPU(c, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "spikecast: %v\n", err)
			return exitFailure
		}
		sim = g
	}
	defer sim.Release()
	obs, err := newObserver(c, initialT(c), int64(c.steps), stderr, true, stateReader(sim), sim.Measures)
	if err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return exitFailure
	}
	defer obs.abort()

	code := exitOK
	start := time.Now()
	const batch = 50 // steps between checks for a signal
	done := int64(0)
	for done < int64(c.steps) && code == exitOK {
		k := min(int64(batch), int64(c.steps)-done, obs.until(initialT(c)+done))
		if err := sim.Run(int(k)); err != nil {
			fmt.Fprintf(stderr, "spikecast: %v\n", err)
			return exitFailure
		}
		done += k
		if err := obs.after(initialT(c) + done); err != nil {
			fmt.Fprintf(stderr, "spikecast: %v\n", err)
			return exitFailure
		}
		select {
		case s := <-sigs:
			code = exitInterrupt
			if s == syscall.SIGTERM {
				code = exitTerm
			}
		default:
		}
	}
	m, err := sim.Measures() // waits for the last step to finish
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return exitFailure
	}
	if err := obs.finish(); err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		code = exitFailure
	}
	sum := newSummary(c, m, done, float64(done)/elapsed.Seconds(), sim.Renderer())
	sum.GL = glOf(sim)
	printSummary(stdout, sum)
	return code
}

// newSummary fills the fields every run reports: steps is the step count
// reached, rate the steps per second of this run.
func newSummary(c *config, m cpuref.Measures, steps int64, rate float64, renderer string) Summary {
	return Summary{
		Steps:      steps,
		StepsPerS:  round(rate, 1),
		F1:         round(m.F1, 4),
		Precision:  round(m.Precision, 4),
		Recall:     round(m.Recall, 4),
		HiddenRate: round(m.HiddenRate, 6),
		N:          c.params.N,
		Backend:    c.backend,
		Renderer:   renderer,
	}
}

// exitFor returns the exit code of a run a signal ended (nil: none).
func exitFor(sig os.Signal) int {
	switch {
	case sig == syscall.SIGTERM:
		return exitTerm
	case sig != nil:
		return exitInterrupt
	}
	return exitOK
}

func printSummary(w io.Writer, s Summary) {
	line, _ := json.Marshal(s)
	fmt.Fprintln(w, string(line))
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// simulator is what the command needs of a backend.
type simulator interface {
	Run(steps int) error
	Measures() (cpuref.Measures, error)
	Renderer() string
	Release()
}

// cpuSim runs the reference.
type cpuSim struct{ sim *cpuref.Sim }

func newCPU(c *config) *cpuSim {
	s, _ := cpuref.New(c.params) // params are validated
	if c.resume != nil {
		s.State = c.resume.Clone()
	}
	s.SetWorkers(c.workers)
	return &cpuSim{s}
}

func (s *cpuSim) Run(steps int) error {
	for range steps {
		s.sim.Step()
	}
	return nil
}
func (s *cpuSim) Measures() (cpuref.Measures, error) { return s.sim.Measures(), nil }
func (s *cpuSim) Renderer() string                   { return "cpuref (Go)" }
func (s *cpuSim) Release()                           {}

// gpuSim runs the compute shaders in a headless context.
type gpuSim struct {
	ctx *gpu.Context
	sim *gpu.Sim
}

func newGPU(c *config, stderr io.Writer) (*gpuSim, error) {
	g := &gpuSim{}
	var err error
	if g.ctx, err = newHeadless(&c.glFlags, stderr); err != nil {
		return nil, err
	}
	p := c.params
	err = g.ctx.Do(func() (err error) {
		// Refuse what the GL cannot hold before building the state.
		if err := gpu.CheckLimits(p); err != nil {
			return err
		}
		g.sim, err = gpu.New(p, initialState(c), cpuref.NewStimulus(p))
		return err
	})
	if err != nil {
		g.Release()
		return nil, err
	}
	return g, nil
}

func (g *gpuSim) Run(steps int) error {
	return g.ctx.Do(func() error { return g.sim.Run(steps) })
}

func (g *gpuSim) Measures() (m cpuref.Measures, err error) {
	err = g.ctx.Do(func() (err error) { m, err = g.sim.Measures(); return err })
	return m, err
}

func (g *gpuSim) Renderer() string { return g.ctx.Renderer }

func (g *gpuSim) Release() {
	if g.ctx != nil {
		g.ctx.Do(func() error {
			if g.sim != nil {
				g.sim.Release()
			}
			return nil
		})
		g.ctx.Release()
	}
}

// checkWritableDir checks, before a run starts, that a file can be created
// in path's directory, so nothing asked for is lost at the end of a run.
func checkWritableDir(path string) error {
	if strings.HasSuffix(path, "/") {
		return fmt.Errorf("%s is a directory, not a file", path)
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is not a regular file", path)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".spikecast-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s", dir)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// checkMemory refuses, before anything is allocated, a network whose state
// would not fit in this machine's memory: the state is held once on the
// host and once by the GL driver (which on a software renderer is host
// memory too), so twice its size must fit in 80% of RAM.
func checkMemory(p cpuref.Params) error {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil || si.Totalram == 0 {
		return nil // unknown: let the allocation decide
	}
	ram := int64(si.Totalram) * int64(si.Unit)
	need := 2 * gpu.BytesFor(p)
	if need > ram/10*8 {
		return &usageError{fmt.Sprintf("invalid -n %d: this network needs about %s of memory (its state on the host and in the GL driver), more than 80%% of this machine's %s; use a smaller -n, -rrec or -rout",
			p.N, cpuref.HumanBytes(need), cpuref.HumanBytes(ram))}
	}
	return nil
}
