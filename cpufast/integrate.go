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
// terms in ascending slot order (rec: plane c′ outer, slot inner) starting
// from +0 — the reference's additions in the reference's order. A cell no
// source reaches has in = rec = +0, the reference's value after skipping
// every term. A source reaches all K cells of a pixel, so the cells a
// source reaches are marked by pixel.
func (s *Sim) integrate() {
	st, p := s.st, s.p
	s.act.clear()
	s.scatterIn()
	if p.RRec > 0 {
		s.scatterRec()
	}
	if s.learn && s.fullLearn {
		copy(s.qSave, st.Q) // learnInput visits every cell: keep every q
	}
	s.forRows(s.integrateRows)
	s.spikes = s.gatherSpikes(s.spikes[:0], s.k)

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

// scatterIn adds, for each lit pixel j (ascending), the weight
// W_in[ci·9 + m] of every cell ci = c·n² + i of every on-grid pixel i
// whose 3×3 patch holds j at slot m to in of ci, and marks i. Sources
// ascending and slots in row-major order is the order in which the
// reference adds the same terms, so each in is its sum bit for bit.
func (s *Sim) scatterIn() {
	n, nn, K := s.n, s.nn, s.k
	acc, w := s.inAcc[:K*nn], s.st.WIn
	for _, j := range s.xOn {
		jr, jc := int(j)/n, int(j)%n
		s.act.setBox(0, jr, jc, cpuref.PatchR) // the pixels whose patch holds j
		x0, x1 := max(jc-cpuref.PatchR, 0), min(jc+cpuref.PatchR, n-1)
		for y := max(jr-cpuref.PatchR, 0); y <= min(jr+cpuref.PatchR, n-1); y++ {
			// Along the row the target i rises by 1 and the slot m falls by 1.
			m := (jr-y+cpuref.PatchR)*3 + (jc - x0 + cpuref.PatchR)
			for i := y*n + x0; i <= y*n+x1; i++ {
				for ci := i; ci < len(acc); ci += nn {
					acc[ci] += w[ci*9+m]
				}
				m--
			}
		}
	}
}

// scatterRec adds, for each spike of s(t−1) at cell c′·n² + j (ascending:
// plane c′ outer, pixel inner), the weight W_rec[(ci·K + c′)·S_rec + m] of
// every cell ci of every on-grid pixel i ≠ j whose window holds j at slot
// m to rec of ci, and marks i: for each cell, the reference's c′-outer,
// m-inner order.
func (s *Sim) scatterRec() {
	n, nn, K := s.n, s.nn, s.k
	r := s.p.RRec
	w := 2*r + 1
	nrec := w * w
	acc, wrec := s.recAcc[:K*nn], s.st.WRec
	for _, cj := range s.spikesPrev {
		c2, j := int(cj)/nn, int(cj)%nn
		jr, jc := j/n, j%n
		s.act.setBox(0, jr, jc, r) // the pixels whose window holds j (and j: its cells then get b0 + ξ all the same)
		x0, x1 := max(jc-r, 0), min(jc+r, n-1)
		for y := max(jr-r, 0); y <= min(jr+r, n-1); y++ {
			// Along the row the target i rises by 1 and the slot m falls by 1.
			m := (jr-y+r)*w + (jc - x0 + r)
			for i := y*n + x0; i <= y*n+x1; i++ {
				if i != j { // the centre slot: no synapse onto its own pixel
					for ci := i; ci < len(acc); ci += nn {
						acc[ci] += wrec[(ci*K+c2)*nrec+m]
					}
				}
				m--
			}
		}
	}
}

// integrateRows is the first layer's dense loop over rows [r0, r1) of
// every plane: its noise stream, leak ρ, current ((in + rec) + b) + ξ,
// state V, θ, q, and s(t) written to sNext. Without competition the K
// cells of a pixel are independent, and the loop runs plane by plane,
// each with its cell c's target rate r*_c; with it, a row at a time
// (competeRows).
func (s *Sim) integrateRows(w, r0, r1 int) {
	st, p := s.st, &s.p
	k := s.kernel()
	k.key = cpuref.NoiseKey(p.Seed, cpuref.StreamNoise, uint32(st.T))
	k.b0 = float32(float32(float32(0)+float32(0)) + p.Bias) // ((in + rec) + b), in = rec = +0
	k.V, k.Th, k.Q, k.qSave = st.V, st.Theta, st.Q, s.qSave
	k.acc, k.acc2 = s.inAcc, s.recAcc
	k.spikeOut = s.sNext
	eta := p.EtaThetaAt(st.T)
	if s.competes() {
		s.competeRows(&k, eta, w, r0, r1)
		return
	}
	for c := range s.k {
		k.cell = newCellParams(p, p.Rho, eta, p.TargetRateOf(c))
		s.denseRows(&k, &s.act, c, w, r0, r1)
	}
}

// competes reports whether a pixel's cells compete. With as many winners
// as cells (K = 1 among them) every crossing cell's rank is below w, so
// each fires as without competition.
func (s *Sim) competes() bool {
	return s.p.Compete != cpuref.CompeteNone && s.p.Winners < s.k
}

// competeRows is the first layer's dense loop over the pixels of rows
// [r0, r1) under competition: each pixel's K candidates (updateCell's
// first half, candidate) are known before any cell commits (its second
// half), and only the Winners crossing cells of highest rank fire. A row
// at a time, in the band's scratch: the candidates plane by plane (the
// idle pixels' current is b0 + ξ), the competition at the pixels where
// more than Winners cells cross, and the commits plane by plane.
func (s *Sim) competeRows(k *layerKernel, eta float32, w, r0, r1 int) {
	p, n, nn, K := &s.p, s.n, s.nn, s.k
	winners := p.Winners
	level := p.Compete == cpuref.CompeteLevel
	var cells [cpuref.MaxK]cellParams
	for c := range K {
		cells[c] = newCellParams(p, p.Rho, eta, p.TargetRateOf(c))
	}
	b := &s.bands[w]
	for c := range K {
		b.spikes[c] = b.spikes[c][:0]
	}
	b.growCompete(K, n)
	var mu [cpuref.MaxK]float32
	var cross [cpuref.MaxK]bool
	for row := r0; row < r1; row++ {
		marks := s.act.w[row*s.act.wpr : (row+1)*s.act.wpr]
		clear(b.crossing)
		for c := range K {
			k.candidates(c*nn+row*n, b.vhat[c*n:(c+1)*n], b.fire[c*n:(c+1)*n], b.crossing, marks, cells[c], s.vector)
		}
		for col, crossing := range b.crossing {
			if int(crossing) <= winners {
				continue // every crossing cell's rank is below w
			}
			for c := range K {
				th, vh := k.Th[c*nn+row*n+col], b.vhat[c*n+col]
				cross[c] = b.fire[c*n+col]
				mu[c] = float32(vh - th) // kwta: the margin
				if level {
					mu[c] = th
				}
			}
			for c := range K {
				b.fire[c*n+col] = cross[c] && rank(c, K, &cross, &mu) < winners
			}
		}
		for c := range K {
			b.spikes[c] = k.commitRow(c*nn+row*n, b.vhat[c*n:(c+1)*n], b.fire[c*n:(c+1)*n], cells[c], b.spikes[c])
		}
	}
}

// candidates computes v̂ and the threshold test of the cells [i0, i0+n) of
// one row of a plane into vhat and cross, and counts the crossing cells of
// each pixel in crossing: the current is b0 + ξ, or ((acc + acc2) + b) + ξ
// where the pixel is marked in marks (the row's words of act). With
// vector, vectorCandidates does the row's whole groups of eight first.
func (k *layerKernel) candidates(i0 int, vhat []float32, cross []bool, crossing []uint8, marks []uint64, cell cellParams, vector bool) {
	key, sigma, b0 := k.key, k.sigma, k.b0
	m := len(vhat)
	cross, crossing = cross[:m], crossing[:m]
	done := 0 // the columns the vector loop did
	if vector {
		done = k.vectorCandidates(i0, vhat, cross, crossing, marks, cell)
	}
	V := k.V[i0 : i0+m]
	Th := k.Th[i0 : i0+m][:m]
	h := k.hashes[i0 : i0+m][:m]
	for col := done; col < m; col++ {
		cur := b0
		if marks[col>>6]>>uint(col&63)&1 != 0 {
			cur = k.busyCurrent(i0 + col)
		}
		h0 := pcg(uint32(h[col]) + key)
		h1 := pcg(uint32(h[col]>>32) + key)
		sum := int32(h0&0xffff) + int32(h0>>16) + int32(h1&0xffff) + int32(h1>>16)
		z := float32(float32(float32(sum-2*65536)*(1.0/65536)) * cpuref.Sqrt3)
		v, c := candidate(V[col], Th[col], cur+float32(sigma*z), cell)
		vhat[col], cross[col] = v, c
		if c {
			crossing[col]++
		}
	}
}

// commitRow commits the cells [i0, i0+n) of one row of a plane with the
// competition's verdicts fire, and appends those that fire to spk.
func (k *layerKernel) commitRow(i0 int, vhat []float32, fire []bool, cell cellParams, spk []int32) []int32 {
	m := len(vhat)
	fire = fire[:m]
	V := k.V[i0 : i0+m]
	Th := k.Th[i0 : i0+m][:m]
	for col := range V {
		V[col], Th[col] = commit(vhat[col], Th[col], fire[col], cell)
		if fire[col] {
			k.fire(i0 + col)
			spk = append(spk, int32(i0+col))
		}
	}
	return spk
}

// rank is the rank of crossing cell c among a pixel's crossing cells:
// how many others have a larger μ, or an equal one and a lower index.
func rank(c, K int, cross *[cpuref.MaxK]bool, mu *[cpuref.MaxK]float32) int {
	r := 0
	for c2 := range K {
		if c2 != c && cross[c2] && (mu[c2] > mu[c] || (mu[c2] == mu[c] && c2 < c)) {
			r++
		}
	}
	return r
}

// updateCell is the cell update of a hidden cell of either layer (steps
// 2, 3 and 8 of docs/MODEL.md §7, as cpuref writes them): leak and
// integrate v̂ = ρ·v + I; spike where v̂ ≥ θ, resetting v to 0; and
// homeostasis θ ← max(θ + η_θ(t)·(s − r*), θ_min). It returns v, θ and
// whether the cell spiked. Its two halves, candidate and commit, are
// called apart where a pixel's cells compete between them.
func updateCell(v, theta, current float32, c cellParams) (vNext, thetaNext float32, spiked bool) {
	v, spiked = candidate(v, theta, current, c)
	v, theta = commit(v, theta, spiked, c)
	return v, theta, spiked
}

// candidate is updateCell's first half: v̂ = ρ·v + I and whether v̂ ≥ θ.
func candidate(v, theta, current float32, c cellParams) (vHat float32, crosses bool) {
	v = float32(c.rho*v) + current
	return v, v >= theta
}

// commit is updateCell's second half: the reset of a cell that fires (a
// crossing cell that lost the competition keeps v̂) and homeostasis.
func commit(vHat, theta float32, spiked bool, c cellParams) (v, thetaNext float32) {
	h := theta + c.dTheta0
	if spiked {
		h = theta + c.dTheta1
	}
	if c.gap > 0 {
		// The gap rule, as cpuref's: a drive within g of θ pushes θ away.
		if delta := vHat - theta; delta >= 0 && delta < c.gap {
			h -= c.etaGap
		} else if delta < 0 && delta > -c.gap {
			h += c.etaGap
		}
	}
	if spiked {
		return 0, max(h, c.thetaMin)
	}
	return vHat, max(h, c.thetaMin)
}

// cellParams are the parameters of updateCell for one layer's cells (one
// plane's: the target rate is the plane's) in one step.
type cellParams struct {
	rho, thetaMin float32
	// dTheta0 and dTheta1 are homeostasis' η_θ(t)·(s − r*) for s = 0 and
	// 1, rounded as the reference rounds it: it depends on nothing else,
	// so it is computed once a step rather than once a cell (the same
	// bits, and the dense loop's speed). Fields, not an array, so that the
	// compiler keeps them in registers.
	dTheta0, dTheta1 float32
	// gap and etaGap are the threshold gap rule's g and η_g (off at g = 0).
	gap, etaGap float32
}

// newCellParams returns updateCell's parameters for a layer with leak
// rho, the step's η_θ(t) eta and target rate rate.
func newCellParams(p *cpuref.Params, rho, eta, rate float32) cellParams {
	dTheta := func(s uint32) float32 { return float32(eta * (float32(s) - rate)) }
	return cellParams{rho: rho, thetaMin: p.ThetaMin, dTheta0: dTheta(0), dTheta1: dTheta(1), gap: p.Gap, etaGap: p.EtaGap}
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

// denseRows runs a layer's dense loop over rows [r0, r1) of its plane c:
// with the vector loop, a row's cells eight at a time (vectorRow), then
// the rest as without it: runs of idle cells through idleRun, the cells of
// marked pixels through busyCell, in index order.
func (s *Sim) denseRows(k *layerKernel, marks *bitgrid, c, w, r0, r1 int) {
	n := s.n
	k.spk = s.bands[w].spikes[c][:0]
	for row := r0; row < r1; row++ {
		words := marks.w[row*marks.wpr : (row+1)*marks.wpr]
		base := c*s.nn + row*n
		done := 0 // the columns the vector loop did
		if s.vector {
			done = k.vectorRow(base, n, words)
		}
		idle := base + done // start of the pending run of idle cells
		for wi := done >> 6; wi < len(words); wi++ {
			word := words[wi]
			if wi == done>>6 {
				word &= ^uint64(0) << uint(done&63) // the columns from done on
			}
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
	s.bands[w].spikes[c] = k.spk
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
	current := k.busyCurrent(i) + noise(k.sigma, k.key, uint32(k.hashes[i]), uint32(k.hashes[i]>>32))
	v, th, spike := updateCell(k.V[i], k.Th[i], current, k.cell)
	k.V[i], k.Th[i] = v, th
	if spike {
		k.spiked(i)
	}
}

// busyCurrent is the current's part before the noise of a cell that a
// source reaches, ((acc + acc2) + b) or (acc + b); it resets the
// accumulators to +0 and keeps q for learning.
func (k *layerKernel) busyCurrent(i int) float32 {
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
	return cur
}

// spiked records a spike of cell i in s(t) and the band's list.
//
//go:noinline
func (k *layerKernel) spiked(i int) {
	k.fire(i)
	k.spk = append(k.spk, int32(i))
}

// fire writes a spike of cell i to s(t) and, when learning, advances its q
// (q ← λ_post·q + 1) after keeping the old value for learning; the other
// cells' q decay in the live-trace pass.
func (k *layerKernel) fire(i int) {
	k.spikeOut[i] = 1
	if k.learn {
		q := k.Q[i]
		k.qSave[i] = q
		k.Q[i] = float32(k.lpost*q) + 1
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
