package sweep

import (
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
)

// FuzzParse: any -sweep spec is axes or a one-line error, never a panic;
// every value of the axes it takes sets its parameter within its range.
func FuzzParse(f *testing.F) {
	f.Add("rho=0.8,0.9 seed=1..5")
	f.Add("eta=0.001..0.1:4 n=16,24")
	f.Add("rule=stdp,hebbian wout=local,dense")
	f.Add("seed=5..1 rho=1..0:3 frames=x n=0")
	f.Add("theta0=1e40 rho=NaN..1:2 seed=-3..-1")
	base := cpuref.Defaults()
	f.Fuzz(func(t *testing.T, spec string) {
		axes, err := Parse(spec, base)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: error of several lines: %q", spec, err)
			}
			return
		}
		if Size(axes) < 1 {
			t.Fatalf("%q: %d runs", spec, Size(axes))
		}
		for _, a := range axes {
			s, _ := cpuref.ParamByFlag(a.Flag)
			for _, v := range a.Values {
				p := base
				if err := s.Set(&p, v); err != nil {
					t.Fatalf("%q: -%s %s taken but does not set: %v", spec, a.Flag, v, err)
				}
				if err := s.Check(p); err != nil {
					t.Fatalf("%q: -%s %s taken but out of range: %v", spec, a.Flag, v, err)
				}
			}
		}
	})
}
