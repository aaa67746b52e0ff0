package session

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spikecast/spikecast/atomicfile"
	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
)

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
	c      *Config
	b      backend.Backend
	stderr io.Writer

	every int64
	csv   *atomicfile.File
	// hist is the run's learning curve, which -save and S store, sampled
	// at steps that are multiples of its stride (nil: not kept, in a
	// headless run that saves nothing).
	hist   *checkpoint.History
	logged int          // entries of c.changeLog written to a row
	spikes *spikeWriter // -spikes
	states int64        // -state_every
	onGrid int64        // W_out weights that connect two cells

	progress  bool
	tty       bool
	printed   bool
	start     time.Time
	last      time.Time
	t0, total int64 // T at the start; steps this run takes
	// The -frames source's waiting time at the last progress line.
	waited time.Duration
	lineAt time.Time
}

// newObserver prepares the metrics file (written under a temporary name
// until finish) for a run of b from its step now, -steps steps long;
// progress asks for the progress line (headless runs), which -quiet
// turns off.
func newObserver(c *Config, b backend.Backend, stderr io.Writer, progress bool) (*observer, error) {
	o := &observer{c: c, b: b, stderr: stderr, every: int64(c.MetricsEvery),
		progress: progress && !c.Quiet, t0: b.T(), total: int64(c.Steps), start: time.Now()}
	o.last = o.start
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil {
			o.tty = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	if c.Metrics != "" {
		f, err := atomicfile.Create(c.Metrics)
		if err != nil {
			return nil, err
		}
		o.csv = f
		fmt.Fprintln(o.csv, "step,tp,fp,fn,precision,recall,f1,hidden_rate,mean_theta,mean_abs_wout,changes")
		o.onGrid = onGridWOut(c.Params)
	}
	if c.StateFile != "" {
		o.states = int64(c.StateEvery)
	}
	if c.Save != "" || !progress {
		// Kept where a checkpoint may be written: with -save, and in the
		// window (S), which is the one kind of run without a progress
		// line. A sample waits for the last step, once every stride.
		o.hist = c.History.Clone()
		if o.hist == nil {
			o.hist = checkpoint.NewHistory()
		}
	}
	if c.Spikes != "" {
		tap, ok := b.(backend.SpikeTapper)
		if !ok {
			o.abort()
			return nil, fmt.Errorf("the %s backend cannot hand over its spikes (-spikes)", b.Name())
		}
		w, err := newSpikeWriter(c.Spikes, c.Params.N)
		if err != nil {
			o.abort()
			return nil, err
		}
		o.spikes = w
		if err := tap.TapSpikes(c.SpikeLayers, w.sink); err != nil {
			o.abort()
			return nil, err
		}
	}
	return o, nil
}

// until returns how many steps, from step t, may run before the next row
// is due.
func (o *observer) until(t int64) int64 {
	next := int64(1 << 62)
	if o.csv != nil {
		next = (t/o.every+1)*o.every - t
	}
	if o.states > 0 {
		next = min(next, (t/o.states+1)*o.states-t)
	}
	if o.hist != nil {
		next = min(next, (t/o.hist.Every+1)*o.hist.Every-t)
	}
	return next
}

// after is called with the step count T after a batch of steps.
func (o *observer) after(t int64) error {
	if o.hist != nil && o.hist.Due(t) {
		m, err := o.b.Measures()
		if err != nil {
			return err
		}
		o.hist.Add(t, m.F1, m.HiddenRate)
	}
	if o.csv != nil && t%o.every == 0 && t > 0 {
		st, err := o.b.State()
		if err != nil {
			return err
		}
		o.row(st, o.b.Params())
	}
	if o.states > 0 && t%o.states == 0 && t > 0 {
		st, err := o.b.State()
		if err != nil {
			return err
		}
		if err := writeStateNPZ(statePathAt(o.c.StateFile, t), o.b, st); err != nil {
			return err
		}
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
	m := cpuref.MeasuresOf(st.Ring, st.T, p.Cells())
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
	// The live parameter changes made since the last row, "step flag
	// value" each, ";"-separated: a run with changes can be repeated
	// from its metrics (-changes takes the same lines).
	changes := strings.Join(o.c.changeLog[min(o.logged, len(o.c.changeLog)):], ";")
	o.logged = len(o.c.changeLog)
	fmt.Fprintf(o.csv, "%d,%d,%d,%d,%s,%s,%s,%s,%s,%s,%s\n", st.T,
		st.Ring[slot+cpuref.RingTP], st.Ring[slot+cpuref.RingFP], st.Ring[slot+cpuref.RingFN],
		f(m.Precision), f(m.Recall), f(m.F1), f(m.HiddenRate),
		f(theta/float64(len(st.Theta))), f(meanWout), changes)
}

// onGridWOut counts the W_out weights that connect a hidden cell to an
// output: the window slots on the grid, or every weight when dense. The
// off-grid slots hold +0 for ever, so mean |W_out| sums every stored
// weight and divides by this.
func onGridWOut(p cpuref.Params) int64 {
	n := p.N
	if p.OutLayout == cpuref.Dense {
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
	m, err := o.b.Measures()
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
	// A -frames source that keeps the steps waiting is the bottleneck:
	// say so, with the share of the time since the last line.
	if w, ok := o.c.Stim.(interface{ Waited() time.Duration }); ok {
		now, waited := time.Now(), w.Waited()
		if share := float64(waited-o.waited) / float64(now.Sub(o.lineAt)); !o.lineAt.IsZero() && share > 0.2 {
			s += fmt.Sprintf("  source is the bottleneck (%.0f%% waiting on -frames)", 100*min(share, 1))
		}
		o.waited, o.lineAt = waited, now
	}
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
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	if o.csv != nil {
		first = o.csv.Commit()
		o.csv = nil
	}
	if o.spikes != nil {
		// Every step taken, in flight on the GPU or not, then the count.
		err := o.b.(backend.SpikeTapper).FlushSpikes()
		if err == nil {
			err = o.spikes.commit()
		} else {
			o.spikes.abort()
		}
		o.spikes = nil
		keep(err)
	}
	if o.c.Save != "" || o.c.StateFile != "" {
		st, err := o.b.State()
		if err == nil && o.c.Save != "" {
			err = checkpoint.WriteWith(o.c.Save, o.b.Params(), st, o.hist)
		}
		if err == nil && o.c.StateFile != "" {
			err = writeStateNPZ(o.c.StateFile, o.b, st)
		}
		keep(err)
	}
	return first
}

// abort drops the temporary copies of the metrics and spikes files.
func (o *observer) abort() {
	if o.csv != nil {
		o.csv.Discard()
		o.csv = nil
	}
	if o.spikes != nil {
		o.spikes.abort()
		o.spikes = nil
	}
}

// observed is a backend whose steps the observer follows: Step splits
// a batch where a metrics row is due, and after each part the observer
// writes the row and the progress line. Every kind of run steps through
// it, so -metrics and the progress line mean the same everywhere.
type observed struct {
	backend.Backend
	o *observer
}

// observe makes the run's backend as cfg says (headless unless it names
// a context) and its observer (progress asks for the progress line), the
// start every kind of run shares; release frees both, dropping a
// -metrics file that finish did not write.
func (c *Config) observe(cfg backend.Config, stderr io.Writer, progress bool) (ob *observed, release func(), err error) {
	b, err := c.newBackend(cfg)
	if err != nil {
		return nil, nil, err
	}
	obs, err := newObserver(c, b, stderr, progress)
	if err != nil {
		b.Release()
		return nil, nil, err
	}
	return &observed{b, obs}, func() { obs.abort(); b.Release() }, nil
}

func (b *observed) Step(k int) error {
	for k > 0 {
		j := int(min(int64(k), b.o.until(b.T())))
		if err := b.Backend.Step(j); err != nil {
			return err
		}
		k -= j
		if err := b.o.after(b.T()); err != nil {
			return err
		}
	}
	return nil
}

// save writes a checkpoint of b's state, to -save or to
// spikecast-<step>.ckpt, for S in the window.
func save(c *Config, b backend.Backend, h *checkpoint.History) (string, error) {
	st, err := b.State()
	if err != nil {
		return "", err
	}
	path := c.Save
	if path == "" {
		path = fmt.Sprintf("spikecast-%d.ckpt", st.T)
	}
	return path, checkpoint.WriteWith(path, b.Params(), st, h)
}

// saveLater is S in the window: the checkpoint (to -save, or
// spikecast-<step>.ckpt) and, with -state, FILE-<step>.npz. The state is
// read back the way recording reads frames (backend.StateLater: copied on
// the GPU, read once the copy is done) and the files are written on
// their own goroutine, so the frame loop does not stall; wg counts the
// writes, which the window waits for before it ends. It returns the
// paths at once.
func saveLater(c *Config, b backend.Backend, h *checkpoint.History, wg *sync.WaitGroup, stderr io.Writer) (string, error) {
	sl, ok := b.(backend.StateLater)
	if !ok {
		return save(c, b, h)
	}
	h = h.Clone() // the run goes on adding to it
	t := b.T()
	wait, err := sl.StateLater()
	if err != nil {
		return "", err
	}
	path := c.Save
	if path == "" {
		path = fmt.Sprintf("spikecast-%d.ckpt", t)
	}
	shown, npz := path, ""
	if c.StateFile != "" {
		npz = statePathAt(c.StateFile, t)
		shown += ", " + npz
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		st, err := wait()
		if err == nil {
			err = checkpoint.WriteWith(path, b.Params(), st, h)
		}
		if err == nil && npz != "" {
			err = writeStateNPZ(npz, b, st)
		}
		if err != nil {
			fmt.Fprintf(stderr, "spikecast: S: %v\n", err)
		}
	}()
	return shown, nil
}

// StepKeeping runs k steps of b, split where h samples (multiples of its
// stride), adding each sample to h: the history a run's observer keeps,
// for a network stepped outside a run (the C API), so that both save the
// same checkpoint.
func StepKeeping(b backend.Backend, h *checkpoint.History, k int) error {
	for k > 0 {
		t := b.T()
		j := int(min(int64(k), (t/h.Every+1)*h.Every-t))
		if err := b.Step(j); err != nil {
			return err
		}
		k -= j
		if h.Due(b.T()) {
			m, err := b.Measures()
			if err != nil {
				return err
			}
			h.Add(b.T(), m.F1, m.HiddenRate)
		}
	}
	return nil
}
