package main

import (
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
)

// addPersistFlags declares what a run keeps of itself: -save, -load,
// -metrics and the progress line. They apply to every kind of run
// (headless, window, headless recording; for -bench see addBenchFlags).
// The check reads -load's checkpoint and takes its parameters, refusing
// any model flag on the command line that disagrees with them; it runs
// before the parameters are validated, so that those checks see the
// file's.
func addPersistFlags(fs *flag.FlagSet, c *config) check {
	fs.StringVar(&c.Save, "save", "", "write a checkpoint of the whole state to this file when the run ends (also on Ctrl-C); S in the window saves one too")
	fs.StringVar(&c.Load, "load", "", "resume from a checkpoint: the model parameters come from the file, and -steps counts the steps run after it; R in the window returns to it")
	fs.StringVar(&c.Metrics, "metrics", "", "write per-step measures to this CSV file when the run ends (also on Ctrl-C)")
	fs.IntVar(&c.MetricsEvery, "metrics_every", 1, "steps between -metrics rows [1, 1e9]; on the GPU each row costs a read-back of the state")
	fs.BoolVar(&c.Quiet, "quiet", false, "no progress line on stderr in -headless runs")
	return func(_ *flag.FlagSet, args []string) error {
		if c.MetricsEvery < 1 || c.MetricsEvery > 1e9 {
			return usagef("invalid -metrics_every %d: want an integer in [1, 1000000000]", c.MetricsEvery)
		}
		for _, f := range []struct{ name, path string }{{"save", c.Save}, {"metrics", c.Metrics}} {
			if f.path == "" {
				continue
			}
			if err := checkWritableDir(f.path); err != nil {
				return usagef("invalid -%s %q: %v", f.name, f.path, err)
			}
		}
		if c.Load == "" {
			return nil
		}
		p, st, h, err := checkpoint.ReadWith(c.Load)
		if err != nil {
			return usagef("invalid -load: %v", err)
		}
		if err := conflicts(args, p); err != nil {
			return err
		}
		c.Params, c.Resume, c.History = p, st, h
		return nil
	}
}

// conflicts returns a usage error naming the first model flag in args
// whose value differs from p's. A model flag is any flag that writes into
// the parameters: each flag is applied alone to p and kept if it changes
// it, so a parameter flag added later is checked without a change here.
func conflicts(args []string, p cpuref.Params) error {
	raw := map[string]string{}
	var c2 config
	fs, _ := newFlagSet(&c2)
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
		one, _ := newFlagSet(&c3)
		one.SetOutput(io.Discard)
		c3.Params = p
		if err := one.Set(name, raw[name]); err != nil {
			return &usageError{fmt.Sprintf("invalid value %q for flag -%s: %v", raw[name], name, err)}
		}
		if c3.Params == p {
			continue
		}
		// Name the parameter the flag changed, with the file's value.
		for _, spec := range cpuref.ParamSpecs() {
			if spec.Value(c3.Params) != spec.Value(p) {
				return &usageError{fmt.Sprintf("invalid -%s %s with -load: the checkpoint has -%s %s, and a resumed run keeps the checkpoint's parameters (drop the flag, or start afresh without -load)",
					name, raw[name], spec.Flag, spec.Format(p))}
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
