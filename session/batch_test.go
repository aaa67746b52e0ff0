package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/backend/backendtest"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/gpu/gputest"
	"github.com/spikecast/spikecast/npy"
	"github.com/spikecast/spikecast/sweep"
)

func TestMain(m *testing.M) { gputest.Main(m) }

// TestBatchBitIdentical: every network of a batch ends in exactly the
// state it reaches alone, on every backend, more networks than the batch
// (the queue refills it) and with different sizes in one run (on the
// GPU: batches of two, and a network left over that runs alone); with
// -frames, at the end of a source shorter than -steps, each network stops
// at the step it stops at alone and says how many steps were asked for.
func TestBatchBitIdentical(t *testing.T) {
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.npy")
	pix := make([]byte, 60*20*20)
	for i := range pix {
		if cpuref.PCG(uint32(i))%9 == 0 {
			pix[i] = 255
		}
	}
	var npyBytes bytes.Buffer
	if err := npy.WriteNPY(&npyBytes, npy.Array{Shape: []int64{60, 20, 20}, Data: pix}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(clip, npyBytes.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, axes string
		frames     string
		steps      int64 // each network's, alone
	}{
		{"stimuli", "n=12,16 seed=3..5", "", 230}, // not a multiple of the chunk
		{"frames", "rho=0.85,0.9 threshold=0.3,0.6 seed=1..2", clip, 58},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := cpuref.Defaults()
			p.N = 16
			if tc.frames != "" {
				p.Frames, p.Horizon = tc.frames, 2
			}
			axes, err := sweep.Parse(tc.axes, p)
			if err != nil {
				t.Fatal(err)
			}
			runs, err := sweep.Runs(axes, p)
			if err != nil {
				t.Fatal(err)
			}
			const steps = 230
			alone := map[int][]byte{}
			for _, r := range runs {
				stim, closeStim, err := openStim(r.Params)
				if err != nil {
					t.Fatal(err)
				}
				b, err := backend.New(backend.Config{Name: "ref", Params: r.Params, Workers: 1, Stim: stim})
				if err != nil {
					t.Fatal(err)
				}
				if err := b.Step(steps); err != nil && !errors.Is(err, cpuref.ErrEndOfSource) {
					t.Fatal(err)
				}
				if b.T() != tc.steps {
					t.Fatalf("run %d alone took %d steps, want %d", r.Index, b.T(), tc.steps)
				}
				alone[r.Index] = backendtest.Checkpoint(t, b)
				b.Release()
				closeStim()
			}
			for _, name := range backend.Names {
				t.Run(name, func(t *testing.T) {
					hooks := batchHooks{}
					if name == "gpu" {
						hooks.ctx = gputest.Context(t)
					}
					var mu sync.Mutex
					got := map[int][]byte{}
					hooks.done = func(r sweep.Run, b backend.Network) {
						cp := backendtest.Checkpoint(t, b)
						mu.Lock()
						got[r.Index] = cp
						mu.Unlock()
					}
					c := &Config{Params: p, Backend: name, Steps: steps, Headless: true, Workers: 2, Batch: 3, Runs: runs, GL: gputest.Options()}
					var stdout, stderr bytes.Buffer
					if code := runBatchWith(c, nil, &stdout, &stderr, hooks); code != ExitOK {
						t.Fatalf("exit %d: %s", code, stderr.String())
					}
					for _, r := range runs {
						if !bytes.Equal(got[r.Index], alone[r.Index]) {
							t.Errorf("run %d (%s) differs from the network alone", r.Index, sweep.Settings(r.Params))
						}
					}
					lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
					if len(lines) != len(runs)+1 {
						t.Fatalf("%d lines, want %d results and the summary", len(lines), len(runs))
					}
					var sum Summary
					if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Networks != len(runs) || sum.Backend != name || sum.Steps != tc.steps {
						t.Errorf("summary %+v: %v", sum, err)
					}
					for _, l := range lines[:len(runs)] {
						var r sweep.Result
						if err := json.Unmarshal([]byte(l), &r); err != nil || r.Steps != tc.steps || r.Backend != name || r.StepsPerS <= 0 ||
							(r.StepsAsked != 0) != (tc.steps < steps) {
							t.Errorf("result line %s: %v", l, err)
						}
					}
					if ends := strings.Count(stderr.String(), "the source ended"); ends != min(1, len(tc.frames)) {
						t.Errorf("said the source ended %d times: %s", ends, stderr.String())
					}
				})
			}
		})
	}
}

// TestSweepResume: a sweep stopped by a signal keeps its finished runs in
// -sweep_out; -resume runs only the others; the file then holds each run
// once and the CSV every run.
func TestSweepResume(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.jsonl")
	p := cpuref.Defaults()
	p.N = 8
	axes, _ := sweep.Parse("rho=0.8,0.9 seed=1..3", p)
	runs, _ := sweep.Runs(axes, p)
	c := &Config{Params: p, Backend: "cpu", Steps: 100, Headless: true, Workers: 1, Batch: 1, Runs: runs, SweepOut: out}

	// SIGTERM once two runs are done.
	sigs := make(chan os.Signal, 1)
	finished := 0
	hooks := batchHooks{done: func(sweep.Run, backend.Network) {
		if finished++; finished == 2 {
			sigs <- syscall.SIGTERM
		}
	}}
	var stdout, stderr bytes.Buffer
	if code := runBatchWith(c, sigs, &stdout, &stderr, hooks); code != ExitTerm {
		t.Fatalf("exit %d, want %d: %s", code, ExitTerm, stderr.String())
	}
	rs, err := sweep.Read(out)
	if err != nil || len(rs) != 2 {
		t.Fatalf("after the signal: %d runs kept: %v", len(rs), err)
	}

	c.SweepResume = true
	stdout.Reset()
	stderr.Reset()
	if code := runBatchWith(c, nil, &stdout, &stderr, batchHooks{}); code != ExitOK {
		t.Fatalf("resume: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "2 of 6 runs already in") {
		t.Errorf("resume said %q", stderr.String())
	}
	rs, err = sweep.Read(out)
	if err != nil || len(rs) != 6 {
		t.Fatalf("after the resume: %d runs: %v", len(rs), err)
	}
	seen := map[int]bool{}
	for _, r := range rs {
		if seen[r.Run] {
			t.Errorf("run %d twice", r.Run)
		}
		seen[r.Run] = true
	}
	csv, _ := os.ReadFile(sweep.CSVPath(out))
	if n := strings.Count(string(csv), "\n"); n != 7 {
		t.Errorf("CSV has %d lines, want a header and 6 rows", n)
	}
}

// TestBatchGroups: a GPU batch holds networks of one key only, in the
// queue's order, at most -batch of them and at most what the GL holds,
// which it says.
func TestBatchGroups(t *testing.T) {
	p := cpuref.Defaults()
	p.N = 16
	axes, err := sweep.Parse("n=12,16 rule=stdp,hebbian seed=1..5 rho=0.8,0.9", p)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sweep.Runs(axes, p)
	if err != nil {
		t.Fatal(err)
	}
	queue := func() <-chan sweep.Run {
		q := make(chan sweep.Run, len(runs))
		for _, r := range runs {
			q <- r
		}
		close(q)
		return q
	}
	for _, c := range []struct {
		size, capacity int
		groups         []int // sizes, in order
		warn           string
	}{
		{size: 4, capacity: 100, groups: []int{4, 4, 2, 4, 4, 2, 4, 4, 2, 4, 4, 2}},
		{size: 64, capacity: 100, groups: []int{10, 10, 10, 10}},
		{size: 64, capacity: 3, groups: []int{3, 3, 3, 1, 3, 3, 3, 1, 3, 3, 3, 1, 3, 3, 3, 1}, warn: "holds 3 such networks in one batch (GL_MAX_UNIFORM_BLOCK_SIZE)"},
		{size: 8, capacity: 0, groups: slices.Repeat([]int{1}, 40), warn: "run one at a time"},
	} {
		var warn bytes.Buffer
		groups := batchGroups(queue(), c.size, func(cpuref.Params) (int, string) { return c.capacity, "GL_MAX_UNIFORM_BLOCK_SIZE" }, &warn)
		var sizes []int
		seen := 0
		for _, g := range groups {
			sizes = append(sizes, len(g))
			for _, r := range g {
				if gpu.BatchKey(r.Params) != gpu.BatchKey(g[0].Params) {
					t.Errorf("run %d shares a batch with run %d of another key", r.Index, g[0].Index)
				}
				seen++
			}
		}
		if !slices.Equal(sizes, c.groups) || seen != len(runs) {
			t.Errorf("-batch %d, capacity %d: groups %v, want %v", c.size, c.capacity, sizes, c.groups)
		}
		if got := warn.String(); (c.warn == "") != (got == "") || !strings.Contains(got, c.warn) {
			t.Errorf("-batch %d, capacity %d: said %q, want %q", c.size, c.capacity, got, c.warn)
		}
	}
}
