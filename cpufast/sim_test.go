package cpufast

// The activity-driven backend against the reference: both run side by side
// from the same state, and every buffer of the state must agree bit for bit
// after every step (the weights every few steps and at the end). The first
// difference is reported as step, buffer, index, got, want.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/cpuref/cputest"
)

// mismatch is the first difference between two states.
type mismatch struct {
	step      int
	buffer    string
	index     int
	got, want any
}

func (m *mismatch) Error() string {
	return fmt.Sprintf("step %d: buffer %s, index %d: got %v, want %v", m.step, m.buffer, m.index, m.got, m.want)
}

// weightFields are compared every weightsEvery steps only: they are most
// of the bytes, and a weight that differs soon shows in v or a spike.
var weightFields = map[string]bool{"WIn": true, "WRec": true, "WOut": true, "Elig": true, "W12": true}

// diff returns the first difference between got and want, bit for bit.
func diff(step int, got, want *cpuref.State, withWeights bool) error {
	if got.T != want.T {
		return &mismatch{step, "T", 0, got.T, want.T}
	}
	gf := got.Fields()
	for k, w := range want.Fields() {
		if weightFields[w.Name] && !withWeights {
			continue
		}
		g := gf[k]
		switch {
		case w.F32 != nil:
			a, b := *g.F32, *w.F32
			if len(a) != len(b) {
				return &mismatch{step, w.Name + " length", 0, len(a), len(b)}
			}
			for i := range b {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					return &mismatch{step, w.Name, i, a[i], b[i]}
				}
			}
		case w.U32 != nil:
			if err := diffExact(step, w.Name, *g.U32, *w.U32); err != nil {
				return err
			}
		default:
			if err := diffExact(step, w.Name, *g.I32, *w.I32); err != nil {
				return err
			}
		}
	}
	return nil
}

func diffExact[T comparable](step int, name string, g, w []T) error {
	if len(g) != len(w) {
		return &mismatch{step, name + " length", 0, len(g), len(w)}
	}
	for i := range w {
		if g[i] != w[i] {
			return &mismatch{step, name, i, g[i], w[i]}
		}
	}
	return nil
}

// run describes one lockstep comparison.
type run struct {
	p            cpuref.Params
	init         *cpuref.State          // nil: cpuref.NewState(p)
	steps        int                    // steps to compare
	weightsEvery int                    // compare the weights this often (and at the end)
	workers      int                    // 0: the default
	learn        func(step int) bool    // nil: always on
	stim         func() cpuref.Stimulus // nil: p's
	active       bool                   // demand spikes and a learned W_out by the end
}

// lockstep runs r and fails at the first difference.
func lockstep(t *testing.T, r run) {
	t.Helper()
	p := r.p
	init := r.init
	if init == nil {
		init = cpuref.NewState(p)
	}
	stim := r.stim
	if stim == nil {
		stim = func() cpuref.Stimulus { return cpuref.NewStimulus(p) }
	}
	ref := cpuref.NewFrom(p, init.Clone(), stim())
	ref.SetWorkers(1)
	fast, err := New(p, init, stim())
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Release()
	if r.workers > 0 {
		fast.SetWorkers(r.workers)
	}
	every := max(r.weightsEvery, 1)
	var spikes int
	for step := 1; step <= r.steps; step++ {
		if r.learn != nil {
			ref.Learn = r.learn(step)
			fast.SetLearn(ref.Learn)
		}
		ref.Step()
		fast.Step()
		if err := diff(step, fast.State(), ref.State, step%every == 0 || step == r.steps); err != nil {
			t.Fatalf("cpufast differs from cpuref (n=%d, %s, %s): %v", p.N, p.Rule, p.OutLayout, err)
		}
		for _, v := range ref.State.S {
			spikes += int(v)
		}
		if !rectsEqual(fast.Frame(), ref.Frame()) || !rectsEqual(fast.Target(), ref.Target()) {
			t.Fatalf("step %d: frames differ: %v %v, want %v %v", step, fast.Frame(), fast.Target(), ref.Frame(), ref.Target())
		}
	}
	if fm, rm := fast.Measures(), ref.Measures(); fm != rm {
		t.Fatalf("measures %+v, want %+v", fm, rm)
	}
	if r.active {
		learned := false
		for _, w := range ref.State.WOut {
			learned = learned || w != 0
		}
		if spikes == 0 || !learned {
			t.Fatalf("no activity in %d steps (spikes %d, W_out learned %v): the comparison would be hollow", r.steps, spikes, learned)
		}
	}
}

func rectsEqual(a, b []cpuref.Rect) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// busy makes a network that fires often from the start: a large noise and
// a low threshold floor, so that sums with many terms are compared early.
func busy(p cpuref.Params) cpuref.Params {
	p.SigmaNoise, p.ThetaMin, p.Theta0 = 0.3, 0.05, 0.3
	return p
}

// TestMatchesReferenceRules runs each input rule and output layout from the
// initial state, with the default parameters and with a busy network.
func TestMatchesReferenceRules(t *testing.T) {
	for _, c := range []struct {
		rule cpuref.Rule
		wout cpuref.WOutLayout
		n    int
	}{
		{cpuref.RuleSTDP, cpuref.Local, 64},
		{cpuref.RuleHebbian, cpuref.Local, 48},
		{cpuref.RuleRSTDP, cpuref.Local, 48},
		{cpuref.RuleSTDP, cpuref.Dense, 20},
		{cpuref.RuleHebbian, cpuref.Dense, 17},
	} {
		for _, b := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%s/n=%d/busy=%v", c.rule, c.wout, c.n, b), func(t *testing.T) {
				p := cpuref.Defaults()
				p.N, p.Rule, p.OutLayout = c.n, c.rule, c.wout
				steps := 1500
				if b {
					p = busy(p)
					steps = 300
				}
				lockstep(t, run{p: p, steps: steps, weightsEvery: 20, active: true})
			})
		}
	}
}

// TestMatchesReferenceRandomStates takes a few steps from random states (a
// third of all cells spiking, lit and wrong) at odd sizes, every rule and
// layout, with recurrent learning and the second layer.
func TestMatchesReferenceRandomStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, n := range []int{1, 2, 5, 17, 37, 70} {
		for _, rule := range []cpuref.Rule{cpuref.RuleSTDP, cpuref.RuleHebbian, cpuref.RuleRSTDP} {
			for _, wout := range []cpuref.WOutLayout{cpuref.Local, cpuref.Dense} {
				if wout == cpuref.Dense && n > 17 {
					continue
				}
				t.Run(fmt.Sprintf("n=%d/%s/%s", n, rule, wout), func(t *testing.T) {
					p := busy(cpuref.Defaults())
					p.N, p.Rule, p.OutLayout = n, rule, wout
					p.LearnRec = n%2 == 1
					if rule == cpuref.RuleHebbian {
						p.Horizon = 3
					}
					lockstep(t, run{p: p, init: cputest.RandomState(p, rng), steps: 4, weightsEvery: 1})
				})
			}
		}
	}
}

// TestMatchesReferenceWindows covers window radii 0 to 8 for W_rec and
// W_out (with recurrent learning), from random states and from rest.
func TestMatchesReferenceWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, n := range []int{5, 37, 70} {
		for _, r := range [][2]int{{0, 0}, {0, 8}, {1, 3}, {2, 2}, {3, 5}, {4, 1}, {5, 6}, {6, 7}, {7, 4}, {8, 0}, {8, 8}} {
			t.Run(fmt.Sprintf("n=%d/rrec=%d/rout=%d", n, r[0], r[1]), func(t *testing.T) {
				p := busy(cpuref.Defaults())
				p.N, p.RRec, p.ROut, p.LearnRec = n, r[0], r[1], true
				lockstep(t, run{p: p, init: cputest.RandomState(p, rng), steps: 3, weightsEvery: 1})
				if n == 37 {
					lockstep(t, run{p: p, steps: 120, weightsEvery: 10})
				}
			})
		}
	}
}

// TestMatchesReferenceHorizon runs -horizon 3 with the second layer and
// without it (-no_cascade).
func TestMatchesReferenceHorizon(t *testing.T) {
	for _, cascade := range []bool{true, false} {
		for _, b := range []bool{false, true} {
			t.Run(fmt.Sprintf("cascade=%v/busy=%v", cascade, b), func(t *testing.T) {
				p := cpuref.Defaults()
				if b {
					p = busy(p)
				}
				p.N, p.Horizon, p.NoCascade = 37, 3, !cascade
				lockstep(t, run{p: p, steps: 500, weightsEvery: 25, active: true})
			})
		}
	}
}

// TestMatchesReferenceLearnOff switches plasticity off for a stretch: q and
// W_in freeze, p and θ go on.
func TestMatchesReferenceLearnOff(t *testing.T) {
	for _, c := range []struct {
		rule     cpuref.Rule
		horizon  int
		learnRec bool
	}{{cpuref.RuleSTDP, 1, false}, {cpuref.RuleRSTDP, 3, true}, {cpuref.RuleHebbian, 1, true}} {
		t.Run(fmt.Sprintf("%s/horizon=%d", c.rule, c.horizon), func(t *testing.T) {
			p := busy(cpuref.Defaults())
			p.N, p.Rule, p.Horizon, p.LearnRec = 40, c.rule, c.horizon, c.learnRec
			lockstep(t, run{p: p, steps: 300, weightsEvery: 25, learn: func(step int) bool { return step <= 100 || step > 200 }, active: true})
		})
	}
}

// TestMatchesReferenceRecurrentLearning runs -learn_rec with rstdp and a
// large η_rec, so W_rec moves.
func TestMatchesReferenceRecurrentLearning(t *testing.T) {
	p := cpuref.Defaults()
	p.N, p.LearnRec, p.Rule, p.EtaRec = 40, true, cpuref.RuleRSTDP, 0.01
	lockstep(t, run{p: p, steps: 600, weightsEvery: 10, active: true})
}

// TestMatchesReferenceStimuli runs every frame-generating stimulus.
func TestMatchesReferenceStimuli(t *testing.T) {
	for _, c := range []struct {
		env  cpuref.Env
		dots int
		ccw  bool
	}{
		{cpuref.EnvBorder, 1, false}, {cpuref.EnvDots, 4, false}, {cpuref.EnvDots, 3, true},
		{cpuref.EnvBounce, 3, false}, {cpuref.EnvBar, 1, false},
	} {
		t.Run(fmt.Sprintf("%s/%d/ccw=%v", c.env, c.dots, c.ccw), func(t *testing.T) {
			p := cpuref.Defaults()
			p.N, p.Env, p.Dots, p.CCW = 37, c.env, c.dots, c.ccw
			lockstep(t, run{p: p, steps: 400, weightsEvery: 20, active: true})
		})
	}
}

// offGrid is a stimulus of overlapping rectangles that reach past every
// edge: only their on-grid pixels light, each once.
type offGrid struct{ n int32 }

func (o offGrid) Frame(t int64, dst []cpuref.Rect) []cpuref.Rect {
	k := int32(t % 7)
	return append(dst,
		cpuref.Rect{R0: -3, C0: k - 2, R1: 2, C1: k + 1},
		cpuref.Rect{R0: o.n - 1 - k, C0: o.n - 2, R1: o.n + 4, C1: o.n + 9},
		cpuref.Rect{R0: k, C0: -5, R1: k + 1, C1: 1},
		cpuref.Rect{R0: 0, C0: 0, R1: 2, C1: 2}, // overlaps the first
	)
}

// TestMatchesReferenceOffGridRects runs overlapping, clipped rectangles.
func TestMatchesReferenceOffGridRects(t *testing.T) {
	p := busy(cpuref.Defaults())
	p.N = 23
	stim := func() cpuref.Stimulus { return offGrid{int32(p.N)} }
	rng := rand.New(rand.NewPCG(21, 34))
	for range 4 {
		lockstep(t, run{p: p, init: cputest.RandomState(p, rng), steps: 3, weightsEvery: 1, stim: stim})
	}
	lockstep(t, run{p: p, steps: 200, weightsEvery: 10, stim: stim, active: true})
}

// TestMatchesReferenceEdgeValues covers the values where skipping a term
// could go wrong: a bias of −0 (+0 + −0 is +0), τ_out < 0 (an idle output
// cell predicts 1), rstdp traces that decay to −0 (λ_e·e = −0, and the
// reference's + (pot − dep) = +0 makes it +0), weights loaded outside their
// clip range or as −0 (the reference clamps them on its next learning
// step), and η = 0 (changes of ±0).
func TestMatchesReferenceEdgeValues(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	t.Run("bias=-0", func(t *testing.T) {
		p := cpuref.Defaults()
		p.N, p.Bias, p.SigmaNoise = 20, negZero, 0
		lockstep(t, run{p: p, steps: 50, weightsEvery: 10})
	})
	t.Run("bias=-0/v=-0", func(t *testing.T) {
		// ρ·v = −0 and a noise of ±0: the current must be the reference's
		// ((+0 + +0) + −0) + ξ = +0, or v comes out −0.
		p := cpuref.Defaults()
		p.N, p.Bias, p.SigmaNoise, p.Rho = 20, negZero, 0, 0.5
		st := cpuref.NewState(p)
		for i := range st.V {
			st.V[i] = -math.SmallestNonzeroFloat32
		}
		lockstep(t, run{p: p, init: st, steps: 3, weightsEvery: 1})
	})
	t.Run("v=theta", func(t *testing.T) {
		// v reaches θ exactly on the first step: a spike (v ≥ θ).
		p := cpuref.Defaults()
		p.N, p.Bias, p.Theta0, p.SigmaNoise = 12, 0.5, 0.5, 0
		lockstep(t, run{p: p, steps: 20, weightsEvery: 1, active: true})
	})
	t.Run("tau_out<0", func(t *testing.T) {
		p := busy(cpuref.Defaults())
		p.N, p.TauOut = 30, -0.5
		lockstep(t, run{p: p, steps: 200, weightsEvery: 10, active: true})
	})
	t.Run("tau_out=-0", func(t *testing.T) {
		p := busy(cpuref.Defaults())
		p.N, p.TauOut = 30, negZero
		lockstep(t, run{p: p, steps: 100, weightsEvery: 10, active: true})
	})
	t.Run("rstdp/elig->-0", func(t *testing.T) {
		p := cpuref.Defaults()
		p.N, p.Rule, p.LambdaElig = 12, cpuref.RuleRSTDP, 0.5
		st := cpuref.NewState(p)
		tiny := -math.SmallestNonzeroFloat32
		for i := range st.Elig {
			st.Elig[i] = float32(tiny) * float32(1+i%3)
		}
		lockstep(t, run{p: p, init: st, steps: 5, weightsEvery: 1})
		// The comparison is only as good as the case: check the reference
		// does turn −0 into +0 here.
		ref := cpuref.NewFrom(p, st.Clone(), cpuref.NewStimulus(p))
		ref.Step()
		ref.Step()
		plus := 0
		for _, e := range ref.State.Elig {
			if e == 0 && !math.Signbit(float64(e)) {
				plus++
			}
		}
		if plus == 0 {
			t.Fatal("no eligibility trace decayed to +0: the case is not exercised")
		}
	})
	t.Run("weights out of range", func(t *testing.T) {
		p := cpuref.Defaults()
		p.N, p.Horizon = 16, 2
		st := cpuref.NewState(p)
		for i := range st.WIn {
			switch i % 4 {
			case 0:
				st.WIn[i] = p.WinMax + 1
			case 1:
				st.WIn[i] = negZero
			case 2:
				st.WIn[i] = -0.25
			}
		}
		for i := range st.W12 {
			if i%3 == 0 {
				st.W12[i] = negZero
			}
		}
		lockstep(t, run{p: p, init: st, steps: 30, weightsEvery: 1, learn: func(step int) bool { return step > 3 }})
	})
	t.Run("eta=0", func(t *testing.T) {
		for _, rule := range []cpuref.Rule{cpuref.RuleSTDP, cpuref.RuleRSTDP} {
			p := busy(cpuref.Defaults())
			p.N, p.Eta, p.EtaOut, p.Rule = 20, 0, 0, rule
			lockstep(t, run{p: p, steps: 100, weightsEvery: 5})
		}
	})
}

// TestWorkersIdentical: the number of goroutines does not change a bit.
func TestWorkersIdentical(t *testing.T) {
	for _, c := range []struct {
		rule   cpuref.Rule
		layout cpuref.WOutLayout
		n      int
	}{{cpuref.RuleSTDP, cpuref.Local, 37}, {cpuref.RuleRSTDP, cpuref.Local, 29}, {cpuref.RuleHebbian, cpuref.Dense, 13}} {
		t.Run(fmt.Sprintf("%s/%s", c.rule, c.layout), func(t *testing.T) {
			p := busy(cpuref.Defaults())
			p.N, p.Rule, p.OutLayout, p.Horizon = c.n, c.rule, c.layout, 2
			var want *cpuref.State
			for _, w := range []int{1, 2, 3, 7} {
				s, err := New(p, cpuref.NewState(p), cpuref.NewStimulus(p))
				if err != nil {
					t.Fatal(err)
				}
				s.SetWorkers(w)
				s.Run(300)
				if want == nil {
					want = s.State()
					if m := s.Measures(); m.HiddenRate == 0 {
						t.Fatalf("no activity in 300 steps (%+v)", m)
					}
					continue
				}
				if err := diff(300, s.State(), want, true); err != nil {
					t.Fatalf("%d workers differ from 1: %v", w, err)
				}
			}
			// And each worker count matches the reference step by step.
			for _, w := range []int{2, 3, 7} {
				lockstep(t, run{p: p, steps: 60, weightsEvery: 10, workers: w, active: true})
			}
		})
	}
}

// TestLoadRejects: states whose traces the model cannot produce are refused
// with the buffer named; a state that fits is accepted and copied.
func TestLoadRejects(t *testing.T) {
	p := cpuref.Defaults()
	p.N = 8
	s, err := New(p, cpuref.NewState(p), cpuref.NewStimulus(p))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		bad  func(st *cpuref.State)
	}{
		{"P", func(st *cpuref.State) { st.P[3] = -1 }},
		{"Q", func(st *cpuref.State) { st.Q[5] = float32(math.NaN()) }},
		{"P", func(st *cpuref.State) { st.P[0] = float32(math.Copysign(0, -1)) }},
		{"WIn", func(st *cpuref.State) { st.WIn = st.WIn[:10] }},
	} {
		st := cpuref.NewState(p)
		c.bad(st)
		if err := s.Load(st); err == nil {
			t.Errorf("Load accepted a bad %s", c.name)
		} else if !contains(err.Error(), c.name) {
			t.Errorf("Load's error %q does not name %s", err, c.name)
		}
	}
	st := cpuref.NewState(p)
	if err := s.Load(st); err != nil {
		t.Fatal(err)
	}
	s.Step()
	if st.T != 0 {
		t.Fatal("Load did not copy the state")
	}
	s.Release()
	s.Release()
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestMatchesReferenceFrameSource runs frames given as bit sets (-frames),
// in lockstep, to the source's end: both engines stop at the same step
// with the same error and the same state.
func TestMatchesReferenceFrameSource(t *testing.T) {
	for _, c := range []struct {
		n, horizon int
		rule       cpuref.Rule
	}{{33, 1, cpuref.RuleSTDP}, {40, 2, cpuref.RuleRSTDP}, {17, 1, cpuref.RuleHebbian}} {
		t.Run(fmt.Sprintf("n=%d/horizon=%d/%s", c.n, c.horizon, c.rule), func(t *testing.T) {
			p := cpuref.Defaults()
			p.N, p.Horizon, p.Rule = c.n, c.horizon, c.rule
			stim := func() cpuref.Stimulus { return cputest.BitFrames{N: p.N, End: 1 << 40} }
			lockstep(t, run{p: p, steps: 300, weightsEvery: 10, stim: stim, active: true})

			// The end of the source: Run stops before the step that lacks
			// a frame, on both engines, with the state as it was.
			const end = 50
			src := cputest.BitFrames{N: p.N, End: end}
			ref := cpuref.NewFrom(p, cpuref.NewState(p), src)
			fast, err := New(p, cpuref.NewState(p), src)
			if err != nil {
				t.Fatal(err)
			}
			defer fast.Release()
			rerr, ferr := ref.Run(100), fast.Run(100)
			if !errors.Is(ferr, cpuref.ErrEndOfSource) || rerr == nil || ferr.Error() != rerr.Error() {
				t.Fatalf("Run's error %v, want the reference's %v", ferr, rerr)
			}
			if want := int64(end - p.Horizon); fast.State().T != want {
				t.Fatalf("stopped at t=%d, want %d", fast.State().T, want)
			}
			if err := diff(int(fast.State().T), fast.State(), ref.State, true); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSetParamsMatchesReference changes parameters mid-run, the trace
// decays and the leak among them (on which the live-trace lists depend),
// on both engines at the same steps: cpufast must stay bit for bit with
// the reference, which reads its Params every step.
func TestSetParamsMatchesReference(t *testing.T) {
	p := busy(cpuref.Defaults())
	p.N = 24
	fast := changeInLockstep(t, p, 960, 100, map[int]func(*cpuref.Params){
		60:  func(q *cpuref.Params) { q.Eta, q.EtaOut, q.SigmaNoise, q.TargetRate = 0.03, 0.1, 0.1, 0.05 },
		120: func(q *cpuref.Params) { q.LambdaPre, q.LambdaPost, q.Rho = 0.5, 0.95, 0.7 },
		180: func(q *cpuref.Params) { q.LambdaPost, q.SigmaNoise = 0.8, 0.001 },
		// By now quiet cells' traces have decayed to where λ·q rounds
		// back to q (the smallest subnormals at λ = 0.8), and cpufast no
		// longer decays them; at λ = 0.5 they decay to 0 again.
		900: func(q *cpuref.Params) { q.LambdaPre, q.LambdaPost = 0.5, 0.5 },
	})
	defer fast.Release()
	q := p
	q.N = 25
	if err := fast.SetParams(q); err == nil {
		t.Error("SetParams took another n")
	}
}

// changeInLockstep runs cpuref and cpufast from p's initial state for
// steps steps, applying each change before the step it is keyed by (to the
// reference's Params and through cpufast's SetParams), and fails at the
// first step where they differ (weights compared every weightsEvery
// steps). It returns the cpufast engine, which the caller releases.
func changeInLockstep(t *testing.T, p cpuref.Params, steps, weightsEvery int, changes map[int]func(*cpuref.Params)) *Sim {
	t.Helper()
	ref := cpuref.NewFrom(p, cpuref.NewState(p), cpuref.NewStimulus(p))
	ref.SetWorkers(1)
	fast, err := New(p, cpuref.NewState(p), cpuref.NewStimulus(p))
	if err != nil {
		t.Fatal(err)
	}
	for step := 1; step <= steps; step++ {
		if ch, ok := changes[step]; ok {
			q := ref.Params
			ch(&q)
			ref.Params = q
			if err := fast.SetParams(q); err != nil {
				fast.Release()
				t.Fatal(err)
			}
		}
		ref.Step()
		fast.Step()
		if err := diff(step, fast.State(), ref.State, step%weightsEvery == 0); err != nil {
			fast.Release()
			t.Fatalf("cpufast differs from cpuref after live changes: %v", err)
		}
	}
	return fast
}
