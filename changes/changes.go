// Package changes reads and applies -changes: parameter changes at given
// steps, one a line, "step flag value", as the window logs them. Each
// applies before the step it names, with Apply: in the window's frame
// loop and, through Step, in a plain headless run, so a run with changes
// computes the same whether it is drawn or not.
package changes

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
)

// Change sets one parameter (by its flag name) to a value from step Step
// on: the step runs with the new value.
type Change struct {
	Step  int64
	Flag  string
	Value string
}

func (c Change) String() string { return fmt.Sprintf("%d %s %s", c.Step, c.Flag, c.Value) }

// Parse reads a changes file: "step flag value" lines, in ascending step
// order; blank lines and lines starting with # are skipped. Only
// parameters a running network can change are taken, each checked on p
// as it stands after the changes before it.
func Parse(text string, p cpuref.Params) ([]Change, error) {
	var out []Change
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("changes: line %d: want \"step flag value\", have %s", i+1, strconv.QuoteToASCII(clip(line)))
		}
		step, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || step < 0 {
			return nil, fmt.Errorf("changes: line %d: bad step %s", i+1, strconv.QuoteToASCII(clip(f[0])))
		}
		if len(out) > 0 && step < out[len(out)-1].Step {
			return nil, fmt.Errorf("changes: line %d: step %d before step %d", i+1, step, out[len(out)-1].Step)
		}
		c := Change{step, strings.TrimPrefix(f[1], "-"), f[2]}
		q, err := Apply(p, c)
		if err != nil {
			return nil, fmt.Errorf("changes: line %d: %w", i+1, err)
		}
		p = q
		out = append(out, c)
	}
	return out, nil
}

// clip shortens what a user wrote for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// Apply returns p with c's parameter set, validated.
func Apply(p cpuref.Params, c Change) (cpuref.Params, error) {
	if _, ok := cpuref.ParamByFlag(c.Flag); !ok {
		return p, fmt.Errorf("no parameter -%s", strconv.QuoteToASCII(clip(c.Flag)))
	}
	fs := flag.NewFlagSet("changes", flag.ContinueOnError)
	var q cpuref.Params
	cpuref.AddFlags(fs, &q)
	q = p
	if err := fs.Set(c.Flag, c.Value); err != nil {
		return p, fmt.Errorf("-%s %s: %w", c.Flag, strconv.QuoteToASCII(clip(c.Value)), err)
	}
	if err := q.Validate(); err != nil {
		return p, err
	}
	if f, ok := backend.LiveChangeable(p, q); !ok {
		return p, fmt.Errorf("-%s cannot change while the network runs", f)
	}
	return q, nil
}

// Stepper is what Step runs: a backend.Backend is one.
type Stepper interface {
	T() int64
	Params() cpuref.Params
	SetParams(cpuref.Params) error
	Step(k int) error
}

// Step runs k steps of b, applying each change of pending before the
// step it names (a change for a step already past applies at once), and
// returns the changes still pending. done, when set, is told of each
// change made, with the step it applied from.
func Step(b Stepper, pending []Change, k int, done func(Change)) ([]Change, error) {
	for k > 0 {
		for len(pending) > 0 && pending[0].Step <= b.T() {
			c := pending[0]
			p, err := Apply(b.Params(), c)
			if err != nil {
				return pending, fmt.Errorf("changes: step %d: %w", c.Step, err)
			}
			if err := b.SetParams(p); err != nil {
				return pending, err
			}
			if done != nil {
				done(c)
			}
			pending = pending[1:]
		}
		j := k
		if len(pending) > 0 {
			j = int(min(int64(k), pending[0].Step-b.T()))
		}
		if err := b.Step(j); err != nil {
			return pending, err
		}
		k -= j
	}
	return pending, nil
}
