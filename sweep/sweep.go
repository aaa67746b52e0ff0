// Package sweep is what -sweep, -shard, -resume and -merge share: the
// parsing of a sweep's axes into the runs of their product, the slice of
// it a shard runs, and the results file, one JSON line per finished run
// with the run's full settings, from which a CSV table is made and by
// which an interrupted sweep is resumed.
//
// It computes nothing of the model: a run's parameters go through the
// parameters' own declarations (cpuref.ParamByFlag, ParamSpec.Set and
// Check, Params.Validate), so a sweep takes exactly what the flags take.
package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/cpuref"
)

// Axis is one swept parameter and its values, as its flag would take them.
type Axis struct {
	Flag   string
	Values []string
}

// Run is one point of a sweep: its index in the product (the same in
// every shard) and its parameters.
type Run struct {
	Index  int
	Params cpuref.Params
}

// Parse reads a sweep spec: axes separated by spaces, each flag=values
// where values are
//
//	a,b,c      a list
//	lo..hi:k   k evenly spaced numbers from lo to hi
//	lo..hi     the integers from lo to hi
//
// Every value is set on base and checked against the parameter's range;
// an unknown parameter, an empty range or a value out of range is an
// error naming it.
func Parse(spec string, base cpuref.Params) ([]Axis, error) {
	var axes []Axis
	seen := map[string]bool{}
	for _, field := range strings.Fields(spec) {
		name, vals, ok := strings.Cut(field, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("axis %q: want flag=values (a,b,c or lo..hi:k or lo..hi)", field)
		}
		s, ok := cpuref.ParamByFlag(name)
		if !ok && name == "preset" {
			// A preset is where the parameters start, not one of them.
			return nil, fmt.Errorf("axis %q: -preset is not a parameter: give it as -preset NAME, and the axes vary the parameters it sets", field)
		}
		if !ok {
			return nil, fmt.Errorf("axis %q: no parameter -%s", field, name)
		}
		if seen[name] {
			return nil, fmt.Errorf("axis %q: -%s is swept twice", field, name)
		}
		seen[name] = true
		if name == "frames" || name == "frames_id" {
			return nil, fmt.Errorf("axis %q: a sweep reads one source: give it with -frames", field)
		}
		values, err := expand(vals, s)
		if err != nil {
			return nil, fmt.Errorf("axis %q: %v", field, err)
		}
		for _, v := range values {
			p := base
			if err := s.Set(&p, v); err != nil {
				return nil, fmt.Errorf("axis %q: -%s %s: %v", field, name, v, err)
			}
			if err := s.Check(p); err != nil {
				return nil, fmt.Errorf("axis %q: %v", field, err)
			}
		}
		axes = append(axes, Axis{name, values})
	}
	if len(axes) == 0 {
		return nil, fmt.Errorf("no axes (want e.g. \"rho=0.8,0.9 seed=1..5\")")
	}
	return axes, nil
}

// expand turns one axis's values into the list of values.
func expand(vals string, s cpuref.ParamSpec) ([]string, error) {
	lo, rest, isRange := strings.Cut(vals, "..")
	if !isRange {
		list := strings.Split(vals, ",")
		for _, v := range list {
			if v == "" {
				return nil, fmt.Errorf("empty value in the list %q", vals)
			}
		}
		return list, nil
	}
	hi, ks, spaced := strings.Cut(rest, ":")
	if !spaced {
		a, err1 := strconv.ParseInt(lo, 10, 64)
		b, err2 := strconv.ParseInt(hi, 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("lo..hi takes integers; for numbers write lo..hi:k")
		}
		if a > b {
			return nil, fmt.Errorf("empty range %d..%d", a, b)
		}
		if b-a >= 1_000_000 {
			return nil, fmt.Errorf("%d values: at most a million an axis", b-a+1)
		}
		var out []string
		for v := a; v <= b; v++ {
			out = append(out, strconv.FormatInt(v, 10))
		}
		return out, nil
	}
	a, err1 := strconv.ParseFloat(lo, 64)
	b, err2 := strconv.ParseFloat(hi, 64)
	k, err3 := strconv.Atoi(ks)
	if err1 != nil || err2 != nil || math.IsNaN(a) || math.IsNaN(b) {
		return nil, fmt.Errorf("lo..hi:k takes numbers lo and hi")
	}
	if err3 != nil || k < 1 || k > 1_000_000 {
		return nil, fmt.Errorf("empty range: k in lo..hi:k must be an integer in [1, 10⁶], not %q", ks)
	}
	if a > b {
		return nil, fmt.Errorf("empty range %s..%s", lo, hi)
	}
	out := make([]string, k)
	for i := range k {
		v := a
		if k > 1 {
			v = a + (b-a)*float64(i)/float64(k-1)
		}
		if s.Integer() {
			if v != math.Round(v) {
				return nil, fmt.Errorf("-%s takes integers, and %s..%s:%d gives %g", s.Flag, lo, hi, k, v)
			}
			out[i] = strconv.FormatFloat(v, 'f', 0, 64)
			continue
		}
		out[i] = strconv.FormatFloat(float64(float32(v)), 'g', -1, 32)
	}
	return out, nil
}

// Size is the number of runs of the axes' product, saturated at
// maxRuns+1 so that no product of long axes overflows.
func Size(axes []Axis) int {
	n := 1
	for _, a := range axes {
		n *= len(a.Values)
		if n > maxRuns {
			return maxRuns + 1
		}
	}
	return n
}

// maxRuns is the most runs a sweep may have.
const maxRuns = 10_000_000

// Runs returns the product of the axes over base, the first axis varying
// slowest, each run validated as a whole (constraints joining several
// parameters); the first invalid run is the error.
func Runs(axes []Axis, base cpuref.Params) ([]Run, error) {
	total := Size(axes)
	if total > maxRuns {
		return nil, fmt.Errorf("more than 10⁷ runs: at most 10⁷ a sweep")
	}
	runs := make([]Run, 0, total)
	for i := range total {
		p, rest := base, i
		var set []string
		for a := len(axes) - 1; a >= 0; a-- {
			ax := axes[a]
			v := ax.Values[rest%len(ax.Values)]
			rest /= len(ax.Values)
			s, _ := cpuref.ParamByFlag(ax.Flag)
			s.Set(&p, v) // checked by Parse
			set = append(set, ax.Flag+"="+v)
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("run %d (%s): %v", i, strings.Join(set, " "), err)
		}
		runs = append(runs, Run{i, p})
	}
	return runs, nil
}

// Shard is the slice i of n of a sweep (0 ≤ i < n): the runs whose index
// is i modulo n, so that runs of different cost (an n axis, say) spread
// over the shards.
type Shard struct{ I, N int }

// ParseShard reads "i/N".
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("want i/N, e.g. 0/4")
	}
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("want 0 ≤ i < N (Slurm: -shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-(N−1))")
	}
	return Shard{i, n}, nil
}

// Of returns the shard's runs.
func (s Shard) Of(runs []Run) []Run {
	if s.N <= 1 {
		return runs
	}
	var out []Run
	for _, r := range runs {
		if r.Index%s.N == s.I {
			out = append(out, r)
		}
	}
	return out
}

// Settings is every parameter of p by flag name, in declaration order,
// as the summary's "params" and a result's "settings" carry them.
func Settings(p cpuref.Params) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, s := range cpuref.ParamSpecs() {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(s.Flag)
		v, err := json.Marshal(s.Value(p))
		if err != nil { // a NaN cannot pass Validate; say so rather than lose the key
			v, _ = json.Marshal(s.Format(p))
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// ParamsOf reads settings back: parameters missing from them (a file of
// an older build) take their defaults; an unknown one is an error.
func ParamsOf(settings json.RawMessage) (cpuref.Params, error) {
	var m map[string]json.RawMessage
	p := cpuref.Defaults()
	if err := json.Unmarshal(settings, &m); err != nil {
		return p, err
	}
	for k, raw := range m {
		s, ok := cpuref.ParamByFlag(k)
		if !ok {
			return p, fmt.Errorf("unknown parameter %q", k)
		}
		v := string(raw)
		var str string
		if json.Unmarshal(raw, &str) == nil {
			v = str
		}
		if err := s.Set(&p, v); err != nil {
			return p, fmt.Errorf("%s: %v", k, err)
		}
	}
	return p, nil
}
