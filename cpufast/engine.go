// Package cpufast is an activity-driven CPU backend: the model of
// docs/MODEL.md, bit for bit the same as package cpuref, doing work in
// proportion to what happens in a step rather than to the size of every
// window of every cell.
//
// A step has two kinds of work. The dense part (noise and the cell update:
// leak, threshold, reset, homeostasis) touches every hidden cell (K a
// pixel, in K planes) and runs in one loop over flat arrays, split across
// goroutines by bands of rows, plane after plane (or pixel by pixel where
// a pixel's cells compete).
// The sparse part (the weighted sums of integrate and output, learning,
// the traces p, q, q₂) is driven from the few sources that are 1 — lit
// pixels and spikes — by scattering each source's weights into its
// targets in ascending source order, which is the reference's ascending
// slot order, and from the traces still decaying; cells that no source
// reaches are handled in closed form, because every term the reference
// would add or apply for them is exactly +0. docs/CPUFAST.md gives the
// argument for each skip.
//
// The files follow the passes, as cpuref's functions and shaders/*.comp
// do: engine.go (the Sim, New and Load, Step), bands.go (the row bands
// and the workers that run them), stimulus.go,
// integrate.go (with the cell update, updateCell, and the dense loop),
// integrate2.go, output.go, learnInput.go and learnHidden2.go; live.go
// holds the sets of live traces and bits.go the bit grids.
package cpufast

import (
	"fmt"
	"math"
	"runtime"

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
	k    int // K, the hidden cells a pixel: K planes of n² cells, cell (c, i) at c·n² + i
	nn   int // n², the cells of a plane

	learn   bool
	workers int
	crew    *crew // the workers beyond the caller (bands.go); nil for one
	// crewCleanup stops the crew's workers when a Sim is dropped
	// without Release.
	crewCleanup runtime.Cleanup
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
	xPrevOn    []int32 // the lit cells of XPrev (-direct 2), ascending
	spikes     []int32 // s(t), ascending (after integrate)
	spikesPrev []int32 // s(t−1), ascending: the ones of State.S
	spikes2    []int32 // s₂(t): the ones of State.S2
	errDirty   []int32 // cells whose YHat or Err may be nonzero (sparse output)
	hot        []int32 // output cells whose bias alone predicts 1: β_k > τ_out (sparse output)

	// Scatter accumulators, +0 outside a step: the sums in and rec of
	// integrate, in₂ of integrate2, u of output.
	inAcc, recAcc, in2Acc, uAcc []float32
	qSave, q2Save               []float32 // q, q₂ before this step's update, at the cells learning visits

	act   bitgrid // pixels with a nonzero term in integrate's sums (of any of their K cells)
	act2  bitgrid // cells with a nonzero term in integrate2's sum
	omark bitgrid // output cells with a spike or a lit input in their window
	lmark bitgrid // hidden cells whose W_in can change this step: K·n rows, plane after plane
	lbox  bitgrid // pixels with a lit pixel in their 3×3 patch (hebbian's skip)

	// The traces whose next decay can change them: p, q, q₂.
	pLive, qLive, q2Live liveSet

	// hashes[ci] holds PCG(2ci) in its low and PCG(2ci+1) in its high 32 bits:
	// the step-independent half of NormalKeyed's hashes (one stream, not
	// two, so the dense loop keeps its pointers in registers).
	hashes []uint64
	// vector: the dense loop runs eight cells at a time where it can
	// (vectorRow; SetVector).
	vector bool

	bands []band
}

// band is the scratch of one band of rows (bands.go) for a pass over it.
type band struct {
	spikes [][]int32 // the band's spikes of each plane, ascending
	// A row's candidates of every plane under competition: v̂, whether it
	// crosses θ (then whether it fires), and how many cross at each pixel.
	vhat     []float32
	fire     []bool
	crossing []uint8
	counts   [cpuref.RingFields]uint32
	dirty    []int32
	hot      []int32         // the band's output cells left hot (sparse output with a bias)
	_        [cacheLine]byte // keep the bands' counters and lists off each other's cache lines
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
	cells := p.Cells()
	s := &Sim{p: p, stim: stim, n: n, k: p.K, nn: c, learn: true,
		sNext: make([]uint32, cells),
		inAcc: make([]float32, cells), uAcc: make([]float32, c),
		qSave: make([]float32, cells),
		act:   newBitgrid(n, n), omark: newBitgrid(n, n), lmark: newBitgrid(p.K*n, n), lbox: newBitgrid(n, n),
		hashes: make([]uint64, cells),
	}
	if p.RRec > 0 {
		// Without a recurrent window rec is +0, and (in + +0) is in: in
		// is never −0, being a sum started at +0.
		s.recAcc = make([]float32, cells)
	}
	if p.Layer2() == 1 {
		s.in2Acc = make([]float32, c)
		s.q2Save = make([]float32, c)
		s.act2 = newBitgrid(n, n)
	}
	s.vector = vectorOn()
	for ci := range s.hashes {
		s.hashes[ci] = uint64(cpuref.PCG(2*uint32(ci))) | uint64(cpuref.PCG(2*uint32(ci)+1))<<32
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
	s.stopCrew()
	*s = Sim{p: s.p, n: s.n}
}

// SetLearn turns plasticity (the delta rule, learnInput and its
// companions) on or off; homeostasis always runs.
func (s *Sim) SetLearn(on bool) { s.learn = on }

// Frame returns the rectangles lit in the last step's input frame X_t.
func (s *Sim) Frame() []cpuref.Rect { return s.litNow }

// Target returns the rectangles lit in the last step's target frame.
func (s *Sim) Target() []cpuref.Rect { return s.litNext }

// Measures returns the rolling measures after the steps taken so far.
func (s *Sim) Measures() cpuref.Measures {
	return cpuref.MeasuresOf(s.st.Ring, s.st.T, s.p.Cells())
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
	if p.N != s.n || p.K != s.k {
		return fmt.Errorf("cpufast: parameters for n=%d, k=%d, engine for n=%d, k=%d", p.N, p.K, s.n, s.k)
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
	s.xPrevOn = ones(s.xPrevOn[:0], st.XPrev)
	s.spikesPrev = ones(s.spikesPrev[:0], st.S)
	s.spikes2 = ones(s.spikes2[:0], st.S2)
	s.errDirty = s.errDirty[:0]
	for i := range st.YHat {
		if st.YHat[i] != 0 || st.Err[i] != 0 {
			s.errDirty = append(s.errDirty, int32(i))
		}
	}
	s.hot = s.hot[:0]
	for k, b := range st.Bias {
		if b > s.p.TauOut {
			s.hot = append(s.hot, int32(k))
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
// in the order cpuref and the GPU run them, each in the file named as its
// shader. A frame source that cannot give the step's frames leaves the
// state as it was and Step returns its error; with any other stimulus Step
// cannot fail.
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

	s.stimulus()  // cpuref writes X_t and its target inside integrate; here integrate needs the lit cells first
	s.integrate() // integrate.comp: steps 1–3 and 8
	ring[cpuref.RingSpikes] += uint32(len(s.spikes))
	if s.p.Layer2() == 1 {
		s.integrate2() // integrate2.comp: the second hidden layer
	}
	tp, fp, fn := s.output() // output.comp: steps 4–6
	ring[cpuref.RingTP] += tp
	ring[cpuref.RingFP] += fp
	ring[cpuref.RingFN] += fn
	if s.learn {
		s.learnInput() // learnInput.comp: step 7
		if s.p.Layer2() == 1 {
			s.learnHidden2() // learnHidden2.comp
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
