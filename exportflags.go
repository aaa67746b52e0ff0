package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/gpu"
)

// addExportFlags declares what a run gives out for analysis: every spike
// (-spikes, a NumPy .npy of records) and the whole state (-state, a
// NumPy .npz of named arrays, at the end, on S in the window, and every
// -state_every steps). Like -save, they apply to every kind of run and
// are written however it ends.
func addExportFlags(fs *flag.FlagSet, c *config) check {
	fs.StringVar(&c.Spikes, "spikes", "", "write every spike of the run to this .npy file: records (step uint32, layer uint8, cell uint32), appended as the run goes (also on Ctrl-C)")
	layers := fs.String("spikes_layers", strings.Join(backend.SpikeLayerNames[:], ","),
		"layers -spikes keeps, comma-separated; their codes in the records: 0 input X, 1 hidden s, 2 output ŷ, 3 hidden2 s₂ (-horizon > 1)")
	fs.StringVar(&c.StateFile, "state", "", "write the whole state to this .npz file (NumPy arrays by name, with the step, the parameters and the version) when the run ends; S in the window and -state_every write numbered ones beside it")
	fs.IntVar(&c.StateEvery, "state_every", 0, "with -state, also write the state every this many steps, to FILE-<step>.npz [0: never, 1e9]")
	return func(*flag.FlagSet, []string) error {
		want, err := parseLayers(*layers)
		if err != nil {
			return usagef("invalid -spikes_layers %q: %v", *layers, err)
		}
		c.SpikeLayers = want
		if c.StateEvery < 0 || c.StateEvery > 1e9 {
			return usagef("invalid -state_every %d: want an integer in [0, 1000000000]", c.StateEvery)
		}
		if c.StateEvery > 0 && c.StateFile == "" {
			return usagef("invalid -state_every %d without -state: name the file (-state state.npz writes state-<step>.npz)", c.StateEvery)
		}
		for _, f := range []struct{ name, path, ext string }{{"spikes", c.Spikes, ".npy"}, {"state", c.StateFile, ".npz"}} {
			if f.path == "" {
				continue
			}
			if ext := filepath.Ext(f.path); ext != f.ext {
				return usagef("invalid -%s %q: want a path ending in %s", f.name, f.path, f.ext)
			}
			if err := checkWritableDir(f.path); err != nil {
				return usagef("invalid -%s %q: %v", f.name, f.path, err)
			}
		}
		return nil
	}
}

// parseLayers reads -spikes_layers: layer names or codes.
func parseLayers(s string) (want [gpu.NumSpikeLayers]bool, err error) {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		code := -1
		for i, name := range backend.SpikeLayerNames {
			if part == name || part == strconv.Itoa(i) {
				code = i
			}
		}
		if code < 0 {
			return want, fmt.Errorf("unknown layer %q: want %s, or their codes 0–%d", part, strings.Join(backend.SpikeLayerNames[:], ", "), gpu.NumSpikeLayers-1)
		}
		want[code] = true
	}
	return want, nil
}
