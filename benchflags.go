package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/cpuref"
)

// addBenchFlags declares -bench and its settings. With -load the
// benchmark measures the checkpoint's network from its state (-bench_n
// defaults to its n); -save and -metrics observe the steps/s measurement
// of the last -bench_n.
func addBenchFlags(fs *flag.FlagSet, c *config) check {
	fs.BoolVar(&c.Bench, "bench", false, "benchmark mode: measure steps/s, frames/s and bandwidth at each -bench_n, print a table; -save and -metrics observe the steps/s run of the last size, -load benchmarks the checkpoint's network; with -batch B, B networks as one GPU batch against the same B in turn")
	benchN := fs.String("bench_n", "64,256,1024", "grid sides for -bench, comma-separated (with -load: the checkpoint's n)")
	fs.Float64Var(&c.BenchSeconds, "bench_seconds", 2, "seconds per measurement in -bench [0.1, 60]")
	return func(fs *flag.FlagSet, _ []string) error {
		if !(c.BenchSeconds >= 0.1 && c.BenchSeconds <= 60) {
			return usagef("invalid -bench_seconds %v: want a number in [0.1, 60]", c.BenchSeconds)
		}
		if !c.Bench {
			return nil
		}
		if c.Backend != "gpu" && c.Backend != "auto" {
			return usagef("invalid -backend %s with -bench: the benchmark measures the gpu backend (go test -bench . ./cpufast ./cpuref measures the CPU engines)", c.Backend)
		}
		sizes, err := parseSizes(*benchN)
		if err != nil {
			return usagef("invalid -bench_n %q: %v", *benchN, err)
		}
		if c.Resume != nil {
			if !isSet(fs, "bench_n") {
				sizes = []int{c.Resume.N}
			}
			for _, n := range sizes {
				if n != c.Resume.N {
					return usagef("invalid -bench_n %d with -load: the benchmark runs the checkpoint's network, which has n=%d (drop -bench_n)", n, c.Resume.N)
				}
			}
		}
		for _, n := range sizes {
			p := c.Params
			p.N = n
			if err := p.Validate(); err != nil {
				return usagef("invalid -bench_n %d: %v", n, err)
			}
		}
		c.BenchSizes = sizes
		return nil
	}
}

// isSet reports whether the command line set the flag.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// parseSizes reads a comma-separated list of grid sides.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > cpuref.MaxN {
			return nil, fmt.Errorf("want comma-separated integers in [1, %d]", cpuref.MaxN)
		}
		out = append(out, n)
	}
	return out, nil
}
