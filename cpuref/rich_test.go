package cpuref

// Tests of several cells a pixel, the ladders, the competition, the
// direct path and the output bias, each against values computed by hand
// in the model's float32 roundings.

import (
	"testing"
)

// TestCompete checks the competition's verdicts by hand: ranks by margin
// (kwta) or threshold (level), ties to the lower plane, w winners.
func TestCompete(t *testing.T) {
	for _, c := range []struct {
		name    string
		compete Compete
		w       int
		vhat    []float32
		theta   []float32
		cand    []uint32
		want    []uint32
	}{
		{"none", CompeteNone, 1, []float32{2, 3, 0}, []float32{1, 1, 1}, []uint32{1, 1, 0}, []uint32{1, 1, 0}},
		// Margins 1, 2, 0.5: the largest wins.
		{"kwta/w1", CompeteKWTA, 1, []float32{2, 3, 1.5}, []float32{1, 1, 1}, []uint32{1, 1, 1}, []uint32{0, 1, 0}},
		{"kwta/w2", CompeteKWTA, 2, []float32{2, 3, 1.5}, []float32{1, 1, 1}, []uint32{1, 1, 1}, []uint32{1, 1, 0}},
		// A non-candidate with the largest margin does not count.
		{"kwta/non-candidate", CompeteKWTA, 1, []float32{2, 9, 1.5}, []float32{1, 10, 1}, []uint32{1, 0, 1}, []uint32{1, 0, 0}},
		// Equal margins (2 − 1 = 3 − 2): the lower plane wins.
		{"kwta/tie", CompeteKWTA, 1, []float32{0, 2, 3}, []float32{1, 1, 2}, []uint32{0, 1, 1}, []uint32{0, 1, 0}},
		{"kwta/all-tie/w2", CompeteKWTA, 2, []float32{2, 2, 2, 2}, []float32{1, 1, 1, 1}, []uint32{1, 1, 1, 1}, []uint32{1, 1, 0, 0}},
		// level: the highest crossing threshold wins, whatever the margin.
		{"level/w1", CompeteLevel, 1, []float32{5, 5, 5}, []float32{1, 3, 2}, []uint32{1, 1, 1}, []uint32{0, 1, 0}},
		{"level/w2", CompeteLevel, 2, []float32{5, 5, 5}, []float32{1, 3, 2}, []uint32{1, 1, 1}, []uint32{0, 1, 1}},
		{"level/tie", CompeteLevel, 1, []float32{5, 5, 5}, []float32{2, 1, 2}, []uint32{1, 1, 1}, []uint32{1, 0, 0}},
		{"level/none-cross", CompeteLevel, 1, []float32{0, 0}, []float32{1, 1}, []uint32{0, 0}, []uint32{0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := Defaults()
			p.Compete, p.Winners = c.compete, c.w
			got := make([]uint32, len(c.cand))
			compete(&p, c.vhat, c.theta, c.cand, got)
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("spikes %v, want %v", got, c.want)
				}
			}
		})
	}
}

// TestLadders checks the ladders' and annealing's values in the model's
// float32 roundings.
func TestLadders(t *testing.T) {
	p := Defaults()
	p.TargetRate, p.DRate, p.Theta0, p.DTheta, p.EtaTheta, p.Anneal = 0.02, 0.06, 1, 0.5, 0.01, 2000
	r, d := float32(0.02), float32(0.06)
	if got, want := p.TargetRateOf(3), r+float32(d*3); got != want {
		t.Errorf("TargetRateOf(3) = %v, want %v", got, want)
	}
	if got := p.TargetRateOf(0); got != r {
		t.Errorf("TargetRateOf(0) = %v, want %v", got, r)
	}
	if got := p.InitialTheta(3); got != 2.5 {
		t.Errorf("InitialTheta(3) = %v, want 2.5", got)
	}
	eta := float32(0.01)
	for _, c := range []struct {
		t    int64
		want float32
	}{
		{0, eta},
		{2000, float32(eta * 0.5)}, // 2000/4000 is exact
		{6000, float32(eta * 0.25)},
		{1000, float32(eta * float32(float32(2000)/float32(3000)))},
	} {
		if got := p.EtaThetaAt(c.t); got != c.want {
			t.Errorf("EtaThetaAt(%d) = %v, want %v", c.t, got, c.want)
		}
	}
	p.Anneal = 0
	if got := p.EtaThetaAt(123456); got != eta {
		t.Errorf("EtaThetaAt without annealing = %v, want η_θ %v", got, eta)
	}
}

// TestNewStateK checks the initial state of K = 2 cells a pixel: the
// threshold ladder, and W_in, W_rec and W12 drawn at their indices.
func TestNewStateK(t *testing.T) {
	p := Defaults()
	p.N, p.K, p.DTheta, p.Horizon = 3, 2, 0.25, 2
	st := NewState(p)
	plane := 9
	for ci, th := range st.Theta {
		if want := p.InitialTheta(ci / plane); th != want {
			t.Fatalf("θ[%d] = %v, want %v", ci, th, want)
		}
	}
	// Cell c = 1 of the centre pixel i = 4: ci = 13.
	ci := 13
	for m := 0; m < 9; m++ {
		w := ci*9 + m
		if want := p.Win0 * Uniform(Hash(p.Seed, StreamWIn, 0, uint32(w))); st.WIn[w] != want {
			t.Errorf("W_in[%d] = %v, want %v", w, st.WIn[w], want)
		}
		// W12 of second-layer cell 4 over plane 1.
		w12 := (4*2+1)*9 + m
		if want := p.Win0 * Uniform(Hash(p.Seed, StreamW12, 0, uint32(w12))); st.W12[w12] != want {
			t.Errorf("W12[%d] = %v, want %v", w12, st.W12[w12], want)
		}
	}
	nrec := Slots(p.RRec)
	for c2 := 0; c2 < 2; c2++ {
		for m := 0; m < nrec; m++ {
			w := (ci*2+c2)*nrec + m
			want := p.Wrec0 * (2*Uniform(Hash(p.Seed, StreamWRec, 0, uint32(w))) - 1)
			if m == nrec/2 {
				want = 0 // the centre, for every plane
			}
			if st.WRec[w] != want {
				t.Errorf("W_rec[%d] (plane %d, slot %d) = %v, want %v", w, c2, m, st.WRec[w], want)
			}
		}
	}
	// Corner pixel 0's cell on plane 1 (ci = 9): off-grid slots stay 0.
	if st.WIn[9*9+0] != 0 || st.WRec[(9*2+1)*nrec+0] != 0 {
		t.Errorf("off-grid weights of a corner cell are not 0")
	}
}

// TestDefaultBuffers: at the defaults the state holds exactly the buffers
// and lengths of one cell a pixel, so a default checkpoint is unchanged.
func TestDefaultBuffers(t *testing.T) {
	p := Defaults()
	c := int64(p.N * p.N)
	want := map[string]int64{
		"X": c, "Y": c, "P": c, "V": c, "Theta": c, "Q": c, "S": c, "YHat": c, "Err": c,
		"WIn": 9 * c, "WRec": int64(Slots(p.RRec)) * c, "WOut": int64(Slots(p.ROut)) * c,
		"Ring": Window * RingFields,
	}
	got := map[string]int64{}
	for _, b := range Buffers() {
		if l := b.Len(p); l != 0 {
			got[b.Name] = l
		}
	}
	if len(got) != len(want) {
		t.Errorf("nonempty buffers %v, want %v", got, want)
	}
	for name, l := range want {
		if got[name] != l {
			t.Errorf("%s: %d elements, want %d", name, got[name], l)
		}
	}
}

// bits is a frame source of hand-set frames: frame t lights the pixels
// at[t].
type bits struct {
	n  int
	at map[int64][]int
}

func (b bits) Frame(_ int64, dst []Rect) []Rect { return dst }

func (b bits) FrameBits(t int64, dst []uint32) error {
	clear(dst)
	for _, i := range b.at[t] {
		row, col := i/b.n, i%b.n
		dst[row*PlainStride(b.n)+col/32] |= 1 << (col % 32)
	}
	return nil
}

// TestDirectPathAndBias is one step of a 2×2 network with K = 2 cells a
// pixel, read at radius 0, and the direct path over X(t) and X(t−1) at
// radius 1 (every pixel in every window), with a learned bias. Only cell
// (c = 1, pixel 0) spikes. Output 0 sums W_out of that cell, W_direct of
// pixel 0 now (its centre) and of pixel 3 one step ago (slot 8), and β₀:
// 0.25 + 0.5 + 0.125 + 0.0625 = 0.9375 < τ_out = 1, a miss, so all four
// move by η_out (β by η_β). Output 3 sums 0.75 + 0.5 > 1, a hit: nothing
// moves.
func TestDirectPathAndBias(t *testing.T) {
	p := quiet(2)
	p.K, p.ROut, p.Direct, p.RDirect, p.EtaBias, p.Rho = 2, 0, 2, 1, 0.5, 0
	p.Eta = 0 // W_in stays as set
	src := bits{2, map[int64][]int{0: {0}, 1: {0, 3}}}
	s := handSim(t, p, 1, src)
	st := s.State
	st.WIn[(1*4+0)*9+4] = 2 // cell (1, 0)'s centre: v̂ = 2 ≥ θ = 1
	st.X[3] = 1             // the frame before: pixel 3
	st.WOut[(0*2+1)*1+0] = 0.25
	st.WDirect[(0*2+0)*9+4] = 0.5   // output 0, X(t), pixel 0 (centre)
	st.WDirect[(0*2+1)*9+8] = 0.125 // output 0, X(t−1), pixel 3 (slot 8)
	st.Bias[0] = 0.0625
	st.WDirect[(3*2+0)*9+0] = 0.75 // output 3, X(t), pixel 0 (slot 0)
	st.WDirect[(3*2+1)*9+4] = 0.5  // output 3, X(t−1), pixel 3 (centre)
	s.Step()

	if st.S[1*4+0] != 1 || sum(st.S) != 1 {
		t.Fatalf("spikes %v, want only cell (1, 0)", st.S)
	}
	if st.XPrev[3] != 1 || st.XPrev[0] != 0 || st.X[0] != 1 || st.X[3] != 0 {
		t.Fatalf("X %v, XPrev %v: want X(t) = {0}, X(t−1) = {3}", st.X, st.XPrev)
	}
	if want := []uint32{0, 0, 0, 1}; !equalU(st.YHat, want) {
		t.Fatalf("ŷ %v, want %v", st.YHat, want)
	}
	d := float32(p.EtaOut * 1)
	for _, c := range []struct {
		name      string
		got, want float32
	}{
		{"W_out (0, c=1)", st.WOut[1], 0.25 + d},
		{"W_direct (0, X(t), centre)", st.WDirect[4], 0.5 + d},
		{"W_direct (0, X(t−1), slot 8)", st.WDirect[9+8], 0.125 + d},
		{"β₀", st.Bias[0], 0.0625 + 0.5},
		{"W_direct (3, X(t), slot 0)", st.WDirect[54], 0.75},
		{"W_direct (3, X(t−1), centre)", st.WDirect[63+4], 0.5},
		{"β₃", st.Bias[3], 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// Output 1 and 2 had nothing to predict and predicted nothing; the
	// untouched weights of output 0 (pixel 1's X(t), plane 0's W_out) stay 0.
	if st.WDirect[3] != 0 || st.WOut[0] != 0 {
		t.Errorf("a weight whose input was 0 moved")
	}
}

// TestCompetitionStep is one step of one pixel with K = 3 cells under
// kwta, w = 1: drives 2, 3 and 1.5 against thresholds of 1 all cross; the
// margin 2 of cell 1 wins. The losers keep v̂; each threshold moves by
// η_θ(t)·(s − r*_c) with its own target rate.
func TestCompetitionStep(t *testing.T) {
	p := quiet(1)
	p.K, p.Compete, p.Winners, p.Rho, p.Eta = 3, CompeteKWTA, 1, 0, 0
	p.EtaTheta, p.TargetRate, p.DRate, p.Anneal = 0.01, 0.1, 0.2, 10
	s := handSim(t, p, 1, bits{1, map[int64][]int{10: {0}}})
	st := s.State
	st.T = 10 // η_θ(10) = 0.01·10/20
	for c, w := range []float32{2, 3, 1.5} {
		st.WIn[c*9+4] = w
	}
	s.Step()
	eta := p.EtaThetaAt(10)
	for c, want := range []struct {
		s uint32
		v float32
	}{{0, 2}, {1, 0}, {0, 1.5}} {
		th := max(1+float32(eta*(float32(want.s)-p.TargetRateOf(c))), p.ThetaMin)
		if st.S[c] != want.s || st.V[c] != want.v || st.Theta[c] != th {
			t.Errorf("cell %d: s %d, v %v, θ %v; want %d, %v, %v", c, st.S[c], st.V[c], st.Theta[c], want.s, want.v, th)
		}
	}
	if got := st.Ring[10*RingFields+RingSpikes]; got != 1 {
		t.Errorf("ring spike count %d, want 1", got)
	}
	// Steps 0–9 never ran (their slots are 0): one spike in 11 steps of
	// K·n² = 3 cells.
	if m := s.Measures(); m.HiddenRate != 1.0/(11*3) {
		t.Errorf("hidden rate %v, want 1/33", m.HiddenRate)
	}
}

// TestPresets: every preset names real parameters with values they take,
// the result validates, and flags given after it override it.
func TestPresets(t *testing.T) {
	for _, name := range PresetNames() {
		p := Defaults()
		if err := ApplyPreset(&p, name); err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
	p := Defaults()
	if err := ApplyPreset(&p, "rich"); err != nil {
		t.Fatal(err)
	}
	if p.K != 8 || p.Rho != 0 || p.Direct != 2 || p.EtaBias != 0.05 || p.Anneal != 2000 || p.Rule != RuleHebbian || p.ROut != 0 {
		t.Errorf("rich preset gave %+v", p)
	}
	if p.EtaOut != Defaults().EtaOut || p.Compete != CompeteNone {
		t.Errorf("rich preset changed a parameter it does not name")
	}
	if err := ApplyPreset(&p, "nope"); err == nil {
		t.Errorf("an unknown preset was accepted")
	}
}

// TestValidateRich checks the constraints that join the new parameters.
func TestValidateRich(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(p *Params)
		flag string // "" when valid
	}{
		{"winners>k/kwta", func(p *Params) { p.K, p.Compete, p.Winners = 2, CompeteKWTA, 3 }, "winners"},
		{"winners>k/none", func(p *Params) { p.K, p.Winners = 2, 3 }, ""},
		{"ladder-top", func(p *Params) { p.K, p.TargetRate, p.DRate = 8, 0.5, 0.1 }, "drate"},
		{"ladder-fits", func(p *Params) { p.K, p.TargetRate, p.DRate = 8, 0.02, 0.06 }, ""},
		{"k17", func(p *Params) { p.K = 17 }, "k"},
		{"direct3", func(p *Params) { p.Direct = 3 }, "direct"},
		{"dense-k", func(p *Params) { p.N, p.K, p.OutLayout = 128, 2, Dense }, "wout"},
		{"dense-k-fits", func(p *Params) { p.N, p.K, p.OutLayout = 64, 4, Dense }, ""},
		{"compete-bad", func(p *Params) { p.Compete = "max" }, "compete"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := Defaults()
			c.set(&p)
			err := p.Validate()
			if c.flag == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			re, ok := err.(*RangeError)
			if !ok || re.Flag != c.flag {
				t.Fatalf("error %v, want one for -%s", err, c.flag)
			}
		})
	}
}

func sum(v []uint32) (s uint32) {
	for _, x := range v {
		s += x
	}
	return s
}

func equalU(a, b []uint32) bool {
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
