// Package cpufast is an activity-driven CPU backend: the model of
// docs/MODEL.md, bit for bit the same as package cpuref, doing work in
// proportion to what happens in a step rather than to the size of every
// window of every cell.
//
// A step has two kinds of work. The dense part (noise, leak, threshold,
// homeostasis, the decay of the traces p and q) touches every cell and runs
// in one fused loop over flat arrays, split across goroutines by bands of
// rows. The sparse part (the weighted sums of integrate and output, and
// learning) is driven from the few sources that are 1 — lit pixels and
// spikes — by scattering each source's weights into its targets in
// ascending source order, which is the reference's ascending slot order;
// cells that no source reaches are handled in closed form, because every
// term the reference would add or apply for them is exactly +0.
// docs/CPUFAST.md gives the argument for each skip.
package cpufast

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	"github.com/spikecast/spikecast/cpuref"
)

// Sim is the activity-driven simulator. Its state is a cpuref.State,
// complete and in the reference's layout after every step; the private
// lists beside it (lit pixels, spikes, nonzero outputs) are derived from
// it and rebuilt by Load.
type Sim struct {
	p    cpuref.Params
	st   *cpuref.State
	stim cpuref.Stimulus
	n    int

	learn   bool
	workers int
	// fullLearn makes the next learning step visit every cell, as the
	// reference does; it is set by Load, so that weights loaded outside
	// their clip range (or as −0) are clamped exactly as the reference
	// would clamp them, after which skipping a +0 change is exact.
	fullLearn bool

	sNext   []uint32 // s(t) being written while State.S holds s(t−1); all 0 at a step's start
	litNow  []cpuref.Rect
	litNext []cpuref.Rect
	// With a cpuref.FrameSource (src set), frames t and t+k as plain bit
	// sets, read before anything of the step changes, as cpuref reads them.
	src               cpuref.FrameSource
	bitsNow, bitsNext []uint32

	xOn, yOn   []int32 // the lit cells of X and Y, ascending, no repeats
	spikes     []int32 // s(t), ascending (after integrate)
	spikesPrev []int32 // s(t−1), ascending: the ones of State.S
	spikes2    []int32 // s₂(t): the ones of State.S2
	errDirty   []int32 // cells whose YHat or Err may be nonzero (sparse output)

	// Scatter accumulators, +0 outside a step: the sums in and rec of
	// integrate, in₂ of integrate2, u of output.
	inAcc, recAcc, in2Acc, uAcc []float32
	qSave, q2Save               []float32 // q, q₂ before this step's update, at the cells learning visits

	act   bitgrid // cells with a nonzero term in integrate's sums
	act2  bitgrid // cells with a nonzero term in integrate2's sum
	omark bitgrid // output cells with a spike in their window
	lmark bitgrid // hidden cells whose W_in can change this step

	// The traces whose next decay can change them: p, q, q₂.
	pLive, qLive, q2Live liveSet

	// hashes[i] holds PCG(2i) in its low and PCG(2i+1) in its high 32 bits:
	// the step-independent half of NormalKeyed's hashes (one stream, not
	// two, so the dense loop keeps its pointers in registers).
	hashes []uint64

	bands []band
}

// band is one worker's scratch for a pass over its rows.
type band struct {
	spikes []int32
	counts [cpuref.RingFields]uint32
	dirty  []int32
	_      [64]byte // keep workers' counters off each other's cache lines
}

// New returns a simulator for p that continues from a copy of st, driven by
// stim, with learning on and one worker per CPU. It fails when p is
// invalid or st does not fit p (see Load).
func New(p cpuref.Params, st *cpuref.State, stim cpuref.Stimulus) (*Sim, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("cpufast: %w", err)
	}
	if stim == nil {
		return nil, fmt.Errorf("cpufast: no stimulus")
	}
	n := p.N
	c := n * n
	s := &Sim{p: p, stim: stim, n: n, learn: true,
		sNext: make([]uint32, c),
		inAcc: make([]float32, c), recAcc: make([]float32, c), uAcc: make([]float32, c),
		qSave: make([]float32, c),
		act:   newBitgrid(n), omark: newBitgrid(n), lmark: newBitgrid(n),
		hashes: make([]uint64, c),
	}
	if p.Layer2() == 1 {
		s.in2Acc = make([]float32, c)
		s.q2Save = make([]float32, c)
		s.act2 = newBitgrid(n)
	}
	for i := range s.hashes {
		s.hashes[i] = uint64(cpuref.PCG(2*uint32(i))) | uint64(cpuref.PCG(2*uint32(i)+1))<<32
	}
	if src, ok := stim.(cpuref.FrameSource); ok {
		s.src = src
		s.bitsNow, s.bitsNext = make([]uint32, cpuref.PlainWords(n)), make([]uint32, cpuref.PlainWords(n))
	}
	s.SetWorkers(runtime.GOMAXPROCS(0))
	if err := s.Load(st); err != nil {
		return nil, err
	}
	return s, nil
}

// Release drops the simulator's buffers. It is safe to call twice; the Sim
// must not be stepped afterwards.
func (s *Sim) Release() {
	*s = Sim{p: s.p, n: s.n}
}

// SetLearn turns plasticity (the delta rule, learnInput and its
// companions) on or off; homeostasis always runs.
func (s *Sim) SetLearn(on bool) { s.learn = on }

// SetWorkers sets how many goroutines the dense passes are split across
// (at least 1, at most n). The result does not depend on it.
func (s *Sim) SetWorkers(w int) {
	s.workers = min(max(w, 1), max(s.n, 1))
	s.bands = make([]band, s.workers)
}

// Frame returns the rectangles lit in the last step's input frame X_t.
func (s *Sim) Frame() []cpuref.Rect { return s.litNow }

// Target returns the rectangles lit in the last step's target frame.
func (s *Sim) Target() []cpuref.Rect { return s.litNext }

// Measures returns the rolling measures after the steps taken so far.
func (s *Sim) Measures() cpuref.Measures {
	return cpuref.MeasuresOf(s.st.Ring, s.st.T, s.n)
}

// State returns the current state, in cpuref's layout. It is the Sim's own:
// read it freely between steps, but after changing it call Load(State())
// so that the Sim's lists follow.
func (s *Sim) State() *cpuref.State { return s.st }

// SetParams changes the parameters from the next step on: the live
// changes a running network can take (learning rates, noise, target rate
// and the other uniforms of the GPU passes), not its shape. What the
// engine keeps to skip work depends on some of them (whether a trace's
// decay still moves it), so it rebuilds that from its state, as Load does.
func (s *Sim) SetParams(p cpuref.Params) error {
	if p.N != s.n {
		return fmt.Errorf("cpufast: parameters for n=%d, engine for n=%d", p.N, s.n)
	}
	s.p = p
	return s.Load(s.st)
}

// Load replaces the state with a copy of st. Every buffer must have the
// size p gives it, and the traces p, q, q₂ and the eligibility traces must
// be finite, and p, q, q₂ no less than +0 (the model never makes other
// values; the exactness of skipping idle cells in learning rests on it).
func (s *Sim) Load(st *cpuref.State) error {
	if st == nil {
		return fmt.Errorf("cpufast: load: no state")
	}
	if st.N != s.n {
		return fmt.Errorf("cpufast: load: state has n=%d, params n=%d", st.N, s.n)
	}
	shape := cpuref.NewStateShape(s.p).Fields()
	for k, f := range st.Fields() {
		want := shape[k]
		var got, w int
		switch {
		case f.F32 != nil:
			got, w = len(*f.F32), len(*want.F32)
		case f.U32 != nil:
			got, w = len(*f.U32), len(*want.U32)
		default:
			got, w = len(*f.I32), len(*want.I32)
		}
		if got != w {
			return fmt.Errorf("cpufast: load: buffer %s has %d entries, want %d", f.Name, got, w)
		}
	}
	for _, b := range []struct {
		name string
		v    []float32
		sign bool // must also be ≥ +0
	}{{"P", st.P, true}, {"Q", st.Q, true}, {"Q2", st.Q2, true}, {"Elig", st.Elig, false}} {
		for i, v := range b.v {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) || (b.sign && math.Signbit(f)) {
				return fmt.Errorf("cpufast: load: %s[%d] = %v: traces must be finite, and p, q, q₂ ≥ +0", b.name, i, v)
			}
		}
	}
	s.st = st.Clone()
	st = s.st
	clear(s.sNext)
	s.xOn = ones(s.xOn[:0], st.X)
	s.yOn = ones(s.yOn[:0], st.Y)
	s.spikesPrev = ones(s.spikesPrev[:0], st.S)
	s.spikes2 = ones(s.spikes2[:0], st.S2)
	s.errDirty = s.errDirty[:0]
	for i := range st.YHat {
		if st.YHat[i] != 0 || st.Err[i] != 0 {
			s.errDirty = append(s.errDirty, int32(i))
		}
	}
	s.pLive.reset(st.P)
	s.qLive.reset(st.Q)
	s.q2Live.reset(st.Q2)
	s.fullLearn = true
	s.litNow, s.litNext = s.litNow[:0], s.litNext[:0]
	return nil
}

// ones appends the indices of the nonzero entries of v.
func ones(dst []int32, v []uint32) []int32 {
	for i, x := range v {
		if x != 0 {
			dst = append(dst, int32(i))
		}
	}
	return dst
}

// Run takes k steps, or fewer when the stimulus is a cpuref.FrameSource
// that cannot give a step's frames: then it returns the source's error
// (one wrapping cpuref.ErrEndOfSource at its end) and the state is that of
// the steps taken, as cpuref.Sim.Run does.
func (s *Sim) Run(k int) error {
	for range k {
		if err := s.Step(); err != nil {
			return err
		}
	}
	return nil
}

// Step advances the network from t to t+1: the passes of docs/MODEL.md §7
// in their order, homeostasis fused into the dense loops (θ is read by
// nothing between integrate and homeostasis). A frame source that cannot
// give the step's frames leaves the state as it was and Step returns its
// error; with any other stimulus Step cannot fail.
func (s *Sim) Step() error {
	st := s.st
	if s.src != nil {
		// Taken first: a missing frame leaves the state as it was.
		if err := s.src.FrameBits(st.T, s.bitsNow); err != nil {
			return err
		}
		if err := s.src.FrameBits(st.T+int64(s.p.Horizon), s.bitsNext); err != nil {
			return err
		}
	}
	slot := int(st.T % cpuref.Window)
	ring := st.Ring[slot*cpuref.RingFields : (slot+1)*cpuref.RingFields]
	clear(ring)

	s.stimulus()
	s.integrate()
	ring[cpuref.RingSpikes] += uint32(len(s.spikes))
	if s.p.Layer2() == 1 {
		s.integrate2()
	}
	tp, fp, fn := s.output()
	ring[cpuref.RingTP] += tp
	ring[cpuref.RingFP] += fp
	ring[cpuref.RingFN] += fn
	if s.learn {
		s.learnInput()
		if s.p.LearnRec {
			s.learnRec()
		}
		if s.p.Layer2() == 1 {
			s.learnHidden2()
		}
		s.fullLearn = false
	}

	// State.S becomes s(t); the old s(t−1) buffer is cleared where it
	// held ones and becomes the next step's sNext.
	st.S, s.sNext = s.sNext, st.S
	for _, j := range s.spikesPrev {
		s.sNext[j] = 0
	}
	s.spikesPrev, s.spikes = s.spikes, s.spikesPrev[:0]
	st.T++
	return nil
}

// stimulus writes X_t and its target, touching only the cells that were or
// become lit. The trace p is advanced by integrate (nothing reads it
// before learnInput).
func (s *Sim) stimulus() {
	st, n := s.st, s.n
	if s.src != nil {
		s.xOn = relightBits(st.X, s.xOn, n, s.bitsNow)
		s.yOn = relightBits(st.Y, s.yOn, n, s.bitsNext)
		return
	}
	s.litNow = s.stim.Frame(st.T, s.litNow[:0])
	s.litNext = s.stim.Frame(st.T+int64(s.p.Horizon), s.litNext[:0])
	s.xOn = relight(st.X, s.xOn, n, s.litNow)
	s.yOn = relight(st.Y, s.yOn, n, s.litNext)
}

// relight clears the cells of on in frame, lights the rectangles (clipped
// to the grid) and returns the lit cells, ascending and without repeats.
func relight(frame []uint32, on []int32, n int, rects []cpuref.Rect) []int32 {
	for _, j := range on {
		frame[j] = 0
	}
	on = on[:0]
	for _, r := range rects {
		for row := max(int(r.R0), 0); row < min(int(r.R1), n); row++ {
			for col := max(int(r.C0), 0); col < min(int(r.C1), n); col++ {
				if j := row*n + col; frame[j] == 0 {
					frame[j] = 1
					on = append(on, int32(j))
				}
			}
		}
	}
	if len(rects) > 1 {
		slices.Sort(on)
	}
	return on
}

// relightBits is relight for a frame given as a plain bit set (a frame
// source's): the lit cells come out ascending, as the bits are scanned in
// row-major order.
func relightBits(frame []uint32, on []int32, n int, set []uint32) []int32 {
	for _, j := range on {
		frame[j] = 0
	}
	on = on[:0]
	wpr := (n + 31) >> 5 // words a row
	for row := range n {
		for w, word := range set[row*wpr : (row+1)*wpr] {
			for word != 0 {
				col := w<<5 + bits.TrailingZeros32(word)
				word &= word - 1
				if col < n {
					j := row*n + col
					frame[j] = 1
					on = append(on, int32(j))
				}
			}
		}
	}
	return on
}

// scatterPatch adds, for each source cell j in from (ascending), its
// weight w[i·9+m] to acc[i] of every on-grid cell i whose 3×3 patch holds
// j at slot m, and marks i in act. Sources ascending and slots in
// row-major order is the order in which the reference adds the same
// terms, so each acc[i] is its sum bit for bit.
func (s *Sim) scatterPatch(from []int32, w, acc []float32, act *bitgrid) {
	n := s.n
	for _, j := range from {
		jr, jc := int(j)/n, int(j)%n
		for y := max(jr-cpuref.PatchR, 0); y <= min(jr+cpuref.PatchR, n-1); y++ {
			for x := max(jc-cpuref.PatchR, 0); x <= min(jc+cpuref.PatchR, n-1); x++ {
				i := y*n + x
				m := (jr-y+cpuref.PatchR)*3 + (jc - x + cpuref.PatchR)
				acc[i] += w[i*9+m]
				act.set(y, x)
			}
		}
	}
}

// integrate is steps 1–3 and homeostasis (step 8) for the first hidden
// layer, plus the decay of the traces p (and q when learning).
//
// The sums in and rec are scattered from the lit pixels and the spikes of
// s(t−1), each source in ascending index order, so every cell receives its
// terms in ascending slot order starting from +0 — the reference's
// additions in the reference's order. A cell no source reaches has
// in = rec = +0, the reference's value after skipping every term.
func (s *Sim) integrate() {
	st, p, n := s.st, s.p, s.n
	s.act.clear()
	s.scatterPatch(s.xOn, st.WIn, s.inAcc, &s.act)
	if r := p.RRec; r > 0 {
		w := 2*r + 1
		nrec := w * w
		for _, j := range s.spikesPrev {
			jr, jc := int(j)/n, int(j)%n
			for y := max(jr-r, 0); y <= min(jr+r, n-1); y++ {
				for x := max(jc-r, 0); x <= min(jc+r, n-1); x++ {
					i := y*n + x
					if i == int(j) {
						continue // the centre slot: no synapse onto itself
					}
					m := (jr-y+r)*w + (jc - x + r)
					s.recAcc[i] += st.WRec[i*nrec+m]
					s.act.set(y, x)
				}
			}
		}
	}
	if s.learn && s.fullLearn {
		copy(s.qSave, st.Q) // learnInput visits every cell: keep every q
	}
	s.forBands(s.integrateBand)
	s.spikes = s.gatherSpikes(s.spikes[:0])

	// p ← λ_pre·p + x: the unlit pixels with a live trace decay (x = 0,
	// and p ≥ +0, so adding +0 would change nothing), the lit ones add 1.
	s.pLive.decay(st.P, p.LambdaPre, st.X)
	for _, j := range s.xOn {
		st.P[j] = float32(p.LambdaPre*st.P[j]) + 1
		s.pLive.add(j)
	}
	if s.learn {
		// q ← λ_post·q + s: the spiking cells were done by the dense loop.
		s.qLive.decay(st.Q, p.LambdaPost, s.sNext)
		for _, i := range s.spikes {
			s.qLive.add(i)
		}
	}
}

// sqrt3 is cpuref's float32 √3 of NormalKeyed.
const sqrt3 float32 = 1.7320508

// noise is σ·NormalKeyed(key, i) with PCG(2i), PCG(2i+1) given. The four
// 16-bit uniforms are summed as integers: their float32 sum in the
// reference is exact (multiples of 2⁻¹⁶ below 4), so it equals the integer
// sum times 2⁻¹⁶, and so does (sum − 2); the two roundings after that are
// the reference's.
func noise(sigma float32, key, a, b uint32) float32 {
	h0 := pcg(a + key)
	h1 := pcg(b + key)
	sum := int32(h0&0xffff) + int32(h0>>16) + int32(h1&0xffff) + int32(h1>>16)
	z := float32(float32(float32(sum-2*65536)*(1.0/65536)) * sqrt3)
	return float32(sigma * z)
}

// pcg is cpuref.PCG, repeated so the compiler inlines it in the dense loops.
func pcg(v uint32) uint32 {
	state := v*747796405 + 2891336453
	word := ((state >> ((state>>28 + 4) & 31)) ^ state) * 277803737 // & 31: the shift is below 20; saying so spares the compiler's check for shifts ≥ 32
	return (word >> 22) ^ word
}

// layerKernel holds what integrate's and integrate2's dense loops need,
// copied into locals by idleRun and busyCell.
type layerKernel struct {
	key                  uint32
	sigma, rho, bias, b0 float32
	d0, d1, thMin, lpost float32
	learn                bool
	V, Th, Q, qSave      []float32
	acc, acc2            []float32
	hashes               []uint64
	spikeOut             []uint32
	spk                  []int32 // the band's spikes, ascending
}

// kernel returns the dense-loop parameters of the first hidden layer
// (second = false) or of the second.
func (s *Sim) kernel(second bool) layerKernel {
	st, p := s.st, s.p
	k := layerKernel{
		sigma: p.SigmaNoise, bias: p.Bias,
		d0:    float32(p.EtaTheta * (float32(0) - p.TargetRate)),
		d1:    float32(p.EtaTheta * (float32(1) - p.TargetRate)),
		thMin: p.ThetaMin, lpost: p.LambdaPost,
		learn:  s.learn,
		hashes: s.hashes,
	}
	if !second {
		k.key = cpuref.NoiseKey(p.Seed, cpuref.StreamNoise, uint32(st.T))
		k.rho = p.Rho
		k.b0 = float32(float32(float32(0)+float32(0)) + p.Bias) // ((in + rec) + b), in = rec = +0
		k.V, k.Th, k.Q, k.qSave = st.V, st.Theta, st.Q, s.qSave
		k.acc, k.acc2 = s.inAcc, s.recAcc
		k.spikeOut = s.sNext
	} else {
		k.key = cpuref.NoiseKey(p.Seed, cpuref.StreamNoise2, uint32(st.T))
		k.rho = p.Rho2
		k.b0 = float32(float32(0) + p.Bias) // (in₂ + b), in₂ = +0
		k.V, k.Th, k.Q, k.qSave = st.V2, st.Theta2, st.Q2, s.q2Save
		k.acc = s.in2Acc
		k.spikeOut = st.S2
	}
	return k
}

// idleRun is the dense loop over cells [i0, i1), none of which any source
// reaches: the current is b0 + ξ. It appends the cells that spike to spk.
// The slices are cut to the run's length first so that the loop carries
// no bounds checks.
func (k *layerKernel) idleRun(i0, i1 int) {
	key, sigma, rho, b0 := k.key, k.sigma, k.rho, k.b0
	d0, d1, thMin := k.d0, k.d1, k.thMin
	V := k.V[i0:i1]
	m := len(V)
	Th := k.Th[i0:i1][:m]
	h := k.hashes[i0:i1][:m]
	for c := range V {
		h0 := pcg(uint32(h[c]) + key)
		h1 := pcg(uint32(h[c]>>32) + key)
		sum := int32(h0&0xffff) + int32(h0>>16) + int32(h1&0xffff) + int32(h1>>16)
		z := float32(float32(float32(sum-2*65536)*(1.0/65536)) * sqrt3)
		v := float32(rho*V[c]) + (b0 + float32(sigma*z))
		th := Th[c]
		if v >= th {
			V[c] = 0
			Th[c] = max(th+d1, thMin)
			k.spiked(i0 + c)
			continue
		}
		V[c] = v
		Th[c] = max(th+d0, thMin)
	}
}

// spiked records a spike of cell i and, when learning, advances its q
// (q ← λ_post·q + 1) after keeping the old value for learning; the other
// cells' q decay in the live-trace pass.
//
//go:noinline
func (k *layerKernel) spiked(i int) {
	k.spikeOut[i] = 1
	if k.learn {
		q := k.Q[i]
		k.qSave[i] = q
		k.Q[i] = float32(k.lpost*q) + 1
	}
	k.spk = append(k.spk, int32(i))
}

// busyCell is the dense loop's body for a cell that a source reaches: the
// current is ((acc + acc2) + b) + ξ (integrate) or (acc + b) + ξ
// (integrate2), the accumulators are reset to +0, and q is kept for
// learning.
func (k *layerKernel) busyCell(i int) {
	var cur float32
	if k.acc2 != nil {
		cur = float32(float32(k.acc[i]+k.acc2[i]) + k.bias)
		k.acc2[i] = 0
	} else {
		cur = float32(k.acc[i] + k.bias)
	}
	k.acc[i] = 0
	if k.learn {
		k.qSave[i] = k.Q[i] // learnInput reads q before this step's update
	}
	v := float32(k.rho*k.V[i]) + (cur + noise(k.sigma, k.key, uint32(k.hashes[i]), uint32(k.hashes[i]>>32)))
	th := k.Th[i]
	if v >= th {
		k.V[i] = 0
		k.Th[i] = max(th+k.d1, k.thMin)
		k.spiked(i)
		return
	}
	k.V[i] = v
	k.Th[i] = max(th+k.d0, k.thMin)
}

// denseBand runs a layer's dense loop over rows [r0, r1): runs of idle
// cells through idleRun, marked cells through busyCell, in index order.
func (s *Sim) denseBand(k *layerKernel, marks *bitgrid, w, r0, r1 int) {
	n := s.n
	k.spk = s.bands[w].spikes[:0]
	for row := r0; row < r1; row++ {
		words := marks.w[row*marks.wpr : (row+1)*marks.wpr]
		base := row * n
		idle := base // start of the pending run of idle cells
		for wi, word := range words {
			for word != 0 {
				col := wi<<6 + bits.TrailingZeros64(word)
				word &= word - 1
				i := base + col
				if idle < i {
					k.idleRun(idle, i)
				}
				k.busyCell(i)
				idle = i + 1
			}
		}
		if end := base + n; idle < end {
			k.idleRun(idle, end)
		}
	}
	s.bands[w].spikes = k.spk
}

func (s *Sim) integrateBand(w, r0, r1 int) {
	k := s.kernel(false)
	s.denseBand(&k, &s.act, w, r0, r1)
}

func (s *Sim) integrate2Band(w, r0, r1 int) {
	k := s.kernel(true)
	s.denseBand(&k, &s.act2, w, r0, r1)
}

// gatherSpikes appends the bands' spike lists in band order: ascending.
func (s *Sim) gatherSpikes(dst []int32) []int32 {
	for w := range s.bands {
		dst = append(dst, s.bands[w].spikes...)
	}
	return dst
}

// integrate2 is the second hidden layer (Horizon > 1): in₂ scattered from
// the spikes s(t) like integrate's sums, the dense loop with its own noise
// stream and leak, homeostasis of θ₂ and the decay of q₂.
func (s *Sim) integrate2() {
	st := s.st
	for _, j := range s.spikes2 {
		st.S2[j] = 0
	}
	s.act2.clear()
	s.scatterPatch(s.spikes, st.W12, s.in2Acc, &s.act2)
	if s.learn && s.fullLearn {
		copy(s.q2Save, st.Q2)
	}
	s.forBands(s.integrate2Band)
	s.spikes2 = s.gatherSpikes(s.spikes2[:0])
	if s.learn {
		s.q2Live.decay(st.Q2, s.p.LambdaPost, st.S2)
		for _, i := range s.spikes2 {
			s.q2Live.add(i)
		}
	}
}

// outSpikes are the spikes the output layer reads.
func (s *Sim) outSpikes() ([]int32, []uint32) {
	if s.p.Layer2() == 1 {
		return s.spikes2, s.st.S2
	}
	return s.spikes, s.sNext
}

// output is steps 4–6. With a local W_out and τ_out ≥ 0 only the output
// cells with a spike in their window are computed (u scattered from the
// spikes, ascending); every other cell has u = +0, so ŷ = 0 and e = y:
// the lit targets are misses and the rest stay 0. Otherwise (dense W_out,
// or τ_out < 0, where u = +0 predicts 1) every cell is evaluated.
func (s *Sim) output() (tp, fp, fn uint32) {
	st, p, n := s.st, s.p, s.n
	spikes, _ := s.outSpikes()
	local := p.OutLayout == cpuref.Local
	if local {
		r := p.ROut
		w := 2*r + 1
		width := w * w
		s.omark.clear()
		for _, j := range spikes {
			jr, jc := int(j)/n, int(j)%n
			for y := max(jr-r, 0); y <= min(jr+r, n-1); y++ {
				for x := max(jc-r, 0); x <= min(jc+r, n-1); x++ {
					k := y*n + x
					s.uAcc[k] += st.WOut[k*width+(jr-y+r)*w+(jc-x+r)]
					s.omark.set(y, x)
				}
			}
		}
	}
	sparse := local && !(float32(0) > p.TauOut)
	if sparse {
		for _, k := range s.errDirty {
			st.YHat[k], st.Err[k] = 0, 0
		}
		s.errDirty = s.errDirty[:0]
		if len(spikes)*p.OutWidth() < 1<<15 {
			// Too little to share: waking a goroutine costs more.
			s.outputSparseBand(0, 0, n)
			for w := 1; w < len(s.bands); w++ {
				s.bands[w].counts, s.bands[w].dirty = [cpuref.RingFields]uint32{}, s.bands[w].dirty[:0]
			}
		} else {
			s.forBands(s.outputSparseBand)
		}
		for w := range s.bands {
			b := &s.bands[w]
			s.errDirty = append(s.errDirty, b.dirty...)
			tp, fp, fn = tp+b.counts[cpuref.RingTP], fp+b.counts[cpuref.RingFP], fn+b.counts[cpuref.RingFN]
		}
		for _, k := range s.yOn {
			if !s.omark.has(int(k)/n, int(k)%n) {
				st.Err[k] = 1 // ŷ = 0: a miss
				fn++
				s.errDirty = append(s.errDirty, k)
			}
		}
	} else {
		s.forBands(s.outputDenseBand)
		for w := range s.bands {
			b := &s.bands[w]
			tp, fp, fn = tp+b.counts[cpuref.RingTP], fp+b.counts[cpuref.RingFP], fn+b.counts[cpuref.RingFN]
		}
	}
	if s.learn && local {
		s.learnOutLocal(spikes)
	}
	return tp, fp, fn
}

// predict sets ŷ and e of output cell k from u, counts it, and reports
// whether either is nonzero.
func (s *Sim) predict(k int, u float32, c *[cpuref.RingFields]uint32) bool {
	var yhat uint32
	if u > s.p.TauOut {
		yhat = 1
	}
	e := int32(s.st.Y[k]) - int32(yhat)
	s.st.YHat[k], s.st.Err[k] = yhat, e
	switch {
	case yhat == 1 && e == 0:
		c[cpuref.RingTP]++
	case e < 0:
		c[cpuref.RingFP]++
	case e > 0:
		c[cpuref.RingFN]++
	}
	return yhat != 0 || e != 0
}

// outputSparseBand evaluates the marked output cells of rows [r0, r1).
func (s *Sim) outputSparseBand(w, r0, r1 int) {
	b := &s.bands[w]
	b.counts = [cpuref.RingFields]uint32{}
	b.dirty = b.dirty[:0]
	n := s.n
	s.omark.each(r0, r1, func(row, col int) {
		k := row*n + col
		u := s.uAcc[k]
		s.uAcc[k] = 0
		if s.predict(k, u, &b.counts) {
			b.dirty = append(b.dirty, int32(k))
		}
	})
}

// outputDenseBand evaluates every output cell of rows [r0, r1); with a
// dense W_out it also sums and learns each row, over the spikes in
// ascending order, as the reference does.
func (s *Sim) outputDenseBand(w, r0, r1 int) {
	st, p := s.st, s.p
	b := &s.bands[w]
	b.counts = [cpuref.RingFields]uint32{}
	spikes, _ := s.outSpikes()
	dense := p.OutLayout == cpuref.Dense
	width := p.OutWidth()
	for k := r0 * s.n; k < r1*s.n; k++ {
		var u float32
		if dense {
			wk := st.WOut[k*width : (k+1)*width]
			for _, j := range spikes {
				u += wk[j]
			}
		} else {
			u = s.uAcc[k]
			s.uAcc[k] = 0
		}
		s.predict(k, u, &b.counts)
		if dense && s.learn && st.Err[k] != 0 {
			wk := st.WOut[k*width : (k+1)*width]
			d := float32(p.EtaOut * float32(st.Err[k]))
			for _, j := range spikes {
				wk[j] = clamp(wk[j]+d, -p.WoutMax, p.WoutMax)
			}
		}
	}
}

// learnOutLocal is the delta rule for a local W_out, scattered from the
// spikes: weight (k, m) changes only when hidden cell j(m) spiked and
// e_k ≠ 0, and each such weight is visited exactly once.
func (s *Sim) learnOutLocal(spikes []int32) {
	st, p, n := s.st, s.p, s.n
	r := p.ROut
	w := 2*r + 1
	width := w * w
	for _, j := range spikes {
		jr, jc := int(j)/n, int(j)%n
		for y := max(jr-r, 0); y <= min(jr+r, n-1); y++ {
			for x := max(jc-r, 0); x <= min(jc+r, n-1); x++ {
				k := y*n + x
				if e := st.Err[k]; e != 0 {
					d := float32(p.EtaOut * float32(e))
					wi := k*width + (jr-y+r)*w + (jc - x + r)
					st.WOut[wi] = clamp(st.WOut[wi]+d, -p.WoutMax, p.WoutMax)
				}
			}
		}
	}
}

// learnInput is step 7 on W_in. Under stdp and hebbian only the cells that
// spiked or have a lit pixel in their patch are visited: for any other
// cell every slot's change is exactly +0 (see docs/CPUFAST.md), and q was
// already advanced by the dense loop. Under rstdp every eligibility trace
// decays, so every cell is visited, the idle ones by a short loop.
func (s *Sim) learnInput() {
	n := s.n
	if s.p.Rule == cpuref.RuleRSTDP {
		s.lmark.clear()
		s.markLearnInput()
		s.forBands(s.learnRSTDPBand)
		return
	}
	if s.fullLearn {
		for i := 0; i < n*n; i++ {
			s.learnCell(i/n, i%n, 0)
		}
		return
	}
	s.lmark.clear()
	s.markLearnInput()
	s.lmark.each(0, n, func(row, col int) { s.learnCell(row, col, 0) })
}

// markLearnInput marks the cells that spiked or see a lit pixel.
func (s *Sim) markLearnInput() {
	n := s.n
	for _, j := range s.xOn {
		s.lmark.setBox(int(j)/n, int(j)%n, cpuref.PatchR)
	}
	for _, j := range s.spikes {
		s.lmark.set(int(j)/n, int(j)%n)
	}
}

// learnCell is the reference's learnInput for one cell (q read from
// qSave, where the dense loop left it), with reward R under rstdp.
func (s *Sim) learnCell(row, col int, reward float32) {
	st, p, n := s.st, s.p, s.n
	i := row*n + col
	si := float32(s.sNext[i])
	qi := s.qSave[i]
	for y := row - 1; y <= row+1; y++ {
		if y < 0 || y >= n {
			continue
		}
		for x := col - 1; x <= col+1; x++ {
			if x < 0 || x >= n {
				continue
			}
			j := y*n + x
			xj := float32(st.X[j])
			k := i*9 + (y-row+1)*3 + (x - col + 1)
			var dw float32
			switch p.Rule {
			case cpuref.RuleSTDP:
				pot := float32(float32(p.APlus*si) * st.P[j])
				dep := float32(float32(p.AMinus*qi) * xj)
				dw = float32(p.Eta * (pot - dep))
			case cpuref.RuleHebbian:
				dw = float32(float32(p.Eta*si) * xj)
			case cpuref.RuleRSTDP:
				pot := float32(float32(p.APlus*si) * st.P[j])
				dep := float32(float32(p.AMinus*qi) * xj)
				st.Elig[k] = float32(p.LambdaElig*st.Elig[k]) + (pot - dep)
				dw = float32(float32(p.Eta*reward) * st.Elig[k])
			}
			st.WIn[k] = clamp(st.WIn[k]+dw, 0, p.WinMax)
		}
	}
}

// learnRSTDPBand is rstdp's learnInput over rows [r0, r1): the marked cells
// (and all of them after Load) by the full rule, the others by the decay
// of their eligibility traces, e ← λ_e·e + (+0), and, when η·R ≠ 0, the
// weight change (η·R)·e. When η·R = 0 that change is ±0 and is skipped.
func (s *Sim) learnRSTDPBand(_, r0, r1 int) {
	st, p, n := s.st, s.p, s.n
	reward := s.reward()
	etaR := float32(p.Eta * reward)
	var zero float32 // −0 + (+0) is +0: the reference adds pot − dep = +0
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			if s.fullLearn || s.lmark.has(row, col) {
				s.learnCell(row, col, reward)
				continue
			}
			i := row*n + col
			for y := max(row-1, 0); y <= min(row+1, n-1); y++ {
				for x := max(col-1, 0); x <= min(col+1, n-1); x++ {
					k := i*9 + (y-row+1)*3 + (x - col + 1)
					e := float32(p.LambdaElig*st.Elig[k]) + zero
					st.Elig[k] = e
					if etaR != 0 {
						st.WIn[k] = clamp(st.WIn[k]+float32(etaR*e), 0, p.WinMax)
					}
				}
			}
		}
	}
}

// reward is the rstdp reward of this step, from this step's ring slot.
func (s *Sim) reward() float32 {
	slot := int(s.st.T % cpuref.Window)
	r := s.st.Ring[slot*cpuref.RingFields : (slot+1)*cpuref.RingFields]
	if int64(r[cpuref.RingTP])-int64(r[cpuref.RingFP])-int64(r[cpuref.RingFN]) > 0 {
		return 1
	}
	return 0
}

// learnRec is the recurrent rule (-learn_rec) for the cells that spiked in
// this step or the last: the reference skips every other cell itself.
func (s *Sim) learnRec() {
	for _, i := range s.spikes {
		s.learnRecCell(int(i))
	}
	for _, i := range s.spikesPrev {
		if s.sNext[i] == 0 { // not visited above
			s.learnRecCell(int(i))
		}
	}
}

// learnRecCell is the reference's learnRec for cell i.
func (s *Sim) learnRecCell(i int) {
	st, p, n := s.st, s.p, s.n
	row, col := i/n, i%n
	si, siPrev := float32(s.sNext[i]), float32(st.S[i])
	r := p.RRec
	w := 2*r + 1
	nrec := w * w
	for y := max(row-r, 0); y <= min(row+r, n-1); y++ {
		for x := max(col-r, 0); x <= min(col+r, n-1); x++ {
			j := y*n + x
			if j == i {
				continue
			}
			pot := float32(float32(p.APlus*si) * float32(st.S[j]))
			dep := float32(float32(p.AMinus*siPrev) * float32(s.sNext[j]))
			dw := float32(p.EtaRec * (pot - dep))
			k := i*nrec + (y-row+r)*w + (x - col + r)
			st.WRec[k] = clamp(st.WRec[k]+dw, -p.WrecMax, p.WrecMax)
		}
	}
}

// learnHidden2 is STDP on W₁₂ for the cells whose second-layer cell spiked
// or that see a first-layer spike in their patch (the cells integrate2
// marked); for the others every change is +0.
func (s *Sim) learnHidden2() {
	n := s.n
	if s.fullLearn {
		for i := 0; i < n*n; i++ {
			s.learnHidden2Cell(i)
		}
		return
	}
	s.act2.each(0, n, func(row, col int) { s.learnHidden2Cell(row*n + col) })
	for _, i := range s.spikes2 {
		if !s.act2.has(int(i)/n, int(i)%n) {
			s.learnHidden2Cell(int(i))
		}
	}
}

// learnHidden2Cell is the reference's learnHidden2 for cell i, with q₂
// read from q2Save.
func (s *Sim) learnHidden2Cell(i int) {
	st, p, n := s.st, s.p, s.n
	row, col := i/n, i%n
	si := float32(st.S2[i])
	q2 := s.q2Save[i]
	for y := max(row-1, 0); y <= min(row+1, n-1); y++ {
		for x := max(col-1, 0); x <= min(col+1, n-1); x++ {
			j := y*n + x
			pot := float32(float32(p.APlus*si) * st.Q[j])
			dep := float32(float32(p.AMinus*q2) * float32(s.sNext[j]))
			dw := float32(p.Eta * (pot - dep))
			k := i*9 + (y-row+1)*3 + (x - col + 1)
			st.W12[k] = clamp(st.W12[k]+dw, 0, p.WinMax)
		}
	}
}

func clamp(v, lo, hi float32) float32 {
	return min(max(v, lo), hi)
}

// forBands runs pass over the rows split into s.workers contiguous bands,
// band w being rows [w·n/k, (w+1)·n/k).
func (s *Sim) forBands(pass func(w, r0, r1 int)) {
	n, k := s.n, s.workers
	if k == 1 {
		pass(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < k; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			pass(w, w*n/k, (w+1)*n/k)
		}(w)
	}
	pass(0, 0, n/k)
	wg.Wait()
}

// liveSet lists the cells of a trace (p, q or q₂) whose decay v ← λ·v can
// still change them. A trace that is not in the set is a fixed point of
// its decay — +0, or the smallest subnormal that λ = 0.8 rounds back to
// itself — and stays one until its cell is lit or spikes again, so
// decaying only the live cells gives every bit of decaying them all.
type liveSet struct {
	idx []int32
	in  []bool
}

// reset makes the set hold the nonzero entries of v (a zero trace is a
// fixed point).
func (l *liveSet) reset(v []float32) {
	l.in = make([]bool, len(v))
	l.idx = l.idx[:0]
	for i, x := range v {
		if x != 0 {
			l.add(int32(i))
		}
	}
}

func (l *liveSet) add(i int32) {
	if !l.in[i] {
		l.in[i] = true
		l.idx = append(l.idx, i)
	}
}

// decay applies v ← λ·v to the live cells where skip is 0 (the others are
// updated by their caller this step) and drops those it left unchanged.
func (l *liveSet) decay(v []float32, lambda float32, skip []uint32) {
	out := l.idx[:0]
	for _, i := range l.idx {
		if skip[i] != 0 {
			out = append(out, i)
			continue
		}
		old := v[i]
		nv := float32(lambda * old)
		v[i] = nv
		if math.Float32bits(nv) == math.Float32bits(old) {
			l.in[i] = false
			continue
		}
		out = append(out, i)
	}
	l.idx = out
}
