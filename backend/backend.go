// Package backend is the one notion of a simulation engine the command
// knows: the headless loop, the window, headless recording, the
// benchmark, -save, -load and -metrics all drive a Backend and nothing
// else. Three implementations live here: "gpu", a gpu.Sim on a
// gpu.Context; "cpu", the activity-driven cpufast.Sim (fast.go); and
// "ref", the reference cpuref.Sim that the other two are tested against.
// A further engine that keeps its state in host memory plugs in with one
// small file: wrap it in the Host methods and call NewHost.
//
// Threads: a Backend's methods may be called from any goroutine except a
// GL context's thread; the gpu backend runs its GL work on its context's
// thread itself (through Context.Do), so callers never see that thread. A
// Display, which a frame loop draws from, is the opposite: its methods
// run on the GL thread, inside the frame's Context.Do.
package backend

import (
	"fmt"
	"io"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// Network is what a network answers about itself: every Backend, and
// each network of a GPU batch (GPUBatch.Net).
type Network interface {
	// T is the step count reached: the generator's position.
	T() int64
	// Measures waits for the last step and returns the rolling measures.
	Measures() (cpuref.Measures, error)
	// State returns the whole state after the last step. It is read-only
	// and valid until the next call of any method: the gpu backend reads
	// its buffers back into one state it reuses, a host backend returns
	// its own.
	State() (*cpuref.State, error)
	// Params are the model's parameters.
	Params() cpuref.Params
	// Name is the -backend value: "gpu", "cpu", "ref".
	Name() string
	// Renderer names what computes the steps: GL_RENDERER, or the CPU
	// engine.
	Renderer() string
}

// Backend runs the network.
type Backend interface {
	Network
	// Step runs k steps.
	Step(k int) error
	// Load replaces the whole state with a copy of st (same parameters):
	// a reset to the initial state, or to a checkpoint's.
	Load(st *cpuref.State) error
	// SetLearn turns plasticity on or off (homeostasis always runs).
	SetLearn(on bool)
	// SetParams changes the parameters from the next step on: only those
	// the GPU takes as uniforms (η, η_out, σ, the target rate, …); a
	// change to any other is refused.
	SetParams(p cpuref.Params) error
	// Display returns what a frame loop draws on ctx (the context of the
	// window or of the offscreen target). A gpu backend must be drawn on
	// its own context. Call it outside the GL thread; Release the
	// Display on the GL thread before the Backend.
	Display(ctx *gpu.Context) (Display, error)
	// Release frees what the backend holds (the GL objects, and the
	// context when New made it). Safe to call twice.
	Release()
}

// Display is a backend as a frame loop sees it: a gpu.Sim whose buffers
// the panels draw, and measures read without stalling the GPU. Its
// methods run on the GL thread.
type Display interface {
	// Sim holds the buffers the panels draw.
	Sim() *gpu.Sim
	// Sync brings those buffers up to the backend's last step: nothing
	// for the gpu backend, which draws its own; an upload of the display
	// buffers for a host backend (the one upload in the frame loop).
	Sync() error
	// RequestMeasures asks for the measures without waiting;
	// PollMeasures returns the newest that have arrived, their step, and
	// whether they are new.
	RequestMeasures()
	PollMeasures() (cpuref.Measures, int64, bool)
	// Reset forgets measures in flight, after Backend.Load.
	Reset()
	// A host backend's Display also has UploadAlso(bufs []gpu.Buffer):
	// the buffers its Sync uploads beyond the panels' (see Uploader).
	// Release frees the display's GL objects (not the backend's). Safe
	// to call twice.
	Release()
}

// Config says which backend to make and from what.
type Config struct {
	Name    string          // one of Names
	Params  cpuref.Params   // validated
	State   *cpuref.State   // the state to start from; copied
	Stim    cpuref.Stimulus // nil: cpuref.NewStimulus(Params); the window moves a Mouse's dot
	Workers int             // goroutines of a CPU engine (0: all CPUs)
	// Context is the GL context of a gpu backend (a window's); nil makes
	// a headless one with NewHeadlessContext(GL, Warn), which Release
	// frees.
	Context *gpu.Context
	GL      gpu.HeadlessOptions
	Warn    io.Writer // where a software-rendering warning goes
}

// Names are the backends New makes: the GPU, the fast CPU engine and the
// reference.
var Names = []string{"gpu", "cpu", "ref"}

// New makes the backend c names.
func New(c Config) (Backend, error) {
	if c.Stim == nil {
		c.Stim = cpuref.NewStimulus(c.Params)
	}
	if c.State == nil {
		c.State = cpuref.NewState(c.Params)
	}
	switch c.Name {
	case "gpu":
		return newGPU(c)
	case "cpu":
		return newFast(c)
	case "ref":
		return newCPU(c), nil
	}
	return nil, fmt.Errorf("backend: unknown backend %q", c.Name)
}

// NewHeadlessContext makes a GL context without a window as o asks (an
// EGL device, Mesa's surfaceless EGL, GLX or a private Xvfb). Every
// headless context of the command is made here (the headless gpu backend,
// the offscreen target of a recording, the benchmark), so the choice is
// made once. A context that is software while a hardware GPU is present
// says so in one line on warn.
func NewHeadlessContext(o gpu.HeadlessOptions, warn io.Writer) (*gpu.Context, error) {
	ctx, err := gpu.NewHeadlessWith(o)
	if err == nil && ctx.Warning != "" && warn != nil {
		fmt.Fprintf(warn, "spikecast: %s\n", ctx.Warning)
	}
	return ctx, err
}

// LiveChangeable reports whether p differs from old only in parameters a
// running network can take (those the GPU passes as uniforms), and names
// the first that it cannot.
func LiveChangeable(old, p cpuref.Params) (string, bool) {
	for _, s := range cpuref.ParamSpecs() {
		if s.GLSL != "uniform" && s.Value(old) != s.Value(p) {
			return s.Flag, false
		}
	}
	if p.N != old.N {
		return "n", false
	}
	return "", true
}

// Uploader is a Display that copies buffers from host memory (a host
// backend's): UploadAlso names the buffers, beyond X, Y, the spikes and
// ŷ, that the views on screen read, so that it uploads only those.
type Uploader interface {
	UploadAlso(bufs []gpu.Buffer)
}
