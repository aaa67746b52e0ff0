package cpuref

import (
	"runtime"
	"sync"
)

// Sim is the reference simulator: the model of docs/MODEL.md in plain Go.
// Every pass is a loop over cells whose result depends only on the state
// before the pass, so rows may be split across goroutines in any way
// without changing a bit of the result.
type Sim struct {
	Params Params
	State  *State
	Stim   Stimulus

	// Learn turns plasticity (steps 6–7) on; homeostasis always runs.
	Learn bool

	workers int
	sNext   []uint32 // spikes being written while State.S is read
	litNow  []Rect
	litNext []Rect
	// With a FrameSource, frames t and t+k as plain bit sets (bitwise is
	// set): integrate reads pixels from them instead of rectangles.
	bitwise           bool
	bitsNow, bitsNext []uint32
	spiking           []int32 // indices of this step's spikes, ascending (dense output)
	counts            [][RingFields]uint32
}

// New validates p and returns a simulator in the initial state, driven by
// the border walk, using every CPU.
func New(p Params) (*Sim, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return NewFrom(p, NewState(p), NewStimulus(p)), nil
}

// NewFrom returns a simulator that continues from st, which it owns.
func NewFrom(p Params, st *State, stim Stimulus) *Sim {
	s := &Sim{Params: p, State: st, Stim: stim, Learn: true}
	if _, ok := stim.(FrameSource); ok {
		s.bitwise = true
		s.bitsNow, s.bitsNext = make([]uint32, PlainWords(p.N)), make([]uint32, PlainWords(p.N))
	}
	s.SetWorkers(runtime.GOMAXPROCS(0))
	s.sNext = make([]uint32, p.N*p.N)
	return s
}

// SetWorkers sets how many goroutines a pass is split across (at least 1).
// The result does not depend on it.
func (s *Sim) SetWorkers(w int) {
	if w < 1 {
		w = 1
	}
	if w > s.Params.N {
		w = s.Params.N
	}
	s.workers = w
	s.counts = make([][RingFields]uint32, w)
}

// Frame returns the rectangles lit in the last step's input frame X_t.
func (s *Sim) Frame() []Rect { return s.litNow }

// Target returns the rectangles lit in the last step's target frame.
func (s *Sim) Target() []Rect { return s.litNext }

// Measures returns the rolling measures after the steps taken so far.
func (s *Sim) Measures() Measures {
	return MeasuresOf(s.State.Ring, s.State.T, s.Params.N)
}

// Step advances the network from t to t+1: the passes of docs/MODEL.md
// §7, each the function of the same name as the compute shader that
// does it on the GPU, in the order the GPU dispatches them. A frame
// source that cannot give the step's frames (it has ended, or failed)
// leaves the state as it was; Run reports why.
func (s *Sim) Step() { s.Run(1) }

// Run takes k steps, or fewer when the stimulus is a FrameSource that
// cannot give a step's frames: then it returns the source's error (one
// wrapping ErrEndOfSource at its end) and the state is that of the steps
// taken.
func (s *Sim) Run(k int) error {
	for range k {
		if err := s.step(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sim) step() error {
	st := s.State
	// The frames, as the GPU receives them: rectangles, or bit sets from a
	// frame source. Taken first: a missing one leaves the state as it was.
	if s.bitwise {
		src := s.Stim.(FrameSource)
		if err := src.FrameBits(st.T, s.bitsNow); err != nil {
			return err
		}
		if err := src.FrameBits(st.T+int64(s.Params.Horizon), s.bitsNext); err != nil {
			return err
		}
	} else {
		s.litNow = s.Stim.Frame(st.T, s.litNow[:0])
		s.litNext = s.Stim.Frame(st.T+int64(s.Params.Horizon), s.litNext[:0])
	}
	slot := int(st.T % Window)
	ring := st.Ring[slot*RingFields : (slot+1)*RingFields]
	for f := range ring {
		ring[f] = 0
	}

	s.forRows(s.integrate) // integrate.comp: stimulus, steps 1–3 and 8
	s.addCounts(ring)
	if s.Params.Layer2() == 1 {
		s.forRows(s.integrate2) // integrate2.comp: the second hidden layer
	}
	s.spiking = s.spiking[:0]
	for i, v := range s.outputSpikes() {
		if v != 0 {
			s.spiking = append(s.spiking, int32(i))
		}
	}
	s.forRows(s.output) // output.comp: steps 4–6
	s.addCounts(ring)
	if s.Learn {
		s.forRows(s.learnInput) // learnInput.comp: step 7
		if s.Params.Layer2() == 1 {
			s.forRows(s.learnHidden2) // learnHidden2.comp
		}
	}
	st.S, s.sNext = s.sNext, st.S
	st.T++
	return nil
}

// lit reports whether pixel (row, col) is in one of the rectangles.
func lit(rects []Rect, row, col int) bool {
	for _, r := range rects {
		if int32(row) >= r.R0 && int32(row) < r.R1 && int32(col) >= r.C0 && int32(col) < r.C1 {
			return true
		}
	}
	return false
}

// litNowAt reports whether pixel (row, col) is lit in frame t: a bit of
// a frame source's bit set, or in one of the rectangles.
func (s *Sim) litNowAt(row, col int) bool {
	if s.bitwise {
		return plainBit(s.bitsNow, s.Params.N, row, col)
	}
	return lit(s.litNow, row, col)
}

// integrate is one step for the cells of rows [r0, r1), first of the
// input pixel, then of the hidden cell:
//
//   - stimulus: X_t and its target X_{t+k} from the frames' rectangles,
//     and the pre-synaptic trace p ← λ_pre·p + x (step 7's first half,
//     here because every hidden cell's learning reads its neighbours' p);
//   - steps 1–3: current from the 3×3 input patch and the recurrent
//     window (last step's spikes), plus bias and noise; leak and
//     integrate; spike and reset;
//   - step 8, homeostasis: θ ← max(θ + η_θ·(s − target_rate), θ_min),
//     which reads only the cell's own spike, and which nothing later in
//     the step reads.
//
// The patch's pixels are tested against the rectangles (or read from the
// frame source's bit set), not read from X,
// which other rows may not have written yet. Sums run over window slots
// in ascending order; terms whose input is 0 are skipped, which leaves a
// float32 sum bit for bit unchanged (adding +0 or −0 to a sum that
// started at +0 never changes it).
func (s *Sim) integrate(w, r0, r1 int) {
	st, p, n := s.State, s.Params, s.Params.N
	nin, nrec := Slots(PatchR), Slots(p.RRec)
	centre := nrec / 2
	key := NoiseKey(p.Seed, StreamNoise, uint32(st.T))
	var spikes uint32
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			i := row*n + col
			var x uint32
			if s.litNowAt(row, col) {
				x = 1
			}
			st.X[i], st.Y[i] = x, 0
			if s.bitwise && plainBit(s.bitsNext, n, row, col) || !s.bitwise && lit(s.litNext, row, col) {
				st.Y[i] = 1
			}
			st.P[i] = float32(p.LambdaPre*st.P[i]) + float32(x)

			var in float32
			for m := 0; m < nin; m++ {
				if j, ok := Neighbour(n, row, col, PatchR, m); ok && s.litNowAt(j/n, j%n) {
					in += st.WIn[i*nin+m]
				}
			}
			var rec float32
			for m := 0; m < nrec; m++ {
				if j, ok := Neighbour(n, row, col, p.RRec, m); ok && m != centre && st.S[j] != 0 {
					rec += st.WRec[i*nrec+m]
				}
			}
			noise := float32(p.SigmaNoise * NormalKeyed(key, uint32(i)))
			current := float32(float32(in+rec)+p.Bias) + noise
			v := float32(p.Rho*st.V[i]) + current
			var spike uint32
			if v >= st.Theta[i] {
				spike, v = 1, 0
			}
			st.V[i] = v
			s.sNext[i] = spike
			spikes += spike

			d := float32(p.EtaTheta * (float32(spike) - p.TargetRate))
			st.Theta[i] = max(st.Theta[i]+d, p.ThetaMin)
		}
	}
	s.counts[w] = [RingFields]uint32{RingSpikes: spikes}
}

// output is steps 4–6 for output cells of rows [r0, r1): the prediction
// ŷ = [u > τ_out], the error e = y − ŷ, and the delta rule on the cell's own
// row of W_out. A weight changes only where e ≠ 0 and its hidden cell
// spiked, since η_out·e·s is 0 elsewhere.
func (s *Sim) output(w, r0, r1 int) {
	st, p, n := s.State, s.Params, s.Params.N
	spikes := s.outputSpikes()
	width := p.OutWidth()
	var tp, fp, fn uint32
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			k := row*n + col
			wk := st.WOut[k*width : (k+1)*width]
			var u float32
			if p.OutLayout == Dense {
				for _, j := range s.spiking {
					u += wk[j]
				}
			} else {
				for m := 0; m < width; m++ {
					if j, ok := Neighbour(n, row, col, p.ROut, m); ok && spikes[j] != 0 {
						u += wk[m]
					}
				}
			}
			var yhat uint32
			if u > p.TauOut {
				yhat = 1
			}
			e := int32(st.Y[k]) - int32(yhat)
			st.YHat[k], st.Err[k] = yhat, e
			switch {
			case yhat == 1 && e == 0:
				tp++
			case e < 0:
				fp++
			case e > 0:
				fn++
			}
			if e == 0 || !s.Learn {
				continue
			}
			d := float32(p.EtaOut * float32(e))
			if p.OutLayout == Dense {
				for _, j := range s.spiking {
					wk[j] = clamp(wk[j]+d, -p.WoutMax, p.WoutMax)
				}
			} else {
				for m := 0; m < width; m++ {
					if j, ok := Neighbour(n, row, col, p.ROut, m); ok && spikes[j] != 0 {
						wk[m] = clamp(wk[m]+d, -p.WoutMax, p.WoutMax)
					}
				}
			}
		}
	}
	s.counts[w] = [RingFields]uint32{RingTP: tp, RingFP: fp, RingFN: fn}
}

// learnInput is step 7 for hidden cells of rows [r0, r1): the rule's
// change of W_in, clipped to [0, win_max], then the post-synaptic trace
// q ← λ_post·q + s. STDP reads p after this step's update and q before it.
// Under rstdp the STDP term feeds the eligibility trace, and the step's
// reward R = sign(TP − FP − FN) turns it into a change. With learn_rec,
// W_rec of the cell learns too (learnRec).
func (s *Sim) learnInput(_, r0, r1 int) {
	st, p, n := s.State, s.Params, s.Params.N
	nin := Slots(PatchR)
	var reward float32
	if p.Rule == RuleRSTDP {
		reward = s.reward()
	}
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			i := row*n + col
			si := float32(s.sNext[i])
			for m := 0; m < nin; m++ {
				j, ok := Neighbour(n, row, col, PatchR, m)
				if !ok {
					continue
				}
				xj := float32(st.X[j])
				k := i*nin + m
				var dw float32
				switch p.Rule {
				case RuleSTDP:
					pot := float32(float32(p.APlus*si) * st.P[j])
					dep := float32(float32(p.AMinus*st.Q[i]) * xj)
					dw = float32(p.Eta * (pot - dep))
				case RuleHebbian:
					dw = float32(float32(p.Eta*si) * xj)
				case RuleRSTDP:
					pot := float32(float32(p.APlus*si) * st.P[j])
					dep := float32(float32(p.AMinus*st.Q[i]) * xj)
					st.Elig[k] = float32(p.LambdaElig*st.Elig[k]) + (pot - dep)
					dw = float32(float32(p.Eta*reward) * st.Elig[k])
				}
				st.WIn[k] = clamp(st.WIn[k]+dw, 0, p.WinMax)
			}
			st.Q[i] = float32(p.LambdaPost*st.Q[i]) + si
			if p.LearnRec {
				s.learnRec(row, col)
			}
		}
	}
}

// reward is the rstdp reward of this step: 1 when hits outnumber misses
// and false alarms together, else 0. It reads the counts the output pass
// left in this step's ring slot. There is no punishment (−1): a network
// that has not learned yet errs on almost every step, and a negative
// reward then drives W_in to 0 and the layer silent (seen: F1 0, rate 0).
func (s *Sim) reward() float32 {
	slot := int(s.State.T % Window)
	r := s.State.Ring[slot*RingFields : (slot+1)*RingFields]
	d := int64(r[RingTP]) - int64(r[RingFP]) - int64(r[RingFN])
	if d > 0 {
		return 1
	}
	return 0
}

// learnRec is the recurrent rule (-learn_rec) for cell (row, col): pair
// STDP over one step, ΔW_rec[i,j] = η_rec·(A₊·s_i(t)·s_j(t−1) −
// A₋·s_i(t−1)·s_j(t)), clipped to ±wrec_max: a neighbour that fired just
// before cell i is strengthened, one that fired just after is weakened.
func (s *Sim) learnRec(row, col int) {
	st, p, n := s.State, s.Params, s.Params.N
	i := row*n + col
	si, siPrev := float32(s.sNext[i]), float32(st.S[i])
	if si == 0 && siPrev == 0 {
		return // every term has a factor s_i(t) or s_i(t−1)
	}
	nrec := Slots(p.RRec)
	for m := 0; m < nrec; m++ {
		j, ok := Neighbour(n, row, col, p.RRec, m)
		if !ok || m == nrec/2 {
			continue
		}
		pot := float32(float32(p.APlus*si) * float32(st.S[j]))
		dep := float32(float32(p.AMinus*siPrev) * float32(s.sNext[j]))
		dw := float32(p.EtaRec * (pot - dep))
		k := i*nrec + m
		st.WRec[k] = clamp(st.WRec[k]+dw, -p.WrecMax, p.WrecMax)
	}
}

// outputSpikes are the spikes the output layer reads: the first hidden
// layer's, or the second's when there is one.
func (s *Sim) outputSpikes() []uint32 {
	if s.Params.Layer2() == 1 {
		return s.State.S2
	}
	return s.sNext
}

// integrate2 is the second hidden layer (Horizon > 1), cascaded after the
// first: its current is the 3×3 patch of the first layer's spikes of this
// step through W12, plus bias and its own noise; it leaks with its own,
// slower ρ₂, and adapts its threshold as integrate does. No recurrence.
func (s *Sim) integrate2(_, r0, r1 int) {
	st, p, n := s.State, s.Params, s.Params.N
	nin := Slots(PatchR)
	key := NoiseKey(p.Seed, StreamNoise2, uint32(st.T))
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			i := row*n + col
			var in float32
			for m := 0; m < nin; m++ {
				if j, ok := Neighbour(n, row, col, PatchR, m); ok && s.sNext[j] != 0 {
					in += st.W12[i*nin+m]
				}
			}
			noise := float32(p.SigmaNoise * NormalKeyed(key, uint32(i)))
			current := float32(in+p.Bias) + noise
			v := float32(p.Rho2*st.V2[i]) + current
			var spike uint32
			if v >= st.Theta2[i] {
				spike, v = 1, 0
			}
			st.V2[i] = v
			st.S2[i] = spike

			d := float32(p.EtaTheta * (float32(spike) - p.TargetRate))
			st.Theta2[i] = max(st.Theta2[i]+d, p.ThetaMin)
		}
	}
}

// learnHidden2 is STDP on W12 (whatever -rule says for W_in): the
// pre-synaptic trace is the first layer's q, already advanced by
// learnInput, and the post-synaptic trace q₂ is folded in last.
func (s *Sim) learnHidden2(_, r0, r1 int) {
	st, p, n := s.State, s.Params, s.Params.N
	nin := Slots(PatchR)
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			i := row*n + col
			si := float32(st.S2[i])
			for m := 0; m < nin; m++ {
				j, ok := Neighbour(n, row, col, PatchR, m)
				if !ok {
					continue
				}
				pot := float32(float32(p.APlus*si) * st.Q[j])
				dep := float32(float32(p.AMinus*st.Q2[i]) * float32(s.sNext[j]))
				dw := float32(p.Eta * (pot - dep))
				k := i*nin + m
				st.W12[k] = clamp(st.W12[k]+dw, 0, p.WinMax)
			}
			st.Q2[i] = float32(p.LambdaPost*st.Q2[i]) + si
		}
	}
}

func clamp(v, lo, hi float32) float32 {
	return min(max(v, lo), hi)
}

// forRows runs pass over the rows split into s.workers contiguous bands.
func (s *Sim) forRows(pass func(w, r0, r1 int)) {
	n, k := s.Params.N, s.workers
	if k == 1 {
		pass(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < k; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			pass(w, w*n/k, (w+1)*n/k)
		}(w)
	}
	wg.Wait()
}

// addCounts adds the workers' counts of the last pass to a ring slot.
func (s *Sim) addCounts(ring []uint32) {
	for w := range s.counts {
		for f := range ring {
			ring[f] += s.counts[w][f]
		}
		s.counts[w] = [RingFields]uint32{}
	}
}
