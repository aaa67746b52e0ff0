package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/spikecast/spikecast/atomicfile"
	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/viz"
)

// This file holds -save, -load, -metrics and the progress line: what a run
// keeps of itself.

// persistFlags are the settings of this file's flags.
type persistFlags struct {
	save         string        // checkpoint written when the run ends
	load         string        // checkpoint the run resumes from
	metrics      string        // CSV of per-step measures
	metricsEvery int           // steps between metrics rows
	quiet        bool          // no progress line
	resume       *cpuref.State // the state -load read
}

// addPersistFlags declares this file's flags on fs.
func addPersistFlags(fs *flag.FlagSet, c *persistFlags) {
	fs.StringVar(&c.save, "save", "", "write a checkpoint of the whole state to this file when the run ends (also on Ctrl-C); S in the window saves one too")
	fs.StringVar(&c.load, "load", "", "resume from a checkpoint: the model parameters come from the file, and -steps counts the steps run after it")
	fs.StringVar(&c.metrics, "metrics", "", "write per-step measures to this CSV file when the run ends (also on Ctrl-C)")
	fs.IntVar(&c.metricsEvery, "metrics_every", 1, "steps between -metrics rows [1, 1e9]; on the GPU each row costs a read-back of the state")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress line on stderr in -headless runs")
}

// checkPersist validates this file's flags; with -load it reads the
// checkpoint and takes its parameters, refusing any model flag on the
// command line that disagrees with them. Run it before the parameters are
// validated, so that those checks see the file's.
func (c *config) checkPersist(fs *flag.FlagSet, args []string) error {
	pf := &c.persistFlags
	if pf.metricsEvery < 1 || pf.metricsEvery > 1e9 {
		return &usageError{fmt.Sprintf("invalid -metrics_every %d: want an integer in [1, 1000000000]", pf.metricsEvery)}
	}
	if used := pf.save != "" || pf.load != "" || pf.metrics != ""; used && (c.bench || c.headless && c.record != "") {
		// Those runs build their simulators apart from the ones here.
		return &usageError{"invalid -save, -load or -metrics with -bench or -headless -record: not supported yet"}
	}
	for _, f := range []struct{ name, path string }{{"save", pf.save}, {"metrics", pf.metrics}} {
		if f.path == "" {
			continue
		}
		if err := checkWritableDir(f.path); err != nil {
			return &usageError{fmt.Sprintf("invalid -%s %q: %v", f.name, f.path, err)}
		}
	}
	if pf.load == "" {
		return nil
	}
	p, st, err := checkpoint.Read(pf.load)
	if err != nil {
		return &usageError{fmt.Sprintf("invalid -load: %v", err)}
	}
	if err := conflicts(args, p); err != nil {
		return err
	}
	c.params, pf.resume = p, st
	return nil
}

// conflicts returns a usage error naming the first model flag in args
// whose value differs from p's. A model flag is any flag that writes into
// the parameters: each flag is applied alone to p and kept if it changes
// it, so a parameter flag added later is checked without a change here.
func conflicts(args []string, p cpuref.Params) error {
	raw := map[string]string{}
	var c2 config
	fs := newFlagSet(&c2)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.VisitAll(func(f *flag.Flag) { f.Value = &rawValue{f.Value, f.Name, raw} })
	if err := fs.Parse(args); err != nil {
		return &usageError{err.Error()}
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var c3 config
		one := newFlagSet(&c3)
		one.SetOutput(io.Discard)
		c3.params = p
		if err := one.Set(name, raw[name]); err != nil {
			return &usageError{fmt.Sprintf("invalid value %q for flag -%s: %v", raw[name], name, err)}
		}
		if c3.params == p {
			continue
		}
		// Name the parameter the flag changed, with the file's value.
		got, want := reflect.ValueOf(c3.params), reflect.ValueOf(p)
		for i := range got.NumField() {
			if got.Field(i).Interface() != want.Field(i).Interface() {
				return &usageError{fmt.Sprintf("invalid -%s %s with -load: the checkpoint has %s = %v, and a resumed run keeps the checkpoint's parameters (drop the flag, or start afresh without -load)",
					name, raw[name], got.Type().Field(i).Name, want.Field(i).Interface())}
			}
		}
	}
	return nil
}

// rawValue records the string each flag was set with.
type rawValue struct {
	flag.Value
	name string
	raw  map[string]string
}

func (r *rawValue) Set(s string) error { r.raw[r.name] = s; return r.Value.Set(s) }

func (r *rawValue) IsBoolFlag() bool {
	b, ok := r.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// initialState is the state a run starts from: the checkpoint's with
// -load (a copy, since a simulator owns its state), else the initial one.
func initialState(c *config) *cpuref.State {
	if c.resume != nil {
		return c.resume.Clone()
	}
	return cpuref.NewState(c.params)
}

// maxSteps is the window's stop: -steps counts the steps after the
// checkpoint.
func maxSteps(c *config) int64 {
	if c.steps == 0 {
		return 0
	}
	if c.resume != nil {
		return c.resume.T + int64(c.steps)
	}
	return int64(c.steps)
}

// stateReader returns a function that reads a headless simulator's whole
// state: the reference's own (not a copy), or the GPU's read back into a
// state allocated once. What it returns is valid until the next call.
func stateReader(sim simulator) func() (*cpuref.State, cpuref.Params, error) {
	var scratch *cpuref.State
	return func() (*cpuref.State, cpuref.Params, error) {
		switch s := sim.(type) {
		case *cpuSim:
			return s.sim.State, s.sim.P, nil
		case *gpuSim:
			if scratch == nil {
				scratch = cpuref.NewStateShape(s.sim.P)
			}
			err := s.ctx.Do(func() error { return s.sim.ReadInto(scratch, true) })
			return scratch, s.sim.P, err
		}
		return nil, cpuref.Params{}, fmt.Errorf("no state to read from a %T", sim)
	}
}

// backendReader is stateReader for a window's backend; the function runs
// on the GL thread.
func backendReader(b viz.Backend) func() (*cpuref.State, cpuref.Params, error) {
	var scratch *cpuref.State
	return func() (*cpuref.State, cpuref.Params, error) {
		switch s := b.(type) {
		case *observedBackend:
			return s.o.state()
		case *viz.CPUBackend:
			return s.Ref.State, s.Ref.P, nil
		case *viz.GPUBackend:
			if scratch == nil {
				scratch = cpuref.NewStateShape(s.Sim.P)
			}
			return scratch, s.Sim.P, s.Sim.ReadInto(scratch, true)
		}
		return nil, cpuref.Params{}, fmt.Errorf("no state to read from a %T", b)
	}
}

// saveWindow writes a checkpoint of the window's state, to -save or to
// spikecast-<step>.ckpt, for S. Run on the GL thread.
func saveWindow(c *config, read func() (*cpuref.State, cpuref.Params, error)) (string, error) {
	st, p, err := read()
	if err != nil {
		return "", err
	}
	path := c.save
	if path == "" {
		path = fmt.Sprintf("spikecast-%d.ckpt", st.T)
	}
	return path, checkpoint.Write(path, p, st)
}

// observer writes the -metrics rows and the progress line of a run, and
// its checkpoint at the end.
//
// Metrics cost: a row needs θ and W_out, which live on the GPU, so each
// row reads the whole state back (cpuref's 212 bytes a cell at the
// defaults, 0.5 MB at n = 48, 14 MB at n = 256) and drains the GPU's
// queue; with -metrics_every 1 that read-back, not the step, sets the
// pace. Rows are due when the step count T is a multiple of
// -metrics_every, so a resumed run's rows continue the first run's.
type observer struct {
	c      *config
	state  func() (*cpuref.State, cpuref.Params, error)
	meas   func() (cpuref.Measures, error) // for the progress line
	stderr io.Writer

	every  int64
	csv    *atomicfile.File
	onGrid int64 // W_out weights that connect two cells

	progress  bool
	tty       bool
	printed   bool
	start     time.Time
	last      time.Time
	t0, total int64 // T at the start; steps this run takes
}

// newObserver prepares the metrics file (written under a temporary name
// until finish) for a run of total steps starting at step t0.
func newObserver(c *config, t0, total int64, stderr io.Writer, progress bool,
	state func() (*cpuref.State, cpuref.Params, error), meas func() (cpuref.Measures, error)) (*observer, error) {
	o := &observer{c: c, state: state, meas: meas, stderr: stderr, every: int64(c.metricsEvery),
		progress: progress && !c.quiet, t0: t0, total: total, start: time.Now()}
	o.last = o.start
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil {
			o.tty = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	if c.metrics != "" {
		f, err := atomicfile.Create(c.metrics)
		if err != nil {
			return nil, err
		}
		o.csv = f
		fmt.Fprintln(o.csv, "step,tp,fp,fn,precision,recall,f1,hidden_rate,mean_theta,mean_abs_wout")
		o.onGrid = onGridWOut(c.params)
	}
	return o, nil
}

// until returns how many steps, from step t, may run before the next row
// is due.
func (o *observer) until(t int64) int64 {
	if o.csv == nil {
		return 1 << 62
	}
	return (t/o.every+1)*o.every - t
}

// after is called with the step count T after a batch of steps.
func (o *observer) after(t int64) error {
	if o.csv != nil && t%o.every == 0 && t > 0 {
		st, p, err := o.state()
		if err != nil {
			return err
		}
		o.row(st, p)
	}
	if o.progress && time.Since(o.last) >= 500*time.Millisecond {
		o.last = time.Now()
		if err := o.line(t); err != nil {
			return err
		}
	}
	return nil
}

// row appends the metrics of the step that ended at st.T.
func (o *observer) row(st *cpuref.State, p cpuref.Params) {
	slot := int((st.T-1)%cpuref.Window) * cpuref.RingFields
	m := cpuref.MeasuresOf(st.Ring, st.T, p.N)
	// Sums in index order, in float64: the same bits from the same state
	// on either backend.
	var theta, wout float64
	for _, v := range st.Theta {
		theta += float64(v)
	}
	for _, v := range st.WOut {
		if v < 0 {
			v = -v
		}
		wout += float64(v)
	}
	meanWout := 0.0
	if o.onGrid > 0 {
		meanWout = wout / float64(o.onGrid)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	fmt.Fprintf(o.csv, "%d,%d,%d,%d,%s,%s,%s,%s,%s,%s\n", st.T,
		st.Ring[slot+cpuref.RingTP], st.Ring[slot+cpuref.RingFP], st.Ring[slot+cpuref.RingFN],
		f(m.Precision), f(m.Recall), f(m.F1), f(m.HiddenRate),
		f(theta/float64(len(st.Theta))), f(meanWout))
}

// onGridWOut counts the W_out weights that connect a hidden cell to an
// output: the window slots on the grid, or every weight when dense. The
// off-grid slots hold +0 for ever, so mean |W_out| sums every stored
// weight and divides by this.
func onGridWOut(p cpuref.Params) int64 {
	n := p.N
	if p.WOut == cpuref.Dense {
		return int64(n) * int64(n) * int64(n) * int64(n)
	}
	var k int64
	for row := range n {
		for col := range n {
			for m := range cpuref.Slots(p.ROut) {
				if _, ok := cpuref.Neighbour(n, row, col, p.ROut, m); ok {
					k++
				}
			}
		}
	}
	return k
}

// line prints the progress line: steps, rate, rolling F1, time left.
func (o *observer) line(t int64) error {
	m, err := o.meas()
	if err != nil {
		return err
	}
	done := t - o.t0
	el := time.Since(o.start).Seconds()
	rate := float64(done) / max(el, 1e-9)
	left := "?"
	if rate > 0 {
		left = (time.Duration(float64(o.total-done) / rate * float64(time.Second))).Round(time.Second).String()
	}
	s := fmt.Sprintf("step %d/%d  %.0f steps/s  F1 %.4f  %s left", done, o.total, rate, m.F1, left)
	if o.tty {
		fmt.Fprintf(o.stderr, "\r%-70s", s)
	} else {
		fmt.Fprintln(o.stderr, s)
	}
	o.printed = true
	return nil
}

// finish ends the progress line, writes the metrics file and, with
// -save, the checkpoint. It runs however the run ended.
func (o *observer) finish() error {
	if o.tty && o.printed {
		fmt.Fprintln(o.stderr)
	}
	var first error
	if o.csv != nil {
		first = o.csv.Commit()
		o.csv = nil
	}
	if o.c.save != "" {
		st, p, err := o.state()
		if err == nil {
			err = checkpoint.Write(o.c.save, p, st)
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// abort drops the metrics file's temporary copy.
func (o *observer) abort() {
	if o.csv != nil {
		o.csv.Discard()
		o.csv = nil
	}
}

// observedBackend writes the metrics rows of a window run: it splits each
// frame's steps where a row is due.
type observedBackend struct {
	viz.Backend
	o *observer
}

func (b *observedBackend) Step(k int) error {
	for k > 0 {
		j := int(min(int64(k), b.o.until(b.Steps())))
		if err := b.Backend.Step(j); err != nil {
			return err
		}
		k -= j
		if err := b.o.after(b.Steps()); err != nil {
			return err
		}
	}
	return nil
}

// initialT is the step count a run starts at.
func initialT(c *config) int64 {
	if c.resume != nil {
		return c.resume.T
	}
	return 0
}
