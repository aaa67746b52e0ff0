package cpufast

import (
	"math/bits"

	"github.com/spikecast/spikecast/cpuref"
)

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
