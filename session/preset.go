package session

import (
	"fmt"
	"strings"

	"github.com/spikecast/spikecast/cpuref"
)

// PresetFlags returns the flags preset name stands for (cpuref.Presets),
// "-flag=value" each, in the preset's order: what the command puts before
// the flags it was given, so that those override the preset's whatever
// their order. An unknown name is an error naming the valid ones, as the
// command words it.
func PresetFlags(name string) ([]string, error) {
	values, ok := cpuref.Presets[name]
	if !ok {
		q := make([]string, 0, len(cpuref.Presets))
		for _, n := range cpuref.PresetNames() {
			q = append(q, fmt.Sprintf("%q", n))
		}
		return nil, fmt.Errorf("invalid -preset %q: want one of %s", name, strings.Join(q, ", "))
	}
	flags := make([]string, len(values))
	for i, v := range values {
		flags[i] = "-" + v.Flag + "=" + v.Value
	}
	return flags, nil
}

// PresetText describes every preset as its flags, for -preset's help:
// `rich (-k 8 -rho 0 …)`.
func PresetText() string {
	var parts []string
	for _, name := range cpuref.PresetNames() {
		var flags []string
		for _, v := range cpuref.Presets[name] {
			flags = append(flags, "-"+v.Flag+" "+v.Value)
		}
		parts = append(parts, name+" ("+strings.Join(flags, " ")+")")
	}
	return strings.Join(parts, "; ")
}
