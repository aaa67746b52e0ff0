package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/frames"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/sweep"
)

// A batch run (-batch B, -sweep) runs many independent networks, B at a
// time, each headless for -steps steps from its initial state, and prints
// one JSON line per finished network (sweep.Result) and then the summary.
//
// On the CPU the B networks of a batch run on B goroutines, each engine
// with Workers/B goroutines of its own (1 when B ≥ the CPUs): one network
// a core, no locks between them, since networks share nothing. On the GPU
// the B networks are one gpu.Batch: every buffer holds all B, and one
// dispatch a pass covers them (networks that differ in size or in a
// compiled parameter go into separate batches). Either way each network
// computes exactly the bits it computes alone: nothing of one reaches
// another.

// batchChunk is the steps a network takes between looks at the signals.
const batchChunk = 50

// batchRuns are the networks of a -batch run without -sweep: seeds seed …
// seed+B−1.
func batchRuns(p cpuref.Params, b int) []sweep.Run {
	runs := make([]sweep.Run, b)
	for i := range runs {
		runs[i] = sweep.Run{Index: i, Params: p}
		runs[i].Params.Seed = p.Seed + uint32(i)
	}
	return runs
}

// network is one run of a batch in progress.
type network struct {
	run   sweep.Run
	b     backend.Network
	start time.Time
}

// batchHooks lets tests see each network's backend when it finishes,
// before it is released.
type batchHooks struct {
	done func(r sweep.Run, b backend.Network)
	ctx  *gpu.Context // the gpu networks' context; nil: a headless one made for the run
}

// runBatch runs c.Runs (all of -batch's seeds, or the shard of -sweep),
// c.Batch at a time.
func runBatch(c *Config, sigs <-chan os.Signal, stdout, stderr io.Writer) int {
	return runBatchWith(c, sigs, stdout, stderr, batchHooks{})
}

func runBatchWith(c *Config, sigs <-chan os.Signal, stdout, stderr io.Writer, hooks batchHooks) int {
	runs := c.Runs
	steps := int64(c.Steps)
	if c.SweepOut != "" && c.SweepResume {
		done := map[string]bool{}
		if _, err := os.Stat(c.SweepOut); err == nil {
			rs, err := sweep.Read(c.SweepOut)
			if err != nil {
				return fail(stderr, err)
			}
			for _, r := range rs {
				k, _ := r.Key()
				done[k] = true
			}
		}
		var left []sweep.Run
		for _, r := range runs {
			if !done[sweep.Key(r.Params, steps)] {
				left = append(left, r)
			}
		}
		fmt.Fprintf(stderr, "spikecast: -resume: %d of %d runs already in %s, %d to go\n", len(runs)-len(left), len(runs), c.SweepOut, len(left))
		runs = left
	}
	var out *sweep.Appender
	if c.SweepOut != "" {
		var err error
		if out, err = sweep.Append(c.SweepOut); err != nil {
			return fail(stderr, err)
		}
		defer out.Close()
	}

	// Signals: stop taking and stepping networks; the finished ones are
	// kept, the unfinished dropped (a resume runs them again).
	var (
		mu       sync.Mutex
		got      os.Signal
		results  []sweep.Result
		runErr   error
		renderer string
	)
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if got == nil {
			got = poll(sigs)
		}
		return got != nil || runErr != nil
	}
	finish := func(n *network) error {
		m, err := n.b.Measures()
		if err != nil {
			return err
		}
		if hooks.done != nil {
			hooks.done(n.run, n.b)
		}
		r := sweep.Result{
			Run: n.run.Index, Settings: sweep.Settings(n.run.Params), Steps: n.b.T(),
			StepsAsked: stepsAsked(n.b.T(), steps),
			F1:         round(m.F1, 4), Precision: round(m.Precision, 4), Recall: round(m.Recall, 4),
			HiddenRate: round(m.HiddenRate, 6),
			StepsPerS:  round(float64(n.b.T())/time.Since(n.start).Seconds(), 1),
			Backend:    n.b.Name(),
		}
		mu.Lock()
		defer mu.Unlock()
		if out != nil {
			if err := out.Add(r); err != nil {
				return err
			}
		}
		results = append(results, r)
		renderer = n.b.Renderer()
		printSummaryLine(stdout, r)
		return nil
	}
	fail1 := func(err error) {
		mu.Lock()
		if runErr == nil {
			runErr = err
		}
		mu.Unlock()
	}

	// The end of a -frames source ends a network's run (each network a
	// source of its own, all ending at one step): said once.
	var endOnce sync.Once
	ended := func(err error) bool {
		if !errors.Is(err, cpuref.ErrEndOfSource) {
			return false
		}
		endOnce.Do(func() { sourceEnded(stderr, err) })
		return true
	}

	start := time.Now()
	queue := make(chan sweep.Run, len(runs))
	for _, r := range runs {
		queue <- r
	}
	close(queue)
	if c.Backend == "gpu" {
		fail1(batchGPU(c, hooks.ctx, queue, steps, stopped, ended, finish, stderr))
	} else {
		batchCPU(c, queue, steps, stopped, ended, finish, fail1)
	}
	elapsed := time.Since(start)
	if runErr != nil {
		return fail(stderr, runErr)
	}
	code := exitFor(got)
	if c.SweepOut != "" {
		// The table holds every run in the file: this run's and those
		// before a resume.
		all, err := sweep.Merge([]string{c.SweepOut}) // ordered by run
		if err == nil {
			err = sweep.WriteCSV(sweep.CSVPath(c.SweepOut), all)
		}
		if err != nil {
			fail(stderr, err)
			code = ExitFailure
		}
	}

	// The means in run order, so that they do not depend on which
	// network finished first.
	sort.Slice(results, func(i, j int) bool { return results[i].Run < results[j].Run })
	var m cpuref.Measures
	var total, most int64
	for _, r := range results {
		most = max(most, r.Steps)
		m.F1 += r.F1 / float64(len(results))
		m.Precision += r.Precision / float64(len(results))
		m.Recall += r.Recall / float64(len(results))
		m.HiddenRate += r.HiddenRate / float64(len(results))
		total += r.Steps
	}
	if most == 0 {
		most = steps // no network finished
	}
	// steps: what the networks took (fewer than -steps where their
	// -frames source ended).
	sum := newSummary(c, m, most, float64(total)/elapsed.Seconds(), renderer)
	sum.Networks = len(results)
	printSummary(stdout, sum)
	return code
}

// batchCPU runs the queue's networks on c.Batch goroutines.
func batchCPU(c *Config, queue <-chan sweep.Run, steps int64, stopped func() bool, ended func(error) bool, finish func(*network) error, fail func(error)) {
	workers := 1
	if c.Batch < runtime.NumCPU() {
		workers = max(1, c.Workers/c.Batch)
	}
	var wg sync.WaitGroup
	for range c.Batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range queue {
				if stopped() {
					return
				}
				if err := runCPU(c, r, workers, steps, stopped, ended, finish); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// runCPU runs one network of a CPU batch to its end: -steps, or the end
// of its -frames source.
func runCPU(c *Config, r sweep.Run, workers int, steps int64, stopped func() bool, ended func(error) bool, finish func(*network) error) error {
	stim, closeStim, err := openStim(r.Params)
	if err != nil {
		return err
	}
	defer closeStim()
	b, err := backend.New(backend.Config{Name: c.Backend, Params: r.Params, Workers: workers, Stim: stim})
	if err != nil {
		return err
	}
	defer b.Release()
	n := &network{run: r, b: b, start: time.Now()}
	for b.T() < steps && !stopped() {
		if err := b.Step(int(min(batchChunk, steps-b.T()))); err != nil {
			if ended(err) {
				return finish(n)
			}
			return err
		}
	}
	if b.T() == steps {
		return finish(n)
	}
	return nil // stopped: dropped
}

// openStim returns a network's -frames source (a decoder of its own, to
// close when done), or nil without -frames: the backend then makes the
// stimulus of p.
func openStim(p cpuref.Params) (cpuref.Stimulus, func(), error) {
	if p.Frames == "" {
		return nil, func() {}, nil
	}
	src, err := frames.New(p, 0)
	if err != nil {
		return nil, nil, err
	}
	return src, src.Close, nil
}

// stepsAsked is what a result records as -steps when a network stopped
// before them (at the end of its source): 0 when it took them all.
func stepsAsked(t, steps int64) int64 {
	if t < steps {
		return steps
	}
	return 0
}

// batchGPU runs the queue's networks on one headless context, c.Batch at
// a time in gpu.Batches: networks that share a shape and compiled
// parameters (gpu.BatchKey) go into one batch, stepped together, one
// dispatch a pass. A network too large for a batch (its weights need
// bands of rows) runs alone.
func batchGPU(c *Config, ctx *gpu.Context, queue <-chan sweep.Run, steps int64, stopped func() bool, ended func(error) bool, finish func(*network) error, stderr io.Writer) error {
	if ctx == nil {
		var err error
		if ctx, err = backend.NewHeadlessContext(c.GL, stderr); err != nil {
			return err
		}
		defer ctx.Release()
	}
	capacity := func(p cpuref.Params) (int, string) { return backend.BatchCapacity(ctx, p) }
	for _, group := range batchGroups(queue, c.Batch, capacity, stderr) {
		if stopped() {
			return nil
		}
		if err := runGroup(ctx, c, group, steps, stopped, ended, finish); err != nil {
			return err
		}
	}
	return nil
}

// batchGroups splits the queue into the batches batchGPU runs, in the
// queue's order of each key's first run: at most size networks with one
// gpu.BatchKey each, and at most what capacity says this GL holds in one
// batch (0: the network runs alone), which it says on warn when it is
// fewer than size.
func batchGroups(queue <-chan sweep.Run, size int, capacity func(cpuref.Params) (int, string), warn io.Writer) [][]sweep.Run {
	var keys []string
	byKey := map[string][]sweep.Run{}
	for r := range queue {
		k := gpu.BatchKey(r.Params)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	var groups [][]sweep.Run
	for _, k := range keys {
		runs := byKey[k]
		n := min(size, len(runs))
		if c, limit := capacity(runs[0].Params); c < n {
			p := runs[0].Params
			if c == 0 {
				fmt.Fprintf(warn, "spikecast: -batch %d at n=%d: one network's weights are larger than this GL's storage block (%s), so these networks run one at a time\n", size, p.N, limit)
			} else {
				fmt.Fprintf(warn, "spikecast: -batch %d at n=%d: this GL holds %d such networks in one batch (%s); running %d at a time\n", size, p.N, c, limit, c)
			}
			n = max(c, 1)
		}
		for len(runs) > 0 {
			m := min(n, len(runs))
			groups = append(groups, runs[:m])
			runs = runs[m:]
		}
	}
	return groups
}

// runGroup steps one batch of networks to the end (-steps, or the end of
// their -frames source) and finishes each. A group of one runs as a lone
// gpu backend (banded, if its weights need).
func runGroup(ctx *gpu.Context, c *Config, group []sweep.Run, steps int64, stopped func() bool, ended func(error) bool, finish func(*network) error) error {
	start := time.Now()
	// Networks whose frames are the same bits share one decoder: the
	// batch steps them together.
	stims := make([]cpuref.Stimulus, len(group))
	shared := map[frames.Settings]cpuref.Stimulus{}
	for z, r := range group {
		set := frames.SettingsOf(r.Params)
		if s, ok := shared[set]; ok {
			stims[z] = s
			continue
		}
		stim, closeStim, err := openStim(r.Params)
		if err != nil {
			return err
		}
		defer closeStim()
		stims[z] = stim
		if stim != nil { // a frame source
			shared[set] = stim
		}
	}
	var (
		step func(k int) error
		t    func() int64
		nets []backend.Network
	)
	if len(group) == 1 {
		b, err := backend.New(backend.Config{Name: "gpu", Params: group[0].Params, Context: ctx, GL: c.GL, Stim: stims[0]})
		if err != nil {
			return err
		}
		defer b.Release()
		step, t, nets = b.Step, b.T, []backend.Network{b}
	} else {
		ps := make([]cpuref.Params, len(group))
		for z, r := range group {
			ps[z] = r.Params
		}
		b, err := backend.NewGPUBatch(ctx, ps, stims)
		if err != nil {
			return err
		}
		defer b.Release()
		step, t = b.Step, b.T
		for z := range group {
			nets = append(nets, b.Net(z))
		}
	}
	for t() < steps && !stopped() {
		if err := step(int(min(batchChunk, steps-t()))); err != nil {
			if ended(err) {
				break // every network of the group ends at this step
			}
			return err
		}
	}
	if t() < steps && stopped() {
		return nil // stopped: unfinished networks are dropped
	}
	for z, r := range group {
		if err := finish(&network{run: r, b: nets[z], start: start}); err != nil {
			return err
		}
	}
	return nil
}

// printSummaryLine prints one network's result as a JSON line.
func printSummaryLine(w io.Writer, r sweep.Result) {
	line, _ := json.Marshal(r) // plain numbers and checked settings: cannot fail
	fmt.Fprintln(w, string(line))
}

// runMerge merges -merge's results files into -sweep_out and its CSV,
// each run once, and prints one JSON line saying what it wrote.
func runMerge(c *Config, stdout, stderr io.Writer) int {
	rs, err := sweep.Merge(c.Merge)
	if err != nil {
		return fail(stderr, err)
	}
	if err := sweep.WriteAll(c.SweepOut, rs); err != nil {
		return fail(stderr, err)
	}
	line, _ := json.Marshal(struct {
		Runs  int    `json:"runs"`
		Files int    `json:"files"`
		Out   string `json:"sweep_out"`
		CSV   string `json:"csv"`
	}{len(rs), len(c.Merge), c.SweepOut, sweep.CSVPath(c.SweepOut)})
	fmt.Fprintln(stdout, string(line))
	return ExitOK
}
