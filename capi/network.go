package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/frames"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/session"
	"github.com/spikecast/spikecast/sweep"
	"github.com/spikecast/spikecast/version"
	"github.com/spikecast/spikecast/viz"
)

// Error kinds, which the Python package maps to its exceptions: bad
// input (ValueError), a failure of the engine or of GL (RuntimeError), the
// end of the frames (EOFError).
const (
	kindOK      = 0
	kindValue   = 1
	kindRuntime = 2
	kindEnd     = 3
)

// inputError is bad input from the caller: a parameter, a file, an array.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func inputf(format string, a ...any) error { return &inputError{fmt.Sprintf(format, a...)} }

// kindOf classifies err for the caller.
func kindOf(err error) int {
	var in *inputError
	switch {
	case err == nil:
		return kindOK
	case errors.As(err, &in):
		return kindValue
	case errors.Is(err, cpuref.ErrEndOfSource):
		return kindEnd
	}
	return kindRuntime
}

// settings are what a Network is made from: the parameters by flag name,
// as the flags take them, and the run flags that choose the engine.
type settings struct {
	Params  map[string]string `json:"params"`
	Preset  string            `json:"preset"`  // -preset: the named parameters Params start from
	Config  string            `json:"config"`  // -config: a JSON file of settings
	Load    string            `json:"load"`    // -load: a checkpoint to resume
	Backend string            `json:"backend"` // "" or auto, gpu, cpu, ref
	Workers int               `json:"workers"` // 0: all CPUs
	GL      string            `json:"gl"`      // -gl
	GPU     *int              `json:"gpu"`     // -gpu; nil: -1
}

// network is one network of the process: a backend and what feeds and
// draws it. Its methods hold mu, so that calls from several Python
// threads take turns.
type network struct {
	mu      sync.Mutex
	b       backend.Backend
	ctx     *gpu.Context // the gpu backend's own context, or the drawing one of a CPU backend
	gl      gpu.HeadlessOptions
	auto    string         // why -backend auto chose the backend
	feed    *frames.Feed   // frames=True: arrays from step(k, frames=…)
	src     *frames.Source // frames=PATH
	changes []string       // live changes, "step flag value" as -changes takes them
	pic     *picture
	snap    *cpuref.State       // the state readState last took
	hist    *checkpoint.History // the learning curve save stores, as the command's -save
}

// applyParams sets each flag of m on p, in name order, as the command
// line would, naming the flag in an error.
func applyParams(p *cpuref.Params, m map[string]string) error {
	fs := flag.NewFlagSet("spikecast", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	keep := *p
	cpuref.AddFlags(fs, p) // sets *p to the defaults
	*p = keep
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if fs.Lookup(k) == nil {
			return inputf("unknown parameter %q (no flag -%s)", k, k)
		}
		if err := fs.Set(k, m[k]); err != nil {
			return inputf("invalid value %q for flag -%s: %v", m[k], k, err)
		}
	}
	return nil
}

// runKeys are the settings besides the parameters that a -config file may
// give and a Network takes; the run's other flags (steps, headless, …)
// say how the command runs, which a program decides call by call.
var runKeys = []string{"backend", "workers", "gl", "gpu", "preset"}

// readConfig merges the -config file s names under s: its parameters
// (top-level flag keys, or a summary's or sidecar's "params" object) and
// run keys, where s does not set them already.
func readConfig(s *settings) error {
	bad := func(format string, a ...any) error {
		return inputf("invalid -config %q: %s", s.Config, fmt.Sprintf(format, a...))
	}
	data, err := os.ReadFile(s.Config)
	if err != nil {
		return bad("%v", err)
	}
	var top map[string]any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber() // numbers as written: 1000000, not 1e+06
	if err := d.Decode(&top); err != nil {
		return bad("not a JSON object: %v", err)
	}
	_, hasParams := top["params"]
	_, hasRun := top["run"]
	output := hasParams || hasRun // a summary or a sidecar: other keys are results
	flat := map[string]any{}
	for k, v := range top {
		if k != "params" && k != "run" && !output {
			flat[k] = v
		}
	}
	for _, obj := range []string{"params", "run"} {
		if m, ok := top[obj].(map[string]any); ok {
			for k, v := range m {
				flat[k] = v
			}
		}
	}
	params := map[string]string{}
	for k, v := range flat {
		var str string
		switch v := v.(type) {
		case string:
			str = v
		case json.Number, bool:
			str = fmt.Sprint(v)
		default:
			return bad("key %q: want a string, number or boolean", k)
		}
		_, isParam := cpuref.ParamByFlag(k)
		switch {
		case isParam:
			params[k] = str
		case k == "backend" && s.Backend == "":
			s.Backend = str
		case k == "preset" && s.Preset == "":
			s.Preset = str // the keywords' preset, if any, overrides the file's
		case slices.Contains(runKeys, k), k == "steps", k == "headless", k == "load":
			// Set by the caller, or how the command ran: not a network's.
		default:
			return bad("unknown key %q (no parameter -%s)", k, k)
		}
	}
	for k, v := range s.Params {
		params[k] = v // the keywords override the file
	}
	s.Params = params
	return nil
}

// newNetwork makes a network as s says, with the command's checks and
// messages.
func newNetwork(s settings) (*network, error) {
	if s.Config != "" {
		if err := readConfig(&s); err != nil {
			return nil, err
		}
	}
	nt := &network{gl: gpu.HeadlessOptions{GL: "auto", Device: -1}}
	if s.GL != "" {
		if !slices.Contains(gpu.GLChoices, s.GL) {
			return nil, inputf("invalid value %q for flag -gl: want one of %s", s.GL, strings.Join(gpu.GLChoices, ", "))
		}
		nt.gl.GL = s.GL
	}
	if s.GPU != nil {
		if *s.GPU < -1 {
			return nil, inputf("invalid value \"%d\" for flag -gpu: want a device index ≥ 0 from -list_gpus, or -1", *s.GPU)
		}
		nt.gl.Device = *s.GPU
	}
	if s.Workers < 0 || s.Workers > 1024 {
		return nil, inputf("invalid -workers %d: want an integer in [1, 1024]", s.Workers)
	}
	name := s.Backend
	if name == "" {
		name = "auto"
	}
	if name != "auto" && !slices.Contains(backend.Names, name) {
		return nil, inputf("invalid -backend %q: want one of \"gpu\", \"cpu\", \"ref\", \"auto\"", name)
	}
	p := cpuref.Defaults()
	var st *cpuref.State
	if s.Load != "" {
		var err error
		if p, st, nt.hist, err = checkpoint.ReadWith(s.Load); err != nil {
			return nil, inputf("invalid -load: %v", err)
		}
	} else {
		if s.Preset != "" {
			// The preset's parameters first, as the command puts them
			// before its flags: the keywords override them.
			if _, err := session.PresetFlags(s.Preset); err != nil {
				return nil, &inputError{err.Error()} // the command's words
			}
			if err := cpuref.ApplyPreset(&p, s.Preset); err != nil {
				return nil, err
			}
		}
		if err := applyParams(&p, s.Params); err != nil {
			return nil, err
		}
	}
	if err := p.Validate(); err != nil {
		return nil, &inputError{err.Error()}
	}
	var t0 int64
	if st != nil {
		t0 = st.T
	}
	stim, err := nt.openFrames(&p, t0, s.Load)
	if err != nil {
		return nil, err
	}
	if name == "auto" {
		name, nt.auto = session.AutoBackend(p, s.Workers, nt.gl)
	}
	cfg := backend.Config{Name: name, Params: p, State: st, Stim: stim, Workers: s.Workers, GL: nt.gl}
	if name == "gpu" {
		// The backend draws on its own context: make it here, so that
		// picture can draw there too.
		if nt.ctx, err = backend.NewHeadlessContext(nt.gl, nil); err != nil {
			nt.release()
			return nil, err
		}
		cfg.Context = nt.ctx
	}
	if nt.b, err = backend.New(cfg); err != nil {
		nt.release()
		return nil, err
	}
	if nt.hist == nil {
		nt.hist = checkpoint.NewHistory()
	}
	return nt, nil
}

// openFrames makes the stimulus of a network whose -frames is set: a Feed
// for frames=True (frames.FeedSource), else the file source, probed and
// fingerprinted as the command does (a resumed one checked against the
// checkpoint's fingerprint). nil: the -env stimulus.
func (nt *network) openFrames(p *cpuref.Params, t0 int64, load string) (cpuref.Stimulus, error) {
	switch {
	case p.Frames == frames.FeedSource:
		nt.feed = frames.NewFeed(*p, t0)
		return nt.feed, nil
	case p.Frames == "":
		if p.FramesID != "" && load == "" {
			return nil, inputf("invalid -frames_id %q: it is set by spikecast for a -frames source, not by hand", p.FramesID)
		}
		return nil, nil
	}
	info, err := frames.Probe(p.Frames)
	var fe *frames.Error
	if errors.As(err, &fe) {
		err = fe.Err
	}
	if err != nil {
		return nil, inputf("invalid -frames %q: %v", p.Frames, err)
	}
	switch {
	case load != "" && info.ID() != p.FramesID:
		return nil, inputf("invalid -load %s: its -frames source %q has changed: the checkpoint was made from %q, the source is now %q", load, p.Frames, p.FramesID, info.ID())
	case load == "" && p.FramesID != "" && p.FramesID != info.ID():
		return nil, inputf("invalid -frames_id %q: it is set by spikecast for a -frames source, not by hand", p.FramesID)
	}
	p.FramesID = info.ID()
	if nt.src, err = frames.New(*p, t0); err != nil {
		return nil, err
	}
	return nt.src, nil
}

// release frees the backend, its context and the frames source. Safe to
// call twice.
func (nt *network) release() {
	if nt.pic != nil {
		nt.pic.release(nt.ctx)
		nt.pic = nil
	}
	if nt.b != nil {
		nt.b.Release()
		nt.b = nil
	}
	if nt.ctx != nil {
		nt.ctx.Release()
		nt.ctx = nil
	}
	if nt.src != nil {
		nt.src.Close()
		nt.src = nil
	}
	nt.snap = nil
}

// step runs k steps. A network fed from arrays needs frames t and
// t+horizon for each step t: it refuses before stepping when they are
// missing.
func (nt *network) step(k int) error {
	if k < 0 {
		return inputf("invalid step count %d: want k ≥ 0", k)
	}
	if nt.feed != nil {
		p := nt.b.Params()
		if need := nt.b.T() + int64(k) + int64(p.Horizon); need > nt.feed.End() {
			return inputf("frames: %d steps from step %d at -horizon %d need frames up to %d, and the network has been given frames up to %d: pass more with step(k, frames=…)",
				k, nt.b.T(), p.Horizon, need-1, nt.feed.End()-1)
		}
	}
	err := session.StepKeeping(nt.b, nt.hist, k)
	if nt.feed != nil {
		nt.feed.Drop(nt.b.T())
	}
	nt.snap = nil
	return err
}

// feedFrames appends frames to a network fed from arrays, for k steps
// after them: it refuses (appending nothing) when the frames the network
// has plus these do not reach the k steps; k < 0 asks for as many steps
// as they allow, which it returns.
func (nt *network) feedFrames(descr string, shape []int64, data []byte, k int64) (int64, error) {
	if nt.feed == nil {
		return 0, inputf("frames: this network reads %s; make it with frames=True to feed it arrays", stimulusName(nt.b.Params()))
	}
	if len(shape) != 3 {
		return 0, inputf("frames of shape %v (rank %d): want (T, H, W), rank 3", shape, len(shape))
	}
	t, h := nt.b.T(), int64(nt.b.Params().Horizon)
	end := nt.feed.End() + max(shape[0], 0)
	if k < 0 {
		k = max(end-h-t, 0)
	}
	if need := t + k + h; need > end {
		return 0, inputf("frames: %d steps from step %d at -horizon %d need frames up to %d, and the network would have frames up to %d: give at least %d more",
			k, t, h, need-1, end-1, need-end)
	}
	if err := nt.feed.Append(descr, shape, data); err != nil {
		return 0, &inputError{err.Error()}
	}
	return k, nil
}

// stimulusName says what a network reads, for an error.
func stimulusName(p cpuref.Params) string {
	if p.Frames != "" {
		return fmt.Sprintf("-frames %q", p.Frames)
	}
	return fmt.Sprintf("-env %s", p.Env)
}

// measuresJSON are the rolling measures and the step count.
func (nt *network) measuresJSON() (string, error) {
	m, err := nt.b.Measures()
	if err != nil {
		return "", err
	}
	b, _ := json.Marshal(map[string]any{"f1": m.F1, "precision": m.Precision, "recall": m.Recall,
		"hidden_rate": m.HiddenRate, "step": nt.b.T(), "window": m.Steps, "tp": m.TP, "fp": m.FP, "fn": m.FN})
	return string(b), nil
}

// infoJSON is what the network is: its parameters by flag, its backend
// and why, its renderer, the build.
func (nt *network) infoJSON() string {
	info := map[string]any{
		"params":       json.RawMessage(sweep.Settings(nt.b.Params())),
		"backend":      nt.b.Name(),
		"backend_auto": nt.auto,
		"renderer":     nt.b.Renderer(),
		"version":      version.String(),
		"step":         nt.b.T(),
		"changes":      nt.changes,
		"spike_layers": backend.SpikeLayerNames,
	}
	if g, ok := nt.b.(interface{ GL() string }); ok {
		info["gl"] = g.GL()
	}
	b, _ := json.Marshal(info)
	return string(b)
}

// set changes parameters a running network can take (backend.LiveChangeable),
// validated as flags, and logs each change as -changes writes it.
func (nt *network) set(m map[string]string) error {
	old := nt.b.Params()
	p := old
	if err := applyParams(&p, m); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return &inputError{err.Error()}
	}
	if f, ok := backend.LiveChangeable(old, p); !ok {
		return inputf("-%s cannot change while the network runs (only those the GPU takes as uniforms can)", f)
	}
	if err := nt.b.SetParams(p); err != nil {
		return err
	}
	for _, s := range cpuref.ParamSpecs() {
		if s.Value(old) != s.Value(p) {
			nt.changes = append(nt.changes, viz.Change{Step: nt.b.T(), Flag: s.Flag, Value: s.Format(p)}.String())
		}
	}
	return nil
}

// save writes the command's checkpoint of the network.
func (nt *network) save(path string) error {
	st, err := nt.b.State()
	if err != nil {
		return err
	}
	return checkpoint.WriteWith(path, nt.b.Params(), st, nt.hist)
}

// arrayInfo describes one array of the state as the -state .npz has it.
type arrayInfo struct {
	Name  string   `json:"name"`
	Dtype string   `json:"dtype"`
	Shape []int64  `json:"shape"`
	Axes  []string `json:"axes"` // nil for an empty buffer
}

// readState takes a copy of the state after the last step and describes
// its arrays; copyState then copies them out.
func (nt *network) readState() (string, error) {
	st, err := nt.b.State()
	if err != nil {
		return "", err
	}
	nt.snap = st.Clone()
	p := nt.b.Params()
	var out []arrayInfo
	for _, f := range nt.snap.Fields() {
		dt := "<f4"
		switch {
		case f.U32 != nil:
			dt = "<u4"
		case f.I32 != nil:
			dt = "<i4"
		}
		shape, axes := session.ArrayShape(f.BufferSpec, p, f.Len())
		out = append(out, arrayInfo{session.ArrayName(f.Name), dt, shape, axes})
	}
	b, _ := json.Marshal(map[string]any{"step": nt.snap.T, "arrays": out})
	return string(b), nil
}

// stateBytes returns the bytes of array i of the copy readState took.
func (nt *network) stateBytes(i int) ([]byte, error) {
	if nt.snap == nil {
		return nil, fmt.Errorf("capi: no state read")
	}
	fs := nt.snap.Fields()
	if i < 0 || i >= len(fs) {
		return nil, fmt.Errorf("capi: no array %d", i)
	}
	return fieldBytes(fs[i]), nil
}
