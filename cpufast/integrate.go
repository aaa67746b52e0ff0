package cpufast

import (
	"math/bits"

	"github.com/spikecast/spikecast/cpuref"
)

// integrate is steps 1–3 and homeostasis (step 8) for the first hidden
// layer, and the trace p ← λ_pre·p + x, as cpuref's integrate; X_t and its
// target were written by the stimulus pass just before. When learning it
// also does q ← λ_post·q + s, which cpuref does in learnInput: the dense
// loop touches the spiking cells' q anyway (docs/CPUFAST.md).
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
	s.forRows(s.integrateRows)
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

// integrateRows is the first layer's dense loop over rows [r0, r1): its
// noise stream, leak ρ, current ((in + rec) + b) + ξ, state V, θ, q, and
// s(t) written to sNext.
func (s *Sim) integrateRows(w, r0, r1 int) {
	st, p := s.st, &s.p
	k := s.kernel()
	k.key = cpuref.NoiseKey(p.Seed, cpuref.StreamNoise, uint32(st.T))
	k.cell = newCellParams(p, p.Rho)
	k.b0 = float32(float32(float32(0)+float32(0)) + p.Bias) // ((in + rec) + b), in = rec = +0
	k.V, k.Th, k.Q, k.qSave = st.V, st.Theta, st.Q, s.qSave
	k.acc, k.acc2 = s.inAcc, s.recAcc
	k.spikeOut = s.sNext
	s.denseRows(&k, &s.act, w, r0, r1)
}

// updateCell is the cell update of a hidden cell of either layer (steps
// 2, 3 and 8 of docs/MODEL.md §7, as cpuref writes them): leak and
// integrate v' = ρ·v + I; spike where v' ≥ θ, resetting v to 0; and
// homeostasis θ ← max(θ + η_θ·(s − target_rate), θ_min). It returns v, θ
// and whether the cell spiked.
func updateCell(v, theta, current float32, c cellParams) (vNext, thetaNext float32, spiked bool) {
	v = float32(c.rho*v) + current
	if v >= theta {
		return 0, max(theta+c.dTheta1, c.thetaMin), true
	}
	return v, max(theta+c.dTheta0, c.thetaMin), false
}

// cellParams are one layer's parameters of updateCell in one step.
type cellParams struct {
	rho, thetaMin float32
	// dTheta0 and dTheta1 are homeostasis' η_θ·(s − target_rate) for
	// s = 0 and 1, rounded as the reference rounds it: it depends on
	// nothing else, so it is computed once a step rather than once a cell
	// (the same bits, and the dense loop's speed). Fields, not an array,
	// so that the compiler keeps them in registers.
	dTheta0, dTheta1 float32
}

// newCellParams returns updateCell's parameters for a layer with leak rho.
func newCellParams(p *cpuref.Params, rho float32) cellParams {
	dTheta := func(s uint32) float32 { return float32(p.EtaTheta * (float32(s) - p.TargetRate)) }
	return cellParams{rho: rho, thetaMin: p.ThetaMin, dTheta0: dTheta(0), dTheta1: dTheta(1)}
}

// layerKernel holds what a hidden layer's dense loop needs (integrateRows
// and integrate2Rows fill in the layer's own), copied into locals by
// idleRun and busyCell.
type layerKernel struct {
	cell            cellParams
	key             uint32
	sigma, bias, b0 float32 // b0: the current's bias part when every sum is +0
	lpost           float32
	learn           bool
	V, Th, Q, qSave []float32
	acc, acc2       []float32 // the scattered sums, acc2 nil for one sum
	hashes          []uint64
	spikeOut        []uint32
	spk             []int32 // the band's spikes, ascending
}

// kernel returns the parameters the dense loops of both layers share.
func (s *Sim) kernel() layerKernel {
	return layerKernel{
		sigma: s.p.SigmaNoise, bias: s.p.Bias,
		lpost:  s.p.LambdaPost,
		learn:  s.learn,
		hashes: s.hashes,
	}
}

// denseRows runs a layer's dense loop over rows [r0, r1): runs of idle
// cells through idleRun, marked cells through busyCell, in index order.
func (s *Sim) denseRows(k *layerKernel, marks *bitgrid, w, r0, r1 int) {
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

// idleRun is the dense loop over cells [i0, i1), none of which any source
// reaches: the current is b0 + ξ. It appends the cells that spike to spk.
// The slices are cut to the run's length first so that the loop carries
// no bounds checks, and the noise is noise's arithmetic written out,
// because the compiler does not inline noise.
func (k *layerKernel) idleRun(i0, i1 int) {
	key, sigma, b0, cell := k.key, k.sigma, k.b0, k.cell
	V := k.V[i0:i1]
	m := len(V)
	Th := k.Th[i0:i1][:m]
	h := k.hashes[i0:i1][:m]
	for c := range V {
		h0 := pcg(uint32(h[c]) + key)
		h1 := pcg(uint32(h[c]>>32) + key)
		sum := int32(h0&0xffff) + int32(h0>>16) + int32(h1&0xffff) + int32(h1>>16)
		z := float32(float32(float32(sum-2*65536)*(1.0/65536)) * cpuref.Sqrt3)
		v, th, spike := updateCell(V[c], Th[c], b0+float32(sigma*z), cell)
		V[c], Th[c] = v, th
		if spike {
			k.spiked(i0 + c)
		}
	}
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
	current := cur + noise(k.sigma, k.key, uint32(k.hashes[i]), uint32(k.hashes[i]>>32))
	v, th, spike := updateCell(k.V[i], k.Th[i], current, k.cell)
	k.V[i], k.Th[i] = v, th
	if spike {
		k.spiked(i)
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

// noise is σ·NormalKeyed(key, i) with PCG(2i), PCG(2i+1) given. The four
// 16-bit uniforms are summed as integers: their float32 sum in the
// reference is exact (multiples of 2⁻¹⁶ below 4), so it equals the integer
// sum times 2⁻¹⁶, and so does (sum − 2); the two roundings after that are
// the reference's.
func noise(sigma float32, key, a, b uint32) float32 {
	h0 := pcg(a + key)
	h1 := pcg(b + key)
	sum := int32(h0&0xffff) + int32(h0>>16) + int32(h1&0xffff) + int32(h1>>16)
	z := float32(float32(float32(sum-2*65536)*(1.0/65536)) * cpuref.Sqrt3)
	return float32(sigma * z)
}

// pcg is cpuref.PCG, repeated so the compiler inlines it in the dense loops.
func pcg(v uint32) uint32 {
	state := v*747796405 + 2891336453
	word := ((state >> ((state>>28 + 4) & 31)) ^ state) * 277803737 // & 31: the shift is below 20; saying so spares the compiler's check for shifts ≥ 32
	return (word >> 22) ^ word
}
