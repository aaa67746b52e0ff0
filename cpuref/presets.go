package cpuref

import (
	"fmt"
	"sort"
	"strings"
)

// PresetValue is one parameter of a preset: its flag and its value as
// the flag would parse it.
type PresetValue struct {
	Flag  string
	Value string
}

// Presets are named sets of parameter values, declared once here so that
// the command's -preset, -config and Python resolve them alike. A preset
// is applied to the defaults first; parameters given explicitly override
// it; everything it does not name keeps its default.
var Presets = map[string][]PresetValue{
	// rich: K = 8 cells a pixel, each a pure threshold unit of this
	// frame's drive (ρ = 0, W_in at its clip under Hebbian learning, so
	// the drive counts the live pixels of the 3×3 patch), their
	// thresholds placed by a ladder of target rates with annealed
	// homeostasis (a thermometer code of the count a linear readout can
	// combine), read at radius 0, plus the direct path over X(t) and
	// X(t−1) at radius 2 and a learned bias. One set for every world.
	"rich": {
		{"k", "8"}, {"rho", "0"}, {"rrec", "0"}, {"rule", "hebbian"}, {"win0", "1.5"},
		{"theta0", "1"}, {"target_rate", "0.02"}, {"drate", "0.06"}, {"anneal", "2000"},
		{"rout", "0"}, {"direct", "2"}, {"rdirect", "2"}, {"eta_bias", "0.05"},
	},
}

// PresetNames returns the names of Presets, sorted.
func PresetNames() []string {
	out := make([]string, 0, len(Presets))
	for name := range Presets {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// ApplyPreset sets the parameters the preset name gives, in its order,
// leaving the others of p as they are. Apply it to the defaults before
// the explicitly given flags, which then override it; validate after.
func ApplyPreset(p *Params, name string) error {
	values, ok := Presets[name]
	if !ok {
		return fmt.Errorf("cpuref: unknown preset %q: want one of %s", name, strings.Join(PresetNames(), ", "))
	}
	for _, v := range values {
		s, ok := ParamByFlag(v.Flag)
		if !ok {
			return fmt.Errorf("cpuref: preset %s: no parameter -%s", name, v.Flag)
		}
		if err := s.set(p, v.Value); err != nil {
			return fmt.Errorf("cpuref: preset %s: -%s %s: %v", name, v.Flag, v.Value, err)
		}
	}
	return nil
}
