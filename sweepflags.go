package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/sweep"
)

// addSweepFlags declares the batch runs: -batch, -sweep and its results
// file, -shard, -resume, and -merge of the shards' files.
func addSweepFlags(fs *flag.FlagSet, c *config) check {
	fs.IntVar(&c.Batch, "batch", 1, "networks run at once [1, 4096]: seeds seed … seed+B−1, or B runs of -sweep at a time; one JSON line each, then the summary")
	spec := fs.String("sweep", "", `run the product of parameter axes, e.g. "rho=0.8,0.85,0.9 eta=0.005..0.02:4 seed=1..5" (a,b,c lists; lo..hi:k k evenly spaced values; lo..hi integers)`)
	fs.StringVar(&c.SweepOut, "sweep_out", "", "FILE.jsonl: one JSON line per finished run (settings and results), and FILE.csv beside it")
	fs.BoolVar(&c.SweepResume, "resume", false, "continue -sweep_out: skip the runs it holds (matched by their full settings and steps)")
	shard := fs.String("shard", "", "i/N: run the ith of N slices of the sweep (runs i, i+N, …), e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT")
	merge := fs.String("merge", "", "merge results files (a list or glob; more files may follow as arguments) into -sweep_out and its CSV, and exit")
	return func(fs *flag.FlagSet, _ []string) error {
		if *merge != "" || isSet(fs, "merge") {
			return checkMerge(fs, c, *merge)
		}
		if c.Batch < 1 || c.Batch > 4096 {
			return usagef("invalid -batch %d: want an integer in [1, 4096]", c.Batch)
		}
		var runs []sweep.Run
		switch {
		case *spec != "":
			axes, err := sweep.Parse(*spec, c.Params)
			if err != nil {
				return usagef("invalid -sweep: %v", err)
			}
			if runs, err = sweep.Runs(axes, c.Params); err != nil {
				return usagef("invalid -sweep: %v", err)
			}
		case c.Batch > 1 && isSet(fs, "bench"):
			// -bench -batch B measures a batch of B; see runBenchBatch.
			for _, f := range []string{"save", "load", "metrics", "spikes", "state", "frames", "sweep_out", "resume"} {
				if isSet(fs, f) {
					return usagef("invalid -%s with -bench -batch: the batch benchmark keeps nothing", f)
				}
			}
			return nil
		case c.Batch > 1:
			if uint64(c.Params.Seed)+uint64(c.Batch)-1 > 1<<32-1 {
				return usagef("invalid -batch %d with -seed %d: the seeds would pass 4294967295", c.Batch, c.Params.Seed)
			}
			runs = make([]sweep.Run, c.Batch)
			for i := range runs {
				runs[i] = sweep.Run{Index: i, Params: c.Params}
				runs[i].Params.Seed = c.Params.Seed + uint32(i)
			}
		}
		if *shard != "" {
			if *spec == "" {
				return usagef("invalid -shard %s without -sweep: a shard is a slice of a sweep", *shard)
			}
			s, err := sweep.ParseShard(*shard)
			if err != nil {
				return usagef("invalid -shard %s: %v", *shard, err)
			}
			// A shard past the end of a small sweep (a Slurm array with
			// more tasks than runs) is empty, not a single ordinary run.
			runs = append([]sweep.Run{}, s.Of(runs)...)
		}
		if runs == nil {
			for _, f := range []string{"sweep_out", "resume"} {
				if isSet(fs, f) {
					return usagef("invalid -%s without -sweep or -batch", f)
				}
			}
			return nil
		}
		for _, f := range []string{"record", "save", "load", "metrics", "spikes", "state", "screenshot", "bench"} {
			if isSet(fs, f) {
				return usagef("invalid -%s with -batch or -sweep: a batch run keeps one JSON line per network (use -sweep_out)", f)
			}
		}
		if c.Params.Env == cpuref.EnvMouse {
			return usagef("invalid -env mouse with -batch or -sweep: the dot follows the mouse, which needs the window")
		}
		if c.SweepResume && c.SweepOut == "" {
			return usagef("invalid -resume without -sweep_out: it continues that file")
		}
		if c.SweepOut != "" {
			if !strings.HasSuffix(c.SweepOut, ".jsonl") {
				return usagef("invalid -sweep_out %s: want a .jsonl path (the CSV goes beside it)", c.SweepOut)
			}
			if _, err := os.Stat(c.SweepOut); err == nil && !c.SweepResume {
				return usagef("invalid -sweep_out %s: it exists; add -resume to continue it, or remove it", c.SweepOut)
			}
			if err := checkWritableDir(c.SweepOut); err != nil {
				return usagef("invalid -sweep_out: %v", err)
			}
		}
		if err := checkBatchMemory(runs, c.Batch); err != nil {
			return err
		}
		c.Runs = runs
		c.Headless = true // a batch draws nothing
		return nil
	}
}

// checkBatchMemory refuses a batch whose networks would not fit at once:
// each holds its state on the host and once more in the GL driver or in
// its engine's scratch (gpu.BytesFor is the GPU buffers', a little over
// the state's), so twice the sum of the largest B must fit in 80% of RAM.
func checkBatchMemory(runs []sweep.Run, b int) error {
	ram := totalRAM()
	if ram == 0 {
		return nil
	}
	var biggest int64
	var at cpuref.Params
	for _, r := range runs {
		if n := gpu.BytesFor(r.Params); n > biggest {
			biggest, at = n, r.Params
		}
	}
	b = min(b, len(runs))
	need := 2 * int64(b) * biggest
	if need > ram/10*8 {
		return usagef("invalid -batch %d: %d networks at n=%d need about %s of memory (each state on the host and in the GL driver), more than 80%% of this machine's %s; use a smaller -batch",
			b, b, at.N, cpuref.HumanBytes(need), cpuref.HumanBytes(ram))
	}
	return nil
}

// checkMerge reads -merge's files: a comma-separated list of paths or
// globs, and the arguments after the flags.
func checkMerge(fs *flag.FlagSet, c *config, list string) error {
	if c.SweepOut == "" {
		return usagef("invalid -merge without -sweep_out: name the merged file (flags go before the files: spikecast -sweep_out all.jsonl -merge out-*.jsonl)")
	}
	if !strings.HasSuffix(c.SweepOut, ".jsonl") {
		return usagef("invalid -sweep_out %s: want a .jsonl path (the CSV goes beside it)", c.SweepOut)
	}
	var pats []string
	if list != "" {
		pats = strings.Split(list, ",")
	}
	for _, a := range fs.Args() {
		if strings.HasPrefix(a, "-") {
			return usagef("invalid -merge argument %q: flags go before -merge, its files after", a)
		}
		pats = append(pats, a)
	}
	var files []string
	for _, p := range pats {
		m, err := filepath.Glob(p)
		if err != nil {
			return usagef("invalid -merge %q: %v", p, err)
		}
		if m == nil {
			return usagef("invalid -merge %q: no such file", p)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		return usagef("invalid -merge: no files")
	}
	if err := checkWritableDir(c.SweepOut); err != nil {
		return usagef("invalid -sweep_out: %v", err)
	}
	c.Merge = files
	return nil
}
