package cpuref

// Closed-form checks of the reference: each test drives the model into a
// regime where docs/MODEL.md's equations have an exact or analytic
// answer (pure leak, constant bias, one forced spike, one lit pixel) and
// compares the state with it. Float expectations are written with the
// same float32 roundings as the model, so "exactly" means bit for bit.

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// dark is a stimulus that lights nothing: the network sees no input.
type dark struct{}

func (dark) Frame(_ int64, dst []Rect) []Rect { return dst }

// frames lights the listed pixels (cell indices of an n×n grid) at the
// listed steps and nothing else.
type frames struct {
	n  int
	at map[int64][]int32
}

func frameSet(n int, at map[int64][]int32) frames { return frames{n, at} }

func (f frames) Frame(t int64, dst []Rect) []Rect {
	for _, i := range f.at[t] {
		dst = append(dst, Dot(int(i)/f.n, int(i)%f.n))
	}
	return dst
}

// quiet returns valid parameters for an n×n network in which only what a
// test sets by hand happens: no noise, no recurrence, no bias and a fixed
// threshold.
func quiet(n int) Params {
	p := Defaults()
	p.N = n
	p.SigmaNoise = 0
	p.RRec = 0
	p.Wrec0 = 0
	p.Bias = 0
	p.EtaTheta = 0
	return p
}

// handSim returns a one-worker simulator for p from a zero state whose
// thresholds are all theta.
func handSim(t *testing.T, p Params, theta float32, stim Stimulus) *Sim {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatalf("test parameters invalid: %v", err)
	}
	st := NewStateShape(p)
	for i := range st.Theta {
		st.Theta[i] = theta
	}
	s := NewFrom(p, st, stim)
	s.SetWorkers(1)
	return s
}

// slot returns the slot of offset (dy, dx) in a radius-r window.
func slot(r, dy, dx int) int { return (dy+r)*(2*r+1) + dx + r }

// inIndex returns the index in W_in of the weight from input pixel j to
// hidden cell i, which must be within one row and column of each other.
func inIndex(n, i, j int) int {
	return i*Slots(PatchR) + slot(PatchR, j/n-i/n, j%n-i%n)
}

// outIndex returns the index in W_out of the weight from hidden cell j to
// output k, and false when the layout has no such connection.
func outIndex(p Params, k, j int) (int, bool) {
	n := p.N
	if p.OutLayout == Dense {
		return k*n*n + j, true
	}
	dy, dx := j/n-k/n, j%n-k%n
	if dy < -p.ROut || dy > p.ROut || dx < -p.ROut || dx > p.ROut {
		return 0, false
	}
	return k*Slots(p.ROut) + slot(p.ROut, dy, dx), true
}

// stateBuffers lists a state's buffers by name, for comparisons.
func stateBuffers(s *State) []struct {
	name string
	f    []float32
	u    []uint32
	i    []int32
} {
	type buf = struct {
		name string
		f    []float32
		u    []uint32
		i    []int32
	}
	return []buf{
		{name: "X", u: s.X}, {name: "Y", u: s.Y}, {name: "P", f: s.P},
		{name: "V", f: s.V}, {name: "Theta", f: s.Theta}, {name: "Q", f: s.Q},
		{name: "S", u: s.S}, {name: "YHat", u: s.YHat}, {name: "Err", i: s.Err},
		{name: "WIn", f: s.WIn}, {name: "WRec", f: s.WRec}, {name: "WOut", f: s.WOut},
		{name: "Ring", u: s.Ring},
	}
}

// diffState returns the first difference between two states, bit for bit
// (so −0 ≠ +0 and NaN payloads count), or "" when they are identical.
func diffState(got, want *State) string {
	if got.N != want.N || got.T != want.T {
		return fmt.Sprintf("shape: got n=%d t=%d, want n=%d t=%d", got.N, got.T, want.N, want.T)
	}
	gb, wb := stateBuffers(got), stateBuffers(want)
	for b := range wb {
		g, w := gb[b], wb[b]
		if len(g.f) != len(w.f) || len(g.u) != len(w.u) || len(g.i) != len(w.i) {
			return fmt.Sprintf("%s: lengths differ", w.name)
		}
		for k := range w.f {
			if math.Float32bits(g.f[k]) != math.Float32bits(w.f[k]) {
				return fmt.Sprintf("%s[%d]: got %v (%#08x), want %v (%#08x)", w.name, k, g.f[k], math.Float32bits(g.f[k]), w.f[k], math.Float32bits(w.f[k]))
			}
		}
		for k := range w.u {
			if g.u[k] != w.u[k] {
				return fmt.Sprintf("%s[%d]: got %d, want %d", w.name, k, g.u[k], w.u[k])
			}
		}
		for k := range w.i {
			if g.i[k] != w.i[k] {
				return fmt.Sprintf("%s[%d]: got %d, want %d", w.name, k, g.i[k], w.i[k])
			}
		}
	}
	return ""
}

// --- Membrane: leak, bias, spike and reset ---------------------------------

// TestLeakDecay: with no input, noise, recurrence or bias, step 2 is
// v ← ρ·v, so v(t) = v0·ρ^t, exactly as a float32 loop computes it.
func TestLeakDecay(t *testing.T) {
	for _, rho := range []float32{0.9, 0.5, 0.99, 0} {
		t.Run(fmt.Sprint("rho=", rho), func(t *testing.T) {
			p := quiet(4)
			p.Rho = rho
			s := handSim(t, p, 100, dark{})
			v0 := make([]float32, len(s.State.V))
			for i := range v0 {
				v0[i] = float32(i-5) * 0.37 // both signs, and one exact 0
			}
			copy(s.State.V, v0)
			want := append([]float32(nil), v0...)
			var current float32 // I = +0: it turns ρ·v = −0 into +0
			for step := 1; step <= 200; step++ {
				s.Step()
				for i := range want {
					want[i] = float32(rho*want[i]) + current
					got := s.State.V[i]
					if math.Float32bits(got) != math.Float32bits(want[i]) {
						t.Fatalf("step %d, cell %d: v = %v, want %v (float32 loop v = ρ·v)", step, i, got, want[i])
					}
					analytic := float64(v0[i]) * math.Pow(float64(rho), float64(step))
					// Each step rounds once: relative error ≤ t·2⁻²⁴.
					if d := math.Abs(float64(got) - analytic); d > 1e-5*math.Abs(analytic)+1e-38 {
						t.Fatalf("step %d, cell %d: v = %v, want v0·ρ^t = %v", step, i, got, analytic)
					}
					if s.State.S[i] != 0 {
						t.Fatalf("step %d, cell %d spiked below threshold", step, i)
					}
				}
			}
		})
	}
}

// TestBiasApproachesFixedPoint: v ← ρ·v + b from v = 0 gives
// v(t) = b·(1−ρ^t)/(1−ρ), which tends to b/(1−ρ).
func TestBiasApproachesFixedPoint(t *testing.T) {
	for _, c := range []struct{ b, rho float32 }{{0.1, 0.9}, {0.2, 0.8}, {-0.3, 0.5}, {0.05, 0.95}} {
		t.Run(fmt.Sprintf("b=%v/rho=%v", c.b, c.rho), func(t *testing.T) {
			p := quiet(3)
			p.Bias, p.Rho = c.b, c.rho
			s := handSim(t, p, 1000, dark{})
			b, rho := float64(c.b), float64(c.rho)
			limit := b / (1 - rho)
			var loop float32
			for step := 1; step <= 600; step++ {
				s.Step()
				loop = float32(c.rho*loop) + c.b
				want := b * (1 - math.Pow(rho, float64(step))) / (1 - rho)
				for i, v := range s.State.V {
					if math.Float32bits(v) != math.Float32bits(loop) {
						t.Fatalf("step %d, cell %d: v = %v, want %v (float32 loop)", step, i, v, loop)
					}
					if math.Abs(float64(v)-want) > 1e-5*math.Abs(limit) {
						t.Fatalf("step %d, cell %d: v = %v, want b·(1−ρ^t)/(1−ρ) = %v", step, i, v, want)
					}
				}
			}
			if v := float64(s.State.V[0]); math.Abs(v-limit) > 1e-5*math.Abs(limit) {
				t.Errorf("after 600 steps v = %v, want b/(1−ρ) = %v", v, limit)
			}
		})
	}
}

// closedFormISI returns the first t ≥ 1 with b·(1−ρ^t)/(1−ρ) ≥ θ, and how
// far the membrane is from θ on the steps either side of it, so a test
// can refuse cases that float32 rounding could tip.
func closedFormISI(b, rho, theta float64) (isi int, margin float64) {
	for t := 1; t < 100000; t++ {
		v := b * (1 - math.Pow(rho, float64(t))) / (1 - rho)
		if v >= theta {
			prev := b * (1 - math.Pow(rho, float64(t-1))) / (1 - rho)
			return t, math.Min(v-theta, theta-prev)
		}
	}
	return 0, 0
}

// TestBiasInterspikeInterval: with θ below b/(1−ρ) the cell fires every
// ISI steps, ISI the first t with b·(1−ρ^t)/(1−ρ) ≥ θ, and the spike step
// leaves v at exactly 0, so the next interval is the same.
func TestBiasInterspikeInterval(t *testing.T) {
	for _, c := range []struct {
		b, rho, theta float32
		isi           int // the closed form, worked by hand
	}{
		{0.1, 0.9, 0.5, 7},    // 0.9^t ≤ 0.5: t ≥ 6.58
		{0.2, 0.8, 0.75, 7},   // 0.8^t ≤ 0.25: t ≥ 6.21
		{0.05, 0.95, 0.9, 45}, // 0.95^t ≤ 0.1: t ≥ 44.9
		{0.3, 0.5, 0.3, 1},    // fires every step
		{0.25, 0, 0.25, 1},    // no memory: v = b every step
	} {
		t.Run(fmt.Sprintf("b=%v/rho=%v/theta=%v", c.b, c.rho, c.theta), func(t *testing.T) {
			isi, margin := closedFormISI(float64(c.b), float64(c.rho), float64(c.theta))
			if isi != c.isi {
				t.Fatalf("closed form gives ISI %d, worked by hand %d", isi, c.isi)
			}
			if margin < 1e-4 && isi > 1 {
				t.Fatalf("test case too close to threshold (margin %g) for float32", margin)
			}
			p := quiet(3)
			p.Bias, p.Rho = c.b, c.rho
			s := handSim(t, p, c.theta, dark{})
			var spiked []bool // per step
			for step := 1; step <= 10*isi+3; step++ {
				s.Step()
				wantSpike := step%isi == 0
				for i := range s.State.S {
					v, spiked := s.State.V[i], s.State.S[i] == 1
					if spiked != wantSpike {
						t.Fatalf("step %d, cell %d: spike %v, want %v (ISI %d), v = %v", step, i, spiked, wantSpike, isi, v)
					}
					if spiked && math.Float32bits(v) != 0 {
						t.Fatalf("step %d, cell %d: v = %v (%#08x) after a spike, want exactly +0", step, i, v, math.Float32bits(v))
					}
					if !spiked && !(v > 0 && v < c.theta) {
						t.Fatalf("step %d, cell %d: v = %v without a spike, want in (0, θ=%v)", step, i, v, c.theta)
					}
				}
				spiked = append(spiked, wantSpike)
			}
			last := spiked[max(0, len(spiked)-Window):]
			spikes := 0
			for _, sp := range last {
				if sp {
					spikes++
				}
			}
			if m := s.Measures(); m.HiddenRate != float64(spikes)/float64(len(last)) {
				t.Errorf("hidden rate %v, want %d spikes / %d steps", m.HiddenRate, spikes, len(last))
			}
		})
	}
}

// TestBiasBelowThresholdNeverFires: θ above b/(1−ρ) is never reached.
func TestBiasBelowThresholdNeverFires(t *testing.T) {
	p := quiet(2)
	p.Bias, p.Rho = 0.1, 0.9 // fixed point 1
	s := handSim(t, p, 1.001, dark{})
	for step := 1; step <= 2000; step++ {
		s.Step()
		for i, sp := range s.State.S {
			if sp != 0 {
				t.Fatalf("step %d, cell %d fired with v → b/(1−ρ) = 1 < θ = 1.001", step, i)
			}
		}
	}
}

// --- Homeostasis -----------------------------------------------------------

// TestHomeostasis: θ rises by η_θ·(1−target) on a spike, falls by
// η_θ·target without one, and stops at θ_min.
func TestHomeostasis(t *testing.T) {
	p := quiet(2)
	p.EtaTheta, p.TargetRate, p.ThetaMin = 0.1, 0.3, 0.4
	s := handSim(t, p, 1, dark{})
	up := float32(p.EtaTheta * (1 - p.TargetRate))
	down := float32(p.EtaTheta * (0 - p.TargetRate))
	theta := append([]float32(nil), s.State.Theta...)
	floorSteps := 0
	for step := 1; step <= 40; step++ {
		// Cell 0 always fires, the others never.
		s.State.V[0] = 1e6
		for i := 1; i < len(s.State.V); i++ {
			s.State.V[i] = -1e6
		}
		s.Step()
		for i, got := range s.State.Theta {
			spiked := s.State.S[i] == 1
			if spiked != (i == 0) {
				t.Fatalf("step %d, cell %d: spike %v, want %v", step, i, spiked, i == 0)
			}
			want := max(theta[i]+down, p.ThetaMin)
			if spiked {
				want = theta[i] + up
				if !(got > theta[i]) {
					t.Fatalf("step %d, cell %d: θ %v → %v after a spike, want a rise", step, i, theta[i], got)
				}
			} else if theta[i] > p.ThetaMin && !(got < theta[i]) {
				t.Fatalf("step %d, cell %d: θ %v → %v without a spike, want a fall", step, i, theta[i], got)
			}
			if math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("step %d, cell %d: θ = %v, want %v", step, i, got, want)
			}
			if got < p.ThetaMin {
				t.Fatalf("step %d, cell %d: θ = %v below θ_min = %v", step, i, got, p.ThetaMin)
			}
			if i == 1 && got == p.ThetaMin {
				floorSteps++
			}
			theta[i] = got
		}
	}
	// 1 − 0.03·t reaches 0.4 after 20 steps; the rest sit on the floor.
	if floorSteps < 15 {
		t.Errorf("a silent cell sat on θ_min for %d of 40 steps, want ≥ 15", floorSteps)
	}
	if d := float64(theta[0]) - (1 + 40*0.07); math.Abs(d) > 1e-4 {
		t.Errorf("after 40 spikes θ = %v, want ≈ 1 + 40·η_θ·(1−target) = 3.8", theta[0])
	}
}

// --- Input learning --------------------------------------------------------

// stdpParams are quiet parameters with STDP on W_in at n=3, where the
// centre cell's whole patch is on the grid.
func stdpParams(rule Rule) Params {
	p := quiet(3)
	p.Rule = rule
	p.Eta, p.APlus, p.AMinus = 0.01, 1, 0.5
	p.LambdaPre, p.LambdaPost = 0.8, 0.8
	return p
}

// fillWIn sets every on-grid W_in weight to w.
func fillWIn(st *State, w float32) {
	n := st.N
	for i := 0; i < n*n; i++ {
		for m := 0; m < Slots(PatchR); m++ {
			if _, ok := Neighbour(n, i/n, i%n, PatchR, m); ok {
				st.WIn[i*Slots(PatchR)+m] = w
			}
		}
	}
}

// TestSTDPPotentiates: a hidden cell that fires with a positive pre-trace
// p_j gains η·A₊·p_j on W_in[i,j], p being this step's λ_pre·p + x.
func TestSTDPPotentiates(t *testing.T) {
	p := stdpParams(RuleSTDP)
	s := handSim(t, p, 100, dark{})
	fillWIn(s.State, 0.5)
	for j := range s.State.P {
		s.State.P[j] = 1 + float32(j)/8
	}
	const fire = 4 // the centre
	s.State.V[fire] = 1e6
	before := s.State.Clone()
	s.Step()
	st := s.State
	if st.S[fire] != 1 {
		t.Fatalf("cell %d did not fire", fire)
	}
	for i := 0; i < 9; i++ {
		for m := 0; m < 9; m++ {
			k := i*9 + m
			j, ok := Neighbour(3, i/3, i%3, PatchR, m)
			want := before.WIn[k]
			if ok && i == fire {
				pj := float32(p.LambdaPre * before.P[j])
				if st.P[j] != pj {
					t.Fatalf("p[%d] = %v, want λ_pre·p = %v", j, st.P[j], pj)
				}
				want = before.WIn[k] + float32(p.Eta*float32(float32(p.APlus*1)*pj))
				if !(st.WIn[k] > before.WIn[k]) {
					t.Errorf("W_in[%d,%d] %v → %v: a spike with p_j > 0 must potentiate", i, j, before.WIn[k], st.WIn[k])
				}
			}
			if math.Float32bits(st.WIn[k]) != math.Float32bits(want) {
				t.Errorf("W_in[cell %d, slot %d] = %v, want %v", i, m, st.WIn[k], want)
			}
		}
	}
	if st.Q[fire] != 1 {
		t.Errorf("q after the spike = %v, want λ_post·0 + 1 = 1", st.Q[fire])
	}
}

// TestSTDPDepresses: input x_j arriving at a cell with q_i > 0 that does
// not fire loses η·A₋·q_i on W_in[i,j]; a cell with q_i = 0 keeps it.
func TestSTDPDepresses(t *testing.T) {
	p := stdpParams(RuleSTDP)
	const lit = 4
	s := handSim(t, p, 100, frameSet(p.N, map[int64][]int32{0: {lit}}))
	fillWIn(s.State, 0.5)
	for i := range s.State.Q {
		s.State.Q[i] = 0.25 * float32(i) // cell 0 has q = 0
	}
	before := s.State.Clone()
	s.Step()
	st := s.State
	for i := 0; i < 9; i++ {
		if st.S[i] != 0 {
			t.Fatalf("cell %d fired", i)
		}
		for m := 0; m < 9; m++ {
			k := i*9 + m
			j, ok := Neighbour(3, i/3, i%3, PatchR, m)
			want := before.WIn[k]
			if ok && j == lit {
				want = before.WIn[k] + float32(p.Eta*(0-float32(float32(p.AMinus*before.Q[i])*1)))
				if before.Q[i] > 0 && !(st.WIn[k] < before.WIn[k]) {
					t.Errorf("W_in[%d,%d] %v → %v: input at a silent cell with q > 0 must depress", i, j, before.WIn[k], st.WIn[k])
				}
			}
			if math.Float32bits(st.WIn[k]) != math.Float32bits(want) {
				t.Errorf("W_in[cell %d, slot %d] = %v, want %v", i, m, st.WIn[k], want)
			}
		}
		if want := float32(p.LambdaPost * before.Q[i]); st.Q[i] != want {
			t.Errorf("q[%d] = %v, want λ_post·q = %v", i, st.Q[i], want)
		}
	}
	if st.P[lit] != 1 || st.X[lit] != 1 {
		t.Errorf("lit pixel: x = %d, p = %v, want 1, 1", st.X[lit], st.P[lit])
	}
}

// TestHebbian: ΔW_in = η·s_i·x_j, so only a firing cell's lit slots grow,
// by exactly η, whatever the traces.
func TestHebbian(t *testing.T) {
	p := stdpParams(RuleHebbian)
	const fire = 4
	lit := []int32{4, 0, 8}
	s := handSim(t, p, 100, frameSet(p.N, map[int64][]int32{0: lit}))
	fillWIn(s.State, 0.5)
	for i := range s.State.Q {
		s.State.Q[i], s.State.P[i] = 1, 1 // traces must not matter
	}
	s.State.V[fire] = 1e6
	before := s.State.Clone()
	s.Step()
	st := s.State
	isLit := map[int]bool{4: true, 0: true, 8: true}
	grown := 0
	for i := 0; i < 9; i++ {
		for m := 0; m < 9; m++ {
			k := i*9 + m
			j, ok := Neighbour(3, i/3, i%3, PatchR, m)
			want := before.WIn[k]
			if ok && i == fire && isLit[j] {
				want = before.WIn[k] + float32(float32(p.Eta*1)*1)
				grown++
			}
			if math.Float32bits(st.WIn[k]) != math.Float32bits(want) {
				t.Errorf("W_in[cell %d, slot %d] = %v, want %v", i, m, st.WIn[k], want)
			}
		}
	}
	if grown != len(lit) {
		t.Errorf("%d weights grew, want %d (s_i·x_j = 1)", grown, len(lit))
	}
}

// TestHebbianOnlyPotentiates runs the border walk with noise and checks
// that no W_in weight ever falls, and that some grow.
func TestHebbianOnlyPotentiates(t *testing.T) {
	p := Defaults()
	p.N, p.Rule, p.Eta = 8, RuleHebbian, 0.05
	s := NewFrom(p, NewState(p), Border{N: p.N})
	grew := false
	for step := 1; step <= 300; step++ {
		before := append([]float32(nil), s.State.WIn...)
		s.Step()
		for k, w := range s.State.WIn {
			if w < before[k] {
				t.Fatalf("step %d: hebbian W_in[%d] fell %v → %v", step, k, before[k], w)
			}
			if w > p.WinMax {
				t.Fatalf("step %d: W_in[%d] = %v above win_max", step, k, w)
			}
			grew = grew || w > before[k]
		}
	}
	if !grew {
		t.Error("no weight grew in 300 steps: the test saw no spikes with input")
	}
}

// TestWInClip: W_in is clipped to [0, win_max], and both ends are reached
// exactly.
func TestWInClip(t *testing.T) {
	for _, rule := range []Rule{RuleSTDP, RuleHebbian} {
		t.Run(string(rule), func(t *testing.T) {
			p := stdpParams(rule)
			p.Eta, p.WinMax = 1, 1.5
			// Step 0: the centre fires with input everywhere (up to the
			// ceiling); its neighbours, silent with q = 1, see the lit
			// centre pixel (down to the floor under STDP).
			all := []int32{0, 1, 2, 3, 4, 5, 6, 7, 8}
			s := handSim(t, p, 100, frameSet(p.N, map[int64][]int32{0: all}))
			fillWIn(s.State, 1.4)
			for i := range s.State.Q {
				s.State.Q[i] = 1
			}
			s.State.Q[4] = 0
			for i := range s.State.WIn {
				if i/9 != 4 && s.State.WIn[i] != 0 {
					s.State.WIn[i] = 0.1
				}
			}
			s.State.V[4] = 1e6
			s.Step()
			for m := 0; m < 9; m++ {
				if w := s.State.WIn[4*9+m]; w != p.WinMax {
					t.Errorf("firing cell, slot %d: W_in = %v, want clipped to win_max = %v", m, w, p.WinMax)
				}
			}
			for k, w := range s.State.WIn {
				if w < 0 || w > p.WinMax || math.Float32bits(w) == 0x80000000 {
					t.Fatalf("W_in[%d] = %v outside [0, %v]", k, w, p.WinMax)
				}
				if rule == RuleSTDP && k/9 != 4 && k%9 == slot(PatchR, 1-k/9/3, 1-k/9%3) && w != 0 {
					t.Errorf("W_in[%d] (silent cell, lit centre, q = 1) = %v, want clipped to 0", k, w)
				}
			}
		})
	}
}

// --- Output learning: the delta rule ---------------------------------------

// TestDeltaRule: one step holding a miss, a false alarm and a hit. A miss
// raises the weights from spiking hidden cells by exactly η_out, a false
// alarm lowers them by η_out, and nothing changes where e = 0 or s = 0.
func TestDeltaRule(t *testing.T) {
	for _, layout := range []WOutLayout{Local, Dense} {
		t.Run(string(layout), func(t *testing.T) {
			p := quiet(5)
			p.OutLayout, p.ROut = layout, 1
			p.EtaOut, p.TauOut, p.WoutMax = 0.05, 1, 4
			const (
				hit  = 12 // (2,2): predicted and lit next frame
				fa   = 7  // (1,2): predicted, not lit
				miss = 0  // (0,0): lit, not predicted
			)
			s := handSim(t, p, 100, frameSet(p.N, map[int64][]int32{1: {hit, miss}}))
			spiking := []int{12, 6} // (2,2), (1,1)
			for _, j := range spiking {
				s.State.V[j] = 1e6
			}
			set := func(k, j int, w float32) {
				t.Helper()
				idx, ok := outIndex(p, k, j)
				if !ok {
					t.Fatalf("no weight %d→%d", j, k)
				}
				s.State.WOut[idx] = w
			}
			set(hit, 12, 2)
			set(hit, 6, 0.25)
			set(hit, 13, 3) // silent hidden cell: not summed, not changed
			set(fa, 12, 2)
			set(fa, 6, 0.5)
			set(fa, 8, -1) // silent
			set(miss, 6, 0.3)
			set(miss, 5, 0.7) // silent
			before := s.State.Clone()
			s.Step()
			st := s.State

			wantErr := map[int]int32{hit: 0, fa: -1, miss: 1}
			for k := range st.Err {
				e, want := st.Err[k], wantErr[k]
				if e != want {
					t.Errorf("e[%d] = %d, want %d", k, e, want)
				}
				wantHat := uint32(0)
				if k == hit || k == fa {
					wantHat = 1
				}
				if st.YHat[k] != wantHat {
					t.Errorf("ŷ[%d] = %d, want %d", k, st.YHat[k], wantHat)
				}
			}
			d := float32(p.EtaOut * 1)
			changed := map[int]float32{}
			for _, j := range spiking {
				if idx, ok := outIndex(p, fa, j); ok {
					changed[idx] = before.WOut[idx] - d
				}
				if idx, ok := outIndex(p, miss, j); ok {
					changed[idx] = before.WOut[idx] + d
				}
			}
			// Hidden cell 12 is outside the miss output's 3×3 window, so
			// the local layout changes 3 weights and the dense one 4.
			if wantChanged := map[WOutLayout]int{Local: 3, Dense: 4}[layout]; len(changed) != wantChanged {
				t.Fatalf("test expects %d weights to change, want %d", len(changed), wantChanged)
			}
			for idx, w := range st.WOut {
				want, ok := changed[idx]
				if !ok {
					want = before.WOut[idx]
				}
				if math.Float32bits(w) != math.Float32bits(want) {
					t.Errorf("W_out[%d] (output %d) = %v, want %v", idx, idx/p.OutWidth(), w, want)
				}
			}
			if idx, _ := outIndex(p, miss, 6); !(st.WOut[idx] > before.WOut[idx]) {
				t.Errorf("miss: W_out %v → %v, want a rise", before.WOut[idx], st.WOut[idx])
			}
			if idx, _ := outIndex(p, fa, 6); !(st.WOut[idx] < before.WOut[idx]) {
				t.Errorf("false alarm: W_out %v → %v, want a fall", before.WOut[idx], st.WOut[idx])
			}
			ring := st.Ring[:RingFields]
			if ring[RingTP] != 1 || ring[RingFP] != 1 || ring[RingFN] != 1 || ring[RingSpikes] != 2 {
				t.Errorf("ring slot 0 = %v, want TP 1, FP 1, FN 1, spikes 2", ring)
			}
		})
	}
}

// TestDeltaRuleFromZero: a miss on a zero weight leaves it at exactly
// η_out, a false alarm at exactly −η_out.
func TestDeltaRuleFromZero(t *testing.T) {
	p := quiet(3)
	p.ROut, p.EtaOut = 1, 0.05
	p.TauOut = -0.5 // u = 0 > τ_out: every output predicts
	// Hidden cell 4 spikes; pixel 4 is lit next frame (a hit, e = 0) and
	// every other output is a false alarm.
	s := handSim(t, p, 100, frameSet(p.N, map[int64][]int32{1: {4}}))
	s.State.V[4] = 1e6
	s.Step()
	for k := 0; k < 9; k++ {
		idx, _ := outIndex(p, k, 4)
		want := -p.EtaOut
		if k == 4 {
			want = 0
		}
		if s.State.WOut[idx] != want {
			t.Errorf("W_out[%d←4] = %v, want %v", k, s.State.WOut[idx], want)
		}
	}
	p.TauOut = 1 // u = 0 ≤ τ_out: nothing predicted, every lit pixel a miss
	s = handSim(t, p, 100, frameSet(p.N, map[int64][]int32{1: {0, 1, 2, 3, 4, 5, 6, 7, 8}}))
	s.State.V[4] = 1e6
	s.Step()
	for k := 0; k < 9; k++ {
		idx, _ := outIndex(p, k, 4)
		if s.State.WOut[idx] != p.EtaOut {
			t.Errorf("W_out[%d←4] = %v, want η_out = %v", k, s.State.WOut[idx], p.EtaOut)
		}
		if s.State.Err[k] != 1 {
			t.Errorf("e[%d] = %d, want +1", k, s.State.Err[k])
		}
	}
}

// TestDeltaRuleClip: W_out stays in [−wout_max, wout_max].
func TestDeltaRuleClip(t *testing.T) {
	p := quiet(3)
	p.ROut, p.EtaOut, p.WoutMax = 1, 0.05, 0.1
	idx, _ := outIndex(p, 4, 4)

	p.TauOut = 1 // a miss on 0.08 → 0.13 → 0.1
	s := handSim(t, p, 100, frameSet(p.N, map[int64][]int32{1: {4}}))
	s.State.V[4] = 1e6
	s.State.WOut[idx] = 0.08
	s.Step()
	if s.State.Err[4] != 1 || s.State.WOut[idx] != p.WoutMax {
		t.Errorf("miss: e = %d, W_out = %v, want +1 and clipped to %v", s.State.Err[4], s.State.WOut[idx], p.WoutMax)
	}

	p.TauOut = -1 // a false alarm on −0.08 → −0.13 → −0.1
	s = handSim(t, p, 100, dark{})
	s.State.V[4] = 1e6
	s.State.WOut[idx] = -0.08
	s.Step()
	if s.State.Err[4] != -1 || s.State.WOut[idx] != -p.WoutMax {
		t.Errorf("false alarm: e = %d, W_out = %v, want −1 and clipped to %v", s.State.Err[4], s.State.WOut[idx], -p.WoutMax)
	}
}

// TestOutputThreshold: ŷ = 1 only where u > τ_out, strictly.
func TestOutputThreshold(t *testing.T) {
	p := quiet(3)
	p.ROut, p.TauOut = 1, 1
	s := handSim(t, p, 100, dark{})
	s.Learn = false
	s.State.V[4] = 1e6
	at, _ := outIndex(p, 4, 4)
	above, _ := outIndex(p, 5, 4)
	s.State.WOut[at] = 1 // u = τ_out
	s.State.WOut[above] = math.Nextafter32(1, 2)
	s.Step()
	if s.State.YHat[4] != 0 || s.State.YHat[5] != 1 {
		t.Errorf("ŷ at u = τ_out: %d, want 0; just above: %d, want 1", s.State.YHat[4], s.State.YHat[5])
	}
}

// TestLearnOff: with Learn false no weight changes, while the rest of the
// step (spikes, predictions, homeostasis) goes on.
func TestLearnOff(t *testing.T) {
	for _, layout := range []WOutLayout{Local, Dense} {
		t.Run(string(layout), func(t *testing.T) {
			p := Defaults()
			p.N, p.OutLayout = 10, layout
			p.TauOut = 0.1 // one spiking cell with weight ≥ 0.3 predicts
			st := NewState(p)
			for i := range st.WOut {
				st.WOut[i] = float32(i%7)*0.3 - 0.9
			}
			s := NewFrom(p, st, Border{N: p.N})
			s.Learn = false
			before := st.Clone()
			spikes, predictions := 0, 0
			for range 200 {
				s.Step()
				for i := range s.State.S {
					spikes += int(s.State.S[i])
					predictions += int(s.State.YHat[i])
				}
			}
			for _, w := range []struct {
				name      string
				got, want []float32
			}{{"WIn", s.State.WIn, before.WIn}, {"WRec", s.State.WRec, before.WRec}, {"WOut", s.State.WOut, before.WOut}} {
				for k := range w.want {
					if math.Float32bits(w.got[k]) != math.Float32bits(w.want[k]) {
						t.Fatalf("Learn=false: %s[%d] changed %v → %v", w.name, k, w.want[k], w.got[k])
					}
				}
			}
			if spikes == 0 || predictions == 0 {
				t.Errorf("%d spikes, %d predictions in 200 steps: the test exercised no learning", spikes, predictions)
			}
			if s.State.Theta[0] == before.Theta[0] {
				t.Error("θ did not move: homeostasis must run with Learn=false")
			}
		})
	}
}

// --- The stimulus ----------------------------------------------------------

func TestBorderPath(t *testing.T) {
	type pos struct{ r, c int }
	hand := map[int][]pos{
		1: {{0, 0}},
		2: {{0, 0}, {0, 1}, {1, 1}, {1, 0}},
		3: {{0, 0}, {0, 1}, {0, 2}, {1, 2}, {2, 2}, {2, 1}, {2, 0}, {1, 0}},
	}
	for _, n := range []int{1, 2, 3, 5, 8} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			b := Border{N: n}
			period := int(b.Period())
			wantPeriod := 4 * (n - 1)
			if n == 1 {
				wantPeriod = 1
			}
			if period != wantPeriod {
				t.Fatalf("period %d, want %d", period, wantPeriod)
			}
			var path []pos
			for tt := 0; tt < period; tt++ {
				r, c := b.Pos(int64(tt))
				path = append(path, pos{r, c})
				sentinel := Rect{-7, -7, -7, -7}
				lit := b.Frame(int64(tt), []Rect{sentinel})
				if len(lit) != 2 || lit[0] != sentinel || lit[1] != Dot(r, c) {
					t.Fatalf("Frame(%d) = %v, want [%v %v] (appended)", tt, lit, sentinel, Dot(r, c))
				}
				for _, u := range []int64{int64(tt + period), int64(tt + 7*period), int64(tt - period)} {
					if r2, c2 := b.Pos(u); r2 != r || c2 != c {
						t.Fatalf("Pos(%d) = (%d,%d), want Pos(%d) = (%d,%d): not periodic", u, r2, c2, tt, r, c)
					}
				}
			}
			if want, ok := hand[n]; ok && fmt.Sprint(path) != fmt.Sprint(want) {
				t.Fatalf("path %v, want %v", path, want)
			}
			if path[0] != (pos{0, 0}) {
				t.Fatalf("starts at %v, want (0,0)", path[0])
			}
			if n == 1 {
				return
			}
			seen := map[pos]int{}
			area := 0 // shoelace, x = column, y = row (down)
			for tt, p := range path {
				onBorder := p.r == 0 || p.c == 0 || p.r == n-1 || p.c == n-1
				if !onBorder || p.r < 0 || p.c < 0 || p.r >= n || p.c >= n {
					t.Fatalf("t=%d: %v is not a border cell", tt, p)
				}
				seen[p]++
				q := path[(tt+1)%period]
				if d := abs(q.r-p.r) + abs(q.c-p.c); d != 1 {
					t.Fatalf("t=%d→%d: %v → %v is not a 4-neighbour step", tt, tt+1, p, q)
				}
				area += p.c*q.r - q.c*p.r
				// Consecutive moves never turn left (screen coordinates).
				o := path[(tt+2)%period]
				if cross := (q.c-p.c)*(o.r-q.r) - (q.r-p.r)*(o.c-q.c); cross < 0 {
					t.Fatalf("t=%d: %v → %v → %v turns anticlockwise", tt, p, q, o)
				}
			}
			if len(seen) != wantPeriod {
				t.Fatalf("lap visits %d distinct cells, want all %d border cells", len(seen), wantPeriod)
			}
			for p, k := range seen {
				if k != 1 {
					t.Fatalf("%v visited %d times a lap", p, k)
				}
			}
			if want := 2 * (n - 1) * (n - 1); area != want {
				t.Fatalf("twice the signed area %d, want +%d (clockwise on screen)", area, want)
			}
		})
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// --- The random numbers ----------------------------------------------------

// pcgSpec is PCG-RXS-M-XS as the JCGT paper writes it, in 64-bit
// arithmetic truncated to 32 bits, to check the uint32 version.
func pcgSpec(v uint32) uint32 {
	const mask = 1<<32 - 1
	state := (uint64(v)*747796405 + 2891336453) & mask
	word := (((state >> ((state >> 28) + 4)) ^ state) * 277803737) & mask
	return uint32((word >> 22) ^ word)
}

func TestPCG(t *testing.T) {
	// Regression values, computed once from this implementation (and
	// matching pcgSpec); the GLSL in shaders/common.glsl must give the same.
	for _, c := range []struct{ in, out uint32 }{
		{0, 0x07bb2fe2}, {1, 0xa8beea3c}, {2, 0x7a7ecc88}, {42, 0x48f432ff}, {0xffffffff, 0xe62a4902},
	} {
		if got := PCG(c.in); got != c.out {
			t.Errorf("PCG(%#x) = %#08x, want %#08x", c.in, got, c.out)
		}
	}
	for _, c := range []struct{ seed, stream, step, index, out uint32 }{
		{1, 3, 0, 0, 0x697c50b7}, {1, 1, 0, 5, 0xf3f551e7}, {7, 2, 100, 12345, 0xa5883456},
	} {
		if got := Hash(c.seed, c.stream, c.step, c.index); got != c.out {
			t.Errorf("Hash(%d,%d,%d,%d) = %#08x, want %#08x", c.seed, c.stream, c.step, c.index, got, c.out)
		}
		want := PCG(c.seed + PCG(c.stream+PCG(c.step+PCG(c.index))))
		if got := Hash(c.seed, c.stream, c.step, c.index); got != want {
			t.Errorf("Hash(%d,%d,%d,%d) = %#08x, want the nested PCG %#08x", c.seed, c.stream, c.step, c.index, got, want)
		}
	}
	for _, c := range []struct {
		step, index uint32
		bits        uint32
	}{{0, 0, 0xbef04496}, {17, 99, 0xbcee5f9d}} { // since the two-hash NormalKeyed
		if got := Normal(1, StreamNoise, c.step, c.index); math.Float32bits(got) != c.bits {
			t.Errorf("Normal(1, noise, %d, %d) = %v (%#08x), want %v", c.step, c.index, got, math.Float32bits(got), math.Float32frombits(c.bits))
		}
	}
	v := uint32(12345)
	for range 100000 {
		if got, want := PCG(v), pcgSpec(v); got != want {
			t.Fatalf("PCG(%#x) = %#08x, want %#08x (64-bit spec)", v, got, want)
		}
		v = v*1664525 + 1013904223
	}
}

func TestUniform(t *testing.T) {
	const ulp = 1.0 / (1 << 24)
	if u := Uniform(0); u != 0 {
		t.Errorf("Uniform(0) = %v, want 0", u)
	}
	if u := Uniform(0xffffffff); u != 1-ulp {
		t.Errorf("Uniform(max) = %v, want 1 − 2⁻²⁴", u)
	}
	if u := Uniform(0x100); u != ulp {
		t.Errorf("Uniform(0x100) = %v, want 2⁻²⁴", u)
	}
	var sum float64
	const count = 100000
	for i := range uint32(count) {
		u := Uniform(Hash(1, StreamWIn, 0, i))
		if !(u >= 0 && u < 1) {
			t.Fatalf("Uniform = %v outside [0, 1)", u)
		}
		if k := float64(u) / ulp; k != math.Trunc(k) {
			t.Fatalf("Uniform = %v is not a multiple of 2⁻²⁴", u)
		}
		sum += float64(u)
	}
	if mean := sum / count; math.Abs(mean-0.5) > 0.005 {
		t.Errorf("mean of %d uniforms %v, want ≈ 0.5", count, mean)
	}
}

func TestNormal(t *testing.T) {
	const count = 100000
	var sum, sq float64
	bound := float64(2 * Sqrt3)
	for i := range uint32(count) {
		x := float64(Normal(1, StreamNoise, i/1000, i%1000))
		if math.Abs(x) > bound {
			t.Fatalf("Normal = %v beyond ±2√3", x)
		}
		sum += x
		sq += x * x
	}
	mean := sum / count
	variance := sq/count - mean*mean
	// Standard errors: 1/√N ≈ 0.003 for the mean, ≈ 0.004 for the variance.
	if math.Abs(mean) > 0.015 {
		t.Errorf("mean %v, want ≈ 0", mean)
	}
	if math.Abs(variance-1) > 0.02 {
		t.Errorf("variance %v, want ≈ 1", variance)
	}
}

// --- Measures --------------------------------------------------------------

// ring builds a ring whose listed slots hold the given counts.
func ring(slots map[int][RingFields]uint32) []uint32 {
	r := make([]uint32, Window*RingFields)
	for s, c := range slots {
		copy(r[s*RingFields:], c[:])
	}
	return r
}

func TestMeasuresOf(t *testing.T) {
	for _, c := range []struct {
		name          string
		ring          []uint32
		t             int64
		n             int
		steps         int
		tp, fp, fn    uint64
		prec, rec, f1 float64
		rate          float64
	}{
		{"3tp-1fp-2fn", ring(map[int][RingFields]uint32{0: {1, 1, 0, 4}, 50: {2, 0, 1, 0}, 99: {0, 0, 1, 4}}), 250, 2,
			100, 3, 1, 2, 3.0 / 4, 3.0 / 5, 6.0 / 9, 8.0 / (100 * 4)},
		{"empty", ring(nil), 1000, 4, 100, 0, 0, 0, 0, 0, 0, 0},
		{"start", ring(nil), 0, 4, 0, 0, 0, 0, 0, 0, 0, 0},
		{"only-fp", ring(map[int][RingFields]uint32{3: {0, 2, 0, 0}}), 100, 4, 100, 0, 2, 0, 0, 0, 0, 0},
		{"only-fn", ring(map[int][RingFields]uint32{3: {0, 0, 5, 0}}), 100, 4, 100, 0, 0, 5, 0, 0, 0, 0},
		{"perfect", ring(map[int][RingFields]uint32{0: {7, 0, 0, 0}}), 100, 4, 100, 7, 0, 0, 1, 1, 1, 0},
		{"short-window", ring(map[int][RingFields]uint32{0: {1, 0, 0, 9}, 9: {1, 0, 0, 9}}), 10, 3,
			10, 2, 0, 0, 1, 1, 1, 18.0 / (10 * 9)},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := MeasuresOf(c.ring, c.t, c.n*c.n)
			want := Measures{Steps: c.steps, TP: c.tp, FP: c.fp, FN: c.fn, Precision: c.prec, Recall: c.rec, F1: c.f1, HiddenRate: c.rate}
			if m != want {
				t.Errorf("MeasuresOf = %+v, want %+v", m, want)
			}
		})
	}
}

// TestRingMatchesState: every step's ring slot holds the counts of that
// step's ŷ, y and s, and Measures sums the last Window of them.
func TestRingMatchesState(t *testing.T) {
	p := Defaults()
	p.N = 12
	s := NewFrom(p, NewState(p), Border{N: p.N})
	var hist [][RingFields]uint32
	for range 260 {
		s.Step()
		st := s.State
		var c [RingFields]uint32
		for k := range st.YHat {
			c[RingTP] += st.YHat[k] * st.Y[k]
			c[RingFP] += st.YHat[k] * (1 - st.Y[k])
			c[RingFN] += (1 - st.YHat[k]) * st.Y[k]
			c[RingSpikes] += st.S[k]
			if st.Err[k] != int32(st.Y[k])-int32(st.YHat[k]) {
				t.Fatalf("t=%d: e[%d] = %d, want y − ŷ = %d", st.T, k, st.Err[k], int32(st.Y[k])-int32(st.YHat[k]))
			}
		}
		slot := int((st.T - 1) % Window)
		if got := [RingFields]uint32(st.Ring[slot*RingFields:]); got != c {
			t.Fatalf("t=%d: ring slot %d = %v, want %v", st.T, slot, got, c)
		}
		hist = append(hist, c)
		var want [RingFields]uint64
		from := max(0, len(hist)-Window)
		for _, h := range hist[from:] {
			for f := range want {
				want[f] += uint64(h[f])
			}
		}
		m := s.Measures()
		if m.Steps != len(hist)-from || m.TP != want[RingTP] || m.FP != want[RingFP] || m.FN != want[RingFN] {
			t.Fatalf("t=%d: measures %+v, want %d steps, TP %d, FP %d, FN %d", st.T, m, len(hist)-from, want[RingTP], want[RingFP], want[RingFN])
		}
		if rate := float64(want[RingSpikes]) / float64(m.Steps*p.N*p.N); m.HiddenRate != rate {
			t.Fatalf("t=%d: hidden rate %v, want %v", st.T, m.HiddenRate, rate)
		}
	}
}

// --- Parameters ------------------------------------------------------------

func TestValidate(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	floats := []struct {
		flag string
		set  func(*Params, float32)
		bad  []float32 // out of range
	}{
		{"rho", func(p *Params, v float32) { p.Rho = v }, []float32{-0.01, 1.01}},
		{"bias", func(p *Params, v float32) { p.Bias = v }, []float32{-11, 11}},
		{"sigma_noise", func(p *Params, v float32) { p.SigmaNoise = v }, []float32{-0.001, 11}},
		{"target_rate", func(p *Params, v float32) { p.TargetRate = v }, []float32{-0.1, 1.1}},
		{"tau_out", func(p *Params, v float32) { p.TauOut = v }, []float32{-101, 101}},
		{"a_plus", func(p *Params, v float32) { p.APlus = v }, []float32{-1, 101}},
		{"a_minus", func(p *Params, v float32) { p.AMinus = v }, []float32{-1, 101}},
		{"lambda_pre", func(p *Params, v float32) { p.LambdaPre = v }, []float32{-0.1, 1.1}},
		{"lambda_post", func(p *Params, v float32) { p.LambdaPost = v }, []float32{-0.1, 1.1}},
		{"eta", func(p *Params, v float32) { p.Eta = v }, []float32{-0.01, 11}},
		{"eta_out", func(p *Params, v float32) { p.EtaOut = v }, []float32{-0.01, 11}},
		{"eta_theta", func(p *Params, v float32) { p.EtaTheta = v }, []float32{-0.01, 11}},
		{"theta0", func(p *Params, v float32) { p.Theta0 = v }, []float32{0.04, -1, 1001}}, // below theta_min = 0.05
		{"theta_min", func(p *Params, v float32) { p.ThetaMin = v }, []float32{-0.01, 1001}},
		{"win0", func(p *Params, v float32) { p.Win0 = v }, []float32{-0.1, 1.6}}, // above win_max = 1.5
		{"win_max", func(p *Params, v float32) { p.WinMax = v }, []float32{-1, 101}},
		{"wout_max", func(p *Params, v float32) { p.WoutMax = v }, []float32{-1, 1001}},
		{"wrec0", func(p *Params, v float32) { p.Wrec0 = v }, []float32{-0.01, 11}},
		{"lambda_elig", func(p *Params, v float32) { p.LambdaElig = v }, []float32{-0.1, 1.5}},
		{"eta_rec", func(p *Params, v float32) { p.EtaRec = v }, []float32{-1, 11}},
		{"wrec_max", func(p *Params, v float32) { p.WrecMax = v }, []float32{-1, 11}},
		{"rho2", func(p *Params, v float32) { p.Rho2 = v }, []float32{-0.1, 1.5}},
		{"threshold", func(p *Params, v float32) { p.Threshold = v }, []float32{-0.01, 1.01}},
		{"events", func(p *Params, v float32) { p.Events = v }, []float32{-0.1, 101}},
	}
	check := func(t *testing.T, p Params, flag, what string) {
		t.Helper()
		err := p.Validate()
		var re *RangeError
		if !errors.As(err, &re) {
			t.Errorf("-%s %s: Validate = %v, want a *RangeError", flag, what, err)
			return
		}
		if re.Flag != flag {
			t.Errorf("-%s %s: error names -%s (%v)", flag, what, re.Flag, err)
		}
		if !strings.HasPrefix(err.Error(), "invalid -"+flag+" ") {
			t.Errorf("-%s %s: message %q", flag, what, err)
		}
	}
	for _, f := range floats {
		for _, v := range append([]float32{nan, inf, -inf}, f.bad...) {
			p := Defaults()
			f.set(&p, v)
			check(t, p, f.flag, fmt.Sprint(v))
		}
	}
	ints := []struct {
		flag string
		set  func(*Params)
	}{
		{"n", func(p *Params) { p.N = 0 }},
		{"n", func(p *Params) { p.N = MaxN + 1 }},
		{"rout", func(p *Params) { p.ROut = -1 }},
		{"rout", func(p *Params) { p.ROut = MaxR + 1 }},
		{"rrec", func(p *Params) { p.RRec = -1 }},
		{"rrec", func(p *Params) { p.RRec = MaxR + 1 }},
		{"rule", func(p *Params) { p.Rule = "oja" }},
		{"wout", func(p *Params) { p.OutLayout = "sparse" }},
	}
	for _, c := range ints {
		p := Defaults()
		c.set(&p)
		check(t, p, c.flag, "(out of range)")
	}
	// Boundary values are accepted.
	for _, set := range []func(*Params){
		func(p *Params) { p.Rho = 1 }, func(p *Params) { p.Rho = 0 },
		func(p *Params) { p.Theta0 = p.ThetaMin }, func(p *Params) { p.Win0 = p.WinMax },
		func(p *Params) { p.N = 1 }, func(p *Params) { p.RRec, p.ROut = 0, 0 },
		func(p *Params) { p.OutLayout, p.N = Dense, 128 }, // exactly 1 GiB
	} {
		p := Defaults()
		set(&p)
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

func TestValidateDenseTooBig(t *testing.T) {
	p := Defaults()
	p.N, p.OutLayout = 200, Dense
	err := p.Validate()
	var re *RangeError
	if !errors.As(err, &re) || re.Flag != "wout" {
		t.Fatalf("dense at n=200: Validate = %v, want a -wout *RangeError", err)
	}
	const bytes = 4 * 200 * 200 * 200 * 200 // 6,400,000,000
	if DenseBytes(200) != bytes {
		t.Errorf("DenseBytes(200) = %d, want %d", DenseBytes(200), int64(bytes))
	}
	if !strings.Contains(err.Error(), fmt.Sprint(int64(bytes))) || !strings.Contains(err.Error(), "GiB") {
		t.Errorf("message %q does not give the bytes", err)
	}
	p.OutLayout = Local
	if err := p.Validate(); err != nil {
		t.Errorf("local at n=200: %v", err)
	}
}

// --- Determinism -----------------------------------------------------------

// TestWorkersDeterministic: splitting the rows across goroutines does not
// change a bit of the result.
func TestWorkersDeterministic(t *testing.T) {
	for _, c := range []struct {
		rule   Rule
		layout WOutLayout
	}{{RuleSTDP, Local}, {RuleHebbian, Local}, {RuleSTDP, Dense}} {
		t.Run(fmt.Sprintf("%s/%s", c.rule, c.layout), func(t *testing.T) {
			p := Defaults()
			p.N, p.Rule, p.OutLayout = 37, c.rule, c.layout
			var want *State
			for _, w := range []int{1, 2, 3, 7} {
				s := NewFrom(p, NewState(p), Border{N: p.N})
				s.SetWorkers(w)
				for range 300 {
					s.Step()
				}
				if want == nil {
					want = s.State
					learned := false
					for _, w := range want.WOut {
						learned = learned || w != 0
					}
					if m := s.Measures(); m.HiddenRate == 0 || !learned {
						t.Fatalf("no activity in 300 steps (%+v, W_out learned: %v): the comparison would be empty", m, learned)
					}
					continue
				}
				if d := diffState(s.State, want); d != "" {
					t.Fatalf("%d workers differ from 1 after 300 steps: %s", w, d)
				}
			}
		})
	}
}
