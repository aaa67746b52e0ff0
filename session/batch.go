package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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
// On the CPU (batchcpu.go) the B networks of a batch run on B goroutines,
// each engine with Workers/B goroutines of its own (1 when B ≥ the CPUs):
// one network a core, no locks between them, since networks share
// nothing. On the GPU (batchgpu.go) the B networks are one gpu.Batch:
// every buffer holds all B, and one dispatch a pass covers them (networks
// that differ in size or in a compiled parameter go into separate
// batches). Either way each network computes exactly the bits it computes
// alone: nothing of one reaches another. Both runners call back into one
// batchRun, which stops them on a signal and gathers the results.

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
	runs, err := pendingRuns(c, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	br := &batchRun{steps: int64(c.Steps), sigs: sigs, stdout: stdout, stderr: stderr, hooks: hooks}
	if c.SweepOut != "" {
		if br.out, err = sweep.Append(c.SweepOut); err != nil {
			return fail(stderr, err)
		}
		defer br.out.Close()
	}

	start := time.Now()
	queue := make(chan sweep.Run, len(runs))
	for _, r := range runs {
		queue <- r
	}
	close(queue)
	if c.Backend == "gpu" {
		br.fail(batchGPU(c, queue, br))
	} else {
		batchCPU(c, queue, br)
	}
	elapsed := time.Since(start)
	if br.err != nil {
		return fail(stderr, br.err)
	}
	code := exitFor(br.got)
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
	printBatchSummary(c, stdout, br.results, br.steps, elapsed, br.renderer)
	return code
}

// pendingRuns returns the runs c asks for, less, with -resume, those
// whose results -sweep_out already holds (which it says on stderr).
func pendingRuns(c *Config, stderr io.Writer) ([]sweep.Run, error) {
	runs := c.Runs
	if c.SweepOut == "" || !c.SweepResume {
		return runs, nil
	}
	done := map[string]bool{}
	if _, err := os.Stat(c.SweepOut); err == nil {
		rs, err := sweep.Read(c.SweepOut)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			k, _ := r.Key()
			done[k] = true
		}
	}
	var left []sweep.Run
	for _, r := range runs {
		if !done[sweep.Key(r.Params, int64(c.Steps))] {
			left = append(left, r)
		}
	}
	fmt.Fprintf(stderr, "spikecast: -resume: %d of %d runs already in %s, %d to go\n", len(runs)-len(left), len(runs), c.SweepOut, len(left))
	return left, nil
}

// batchRun is what the runners of a batch run (batchCPU's goroutines,
// batchGPU's batches) call back into, from any goroutine: whether to
// stop, whether an error is a -frames source's end, a finished network
// and a failure. It gathers the results.
type batchRun struct {
	steps  int64 // -steps
	sigs   <-chan os.Signal
	stdout io.Writer
	stderr io.Writer
	hooks  batchHooks
	out    *sweep.Appender // -sweep_out; nil without

	mu       sync.Mutex
	got      os.Signal // the signal that stopped the run, if one did
	err      error     // the first failure
	results  []sweep.Result
	renderer string
	endOnce  sync.Once
}

// stopped reports whether a signal or a failure has stopped the run:
// the runners then stop taking and stepping networks; the finished ones
// are kept, the unfinished dropped (a resume runs them again).
func (br *batchRun) stopped() bool {
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.got == nil {
		br.got = poll(br.sigs)
	}
	return br.got != nil || br.err != nil
}

// ended reports whether err is the end of a -frames source, which ends a
// network's run (each network a source of its own, all ending at one
// step): said once.
func (br *batchRun) ended(err error) bool {
	if !errors.Is(err, cpuref.ErrEndOfSource) {
		return false
	}
	br.endOnce.Do(func() { sourceEnded(br.stderr, err) })
	return true
}

// finish records a network that has run to its end: its result line on
// stdout and in -sweep_out.
func (br *batchRun) finish(n *network) error {
	m, err := n.b.Measures()
	if err != nil {
		return err
	}
	if br.hooks.done != nil {
		br.hooks.done(n.run, n.b)
	}
	r := sweep.Result{
		Run: n.run.Index, Settings: sweep.Settings(n.run.Params), Steps: n.b.T(),
		StepsAsked: stepsAsked(n.b.T(), br.steps),
		F1:         round(m.F1, 4), Precision: round(m.Precision, 4), Recall: round(m.Recall, 4),
		HiddenRate: round(m.HiddenRate, 6),
		StepsPerS:  round(float64(n.b.T())/time.Since(n.start).Seconds(), 1),
		Backend:    n.b.Name(),
	}
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.out != nil {
		if err := br.out.Add(r); err != nil {
			return err
		}
	}
	br.results = append(br.results, r)
	br.renderer = n.b.Renderer()
	printSummaryLine(br.stdout, r)
	return nil
}

// fail records the run's first failure (nil is none), which stops it.
func (br *batchRun) fail(err error) {
	if err == nil {
		return
	}
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.err == nil {
		br.err = err
	}
}

// printBatchSummary prints the summary of a batch run: the means of the
// finished networks' measures, in run order, so that they do not depend
// on which network finished first.
func printBatchSummary(c *Config, stdout io.Writer, results []sweep.Result, steps int64, elapsed time.Duration, renderer string) {
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
