package viz

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/cpuref"
)

// LiveKeys are the parameters the keys 1–8 lower and raise, each by a
// factor of 1.25.
var LiveKeys = []string{"eta", "eta_out", "sigma_noise", "target_rate"}

// step runs k steps, stopping at each change of -changes (and at each a
// key asked for, at once) to apply it before the step it names.
func (a *app) step(k int, o *LoopOptions) error {
	for k > 0 {
		for len(a.paramReq) > 0 {
			c := a.paramReq[0]
			a.paramReq = a.paramReq[1:]
			c.Step = a.b.T()
			if err := a.apply(c, o); err != nil {
				a.flash(err.Error())
			}
		}
		for len(a.changes) > 0 && a.changes[0].Step <= a.b.T() {
			if err := a.apply(a.changes[0], o); err != nil {
				return err
			}
			a.changes = a.changes[1:]
		}
		j := k
		if len(a.changes) > 0 {
			j = int(min(int64(k), a.changes[0].Step-a.b.T()))
		}
		if err := a.b.Step(j); err != nil {
			return err
		}
		k -= j
	}
	return nil
}

// apply makes change c on the backend and reports it.
func (a *app) apply(c Change, o *LoopOptions) error {
	p, err := applyChange(a.b.Params(), c)
	if err != nil {
		return fmt.Errorf("step %d: %w", c.Step, err)
	}
	if err := a.b.SetParams(p); err != nil {
		return err
	}
	if o.OnChange != nil {
		o.OnChange(c)
	}
	a.flash(fmt.Sprintf("step %d: -%s %s", c.Step, c.Flag, c.Value))
	return nil
}

// liveText is the header's list of the parameters keys change.
func liveText(p cpuref.Params) string {
	var parts []string
	for _, f := range LiveKeys {
		s, _ := cpuref.ParamByFlag(f)
		sym := s.Symbol
		if sym == "" {
			sym = f
		}
		parts = append(parts, fmt.Sprintf("%s %.3g", sym, s.Value(p)))
	}
	return strings.Join(parts, " · ")
}

// nudge asks for parameter LiveKeys[i] times factor from the next step.
func (a *app) nudge(i int, factor float64) {
	f := LiveKeys[i]
	s, _ := cpuref.ParamByFlag(f)
	pending := a.b.Params()
	for _, c := range a.paramReq {
		if q, err := applyChange(pending, c); err == nil {
			pending = q
		}
	}
	old := float64(s.Value(pending).(float32))
	nv := old * factor
	if old == 0 && factor > 1 {
		nv = 0.001
	}
	a.paramReq = append(a.paramReq, Change{Flag: f, Value: strconv.FormatFloat(float64(float32(nv)), 'g', 6, 32)})
}
