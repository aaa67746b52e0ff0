// Package session runs what a spikecast command line asks for: a
// headless run, the window, a headless recording or the benchmark, each
// on a backend.Backend, with what a run keeps of itself (-save, -metrics,
// the progress line: observer.go) attached the same way to every kind of
// run. It prints the JSON summary and returns the command's exit code;
// package main only parses and checks the flags.
package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"syscall"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/changes"
	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/frames"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/sweep"
	"github.com/spikecast/spikecast/version"
	"github.com/spikecast/spikecast/viz"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitFailure   = 1   // a failure after the run started, or no GL
	ExitUsage     = 2   // bad input: a flag or a file a flag names
	ExitInterrupt = 130 // SIGINT
	ExitTerm      = 143 // SIGTERM
)

// Config is everything the command line sets, checked.
type Config struct {
	Params   cpuref.Params
	Backend  string // backend.Names, or "auto" until Run resolves it
	Auto     string // why -backend auto chose Backend ("" without auto)
	Steps    int    // steps to run; 0: until the window closes
	Headless bool
	Workers  int

	// Window.
	Width, Height int
	VSync         bool
	StepsPerFrame int
	Afterglow     float64
	Screenshot    string
	Layout        string     // viz.Layouts
	Panels        []viz.View // the 2-D panels' starting views (-panels)
	Zoom          float64    // the 2-D panels' starting zoom (-zoom)
	// AutoZoom opens the 2-D panels zoomed in on the dot where the whole
	// grid's cells would be specks (viz.Options.AutoZoom): no -zoom.
	AutoZoom bool
	// Changes are parameter changes at given steps (-changes), applied
	// before the step each names in every kind of run.
	Changes []changes.Change
	// changeLog are the changes made so far (from -changes or keys), for
	// recordings' provenance.
	changeLog []string

	// Recording.
	Record string  // .mp4, .gif or a directory/ of PNGs
	FPS    float64 // playback rate of a recording
	Title  string  // caption drawn on every frame
	Args   []string

	// What a run keeps of itself.
	Save         string        // checkpoint written when the run ends
	Load         string        // checkpoint the run resumes from
	Metrics      string        // CSV of per-step measures
	MetricsEvery int           // steps between metrics rows
	Quiet        bool          // no progress line
	Resume       *cpuref.State // the state -load read
	// History is the learning curve -load read (nil: the file has none),
	// which the run's history and the window's curve continue.
	History *checkpoint.History

	// Data out: every spike (-spikes), the whole state (-state).
	Spikes      string                   // .npy of spike records
	SpikeLayers [gpu.NumSpikeLayers]bool // the layers -spikes keeps, by code
	StateFile   string                   // .npz of the state at the end (and on S)
	StateEvery  int                      // steps between numbered -state files; 0: none
	ConfigFile  string                   // -config: the JSON the flags were read from
	Preset      string                   // -preset: the named parameters the flags start from

	// A batch run (-batch, -sweep): the networks to run, Batch at a time,
	// each for Steps steps; nil: one network. SweepOut is the results
	// file, which SweepResume continues.
	Batch       int
	Runs        []sweep.Run
	SweepOut    string
	SweepResume bool
	Merge       []string // -merge: results files to merge into SweepOut

	// Stim is the run's stimulus when it is not the one Params.Env names:
	// the -frames source, which Run opens (nil: cpuref.NewStimulus).
	Stim cpuref.Stimulus

	// How a headless context is made (-gl, -gpu), and -list_gpus.
	GL       gpu.HeadlessOptions
	ListGPUs bool

	// Benchmark mode.
	Bench        bool
	BenchSizes   []int
	BenchSeconds float64
}

// Run runs c until its steps are done, its window closes or a signal
// arrives on sigs, and returns the exit code.
func Run(c *Config, sigs <-chan os.Signal, stdout, stderr io.Writer) int {
	switch {
	case c.ListGPUs:
		return listGPUs(stdout, stderr)
	case c.Merge != nil:
		return runMerge(c, stdout, stderr)
	}
	if err := c.checkDevice(defaultAutoEnv(c)); err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return ExitUsage
	}
	if c.Bench {
		return runBench(c, sigs, stdout, stderr)
	}
	if !c.Headless && !gpu.HasDisplay() {
		return noDisplay(stderr) // before -backend auto measures anything
	}
	defer c.resolveAuto(defaultAutoEnv(c), stderr)()
	if c.Runs != nil {
		return runBatch(c, sigs, stdout, stderr)
	}
	if c.Params.Frames != "" && c.Stim == nil {
		src, err := frames.New(c.Params, c.t0())
		if err != nil {
			return fail(stderr, err)
		}
		defer src.Close()
		c.Stim = src
		defer func() { c.Stim = nil }()
	}
	switch {
	case !c.Headless:
		return runWindow(c, sigs, stdout, stderr)
	case c.Record != "":
		return runRecord(c, sigs, stdout, stderr)
	}
	return runHeadless(c, sigs, stdout, stderr)
}

// listGPUs prints one line per EGL device (-list_gpus).
func listGPUs(stdout, stderr io.Writer) int {
	devices, err := gpu.ListDevices()
	if err != nil {
		return fail(stderr, err)
	}
	if len(devices) == 0 {
		return fail(stderr, fmt.Errorf("EGL lists no devices"))
	}
	for _, d := range devices {
		fmt.Fprintln(stdout, d)
	}
	return ExitOK
}

// initialState is the state a run starts from and R returns to: the
// checkpoint's with -load, else the initial one.
func (c *Config) initialState() *cpuref.State {
	if c.Resume != nil {
		return c.Resume
	}
	return cpuref.NewState(c.Params)
}

// t0 is the step count a run starts at.
func (c *Config) t0() int64 {
	if c.Resume != nil {
		return c.Resume.T
	}
	return 0
}

// maxSteps is where a run with -steps stops: -steps counts the steps
// after the checkpoint. 0: no stop.
func (c *Config) maxSteps() int64 {
	if c.Steps == 0 {
		return 0
	}
	return c.t0() + int64(c.Steps)
}

// newBackend makes the run's backend, headless unless cfg says otherwise.
func (c *Config) newBackend(cfg backend.Config) (backend.Backend, error) {
	cfg.Name, cfg.Params, cfg.Workers, cfg.GL = c.Backend, c.Params, c.Workers, c.GL
	cfg.State = c.initialState()
	if cfg.Stim == nil {
		cfg.Stim = c.Stim
	}
	return backend.New(cfg)
}

// Summary is the one-line JSON report printed at exit.
type Summary struct {
	Steps       int64   `json:"steps"`
	StepsPerS   float64 `json:"steps_per_s"`
	F1          float64 `json:"f1"`
	Precision   float64 `json:"precision"`
	Recall      float64 `json:"recall"`
	HiddenRate  float64 `json:"hidden_rate"`
	N           int     `json:"n"`
	Backend     string  `json:"backend"`                // what ran
	BackendAuto string  `json:"backend_auto,omitempty"` // why -backend auto chose it
	Renderer    string  `json:"renderer"`
	GL          string  `json:"gl,omitempty"`     // how the GL context was made: egl-device, egl-surfaceless, glx or xvfb
	Version     string  `json:"version"`          // the build (package version)
	FPS         float64 `json:"fps,omitempty"`    // frames drawn per second: window and recording runs
	Frames      int64   `json:"frames,omitempty"` // frames recorded
	// Networks is how many networks a batch run finished; then steps is
	// each one's steps, steps_per_s the networks' steps per second in
	// all, and f1, precision, recall and hidden_rate their means.
	Networks int    `json:"networks,omitempty"`
	Record   string `json:"record,omitempty"` // where they went
	// What repeats the run: every parameter by flag name, and the run
	// flags that change its result. -config reads both back.
	Params JSONObject `json:"params"`
	Run    RunFlags   `json:"run"`
}

// JSONObject is JSON kept as its text: printed as it is, read back as it
// was, and comparable (a Summary compares with ==).
type JSONObject string

// MarshalJSON returns the text ("null" when empty).
func (j JSONObject) MarshalJSON() ([]byte, error) {
	if j == "" {
		return []byte("null"), nil
	}
	return []byte(j), nil
}

// UnmarshalJSON keeps the text.
func (j *JSONObject) UnmarshalJSON(b []byte) error { *j = JSONObject(b); return nil }

// RunFlags are the flags besides the parameters that change what a run
// computes, as the summary and a recording's sidecar carry them.
type RunFlags struct {
	Backend  string `json:"backend"`
	Steps    int    `json:"steps"` // -steps: steps after the -load checkpoint
	Headless bool   `json:"headless"`
	Load     string `json:"load,omitempty"`
	// Preset is the -preset the parameters started from; params holds
	// them resolved, so -config repeats the run with or without it.
	Preset string `json:"preset,omitempty"`
}

// runFlags is c's RunFlags.
func (c *Config) runFlags() RunFlags {
	b := c.Backend
	if c.Auto != "" {
		b = "auto" // what was asked: -config repeats the choice, not its outcome
	}
	return RunFlags{Backend: b, Steps: c.Steps, Headless: c.Headless, Load: c.Load, Preset: c.Preset}
}

// newSummary fills the fields every run reports: steps is the steps this
// run took (after -load, those beyond the checkpoint), rate their steps
// per second.
func newSummary(c *Config, m cpuref.Measures, steps int64, rate float64, renderer string) Summary {
	return Summary{
		Steps:       steps,
		StepsPerS:   round(rate, 1),
		F1:          round(m.F1, 4),
		Precision:   round(m.Precision, 4),
		Recall:      round(m.Recall, 4),
		HiddenRate:  round(m.HiddenRate, 6),
		N:           c.Params.N,
		Backend:     c.Backend,
		BackendAuto: c.Auto,
		Renderer:    renderer,
		Version:     version.String(),
		Params:      JSONObject(paramsJSON(c.Params)),
		Run:         c.runFlags(),
	}
}

func printSummary(w io.Writer, s Summary) {
	line, _ := json.Marshal(s)
	fmt.Fprintln(w, string(line))
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// exitFor returns the exit code of a run a signal ended (nil: none).
func exitFor(sig os.Signal) int {
	switch {
	case sig == syscall.SIGTERM:
		return ExitTerm
	case sig != nil:
		return ExitInterrupt
	}
	return ExitOK
}

// poll returns a signal that has arrived, or nil.
func poll(sigs <-chan os.Signal) os.Signal {
	select {
	case s := <-sigs:
		return s
	default:
		return nil
	}
}

// sourceEnded reports whether err is the end of a -frames source without
// -loop, which ends a run normally: it says so in one line on stderr.
func sourceEnded(stderr io.Writer, err error) bool {
	if !errors.Is(err, cpuref.ErrEndOfSource) {
		return false
	}
	fmt.Fprintf(stderr, "spikecast: %v\n", err)
	return true
}

// fail prints err as the command's one line and returns ExitFailure.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "spikecast: %v\n", err)
	return ExitFailure
}
