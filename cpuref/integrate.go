package cpuref

// integrate is one step for the pixels of rows [r0, r1), first of the
// input pixel, then of its K hidden cells:
//
//   - stimulus: X_t and its target X_{t+k} from the frames' rectangles,
//     and the pre-synaptic trace p ← λ_pre·p + x (step 7's first half,
//     here because every hidden cell's learning reads its neighbours' p);
//     with -direct 2 the previous X moves to XPrev first;
//   - step 1: each cell's current I from the 3×3 input patch and the
//     recurrent window over every plane (last step's spikes), plus bias
//     and noise;
//   - the candidate half of the cell update (leak and threshold test) for
//     each of the pixel's K cells, then the competition among them
//     (compete), then the commit half (reset and step 8, homeostasis,
//     which reads only the cell's own spike and which nothing later in the
//     step reads).
//
// One iteration handles a pixel's K cells, so the competition needs
// nothing from other pixels. The patch's pixels are tested against the
// rectangles (or read from the frame source's bit set), not read from X,
// which other rows may not have written yet. Sums run over planes in
// ascending order and, within a plane, over window slots in ascending
// order; terms whose input is 0 are skipped, which leaves a float32 sum
// bit for bit unchanged (adding +0 or −0 to a sum that started at +0
// never changes it).
func (s *Sim) integrate(w, r0, r1 int) {
	st, p, n, k := s.State, s.Params, s.Params.N, s.Params.K
	plane := n * n
	nin, nrec := Slots(PatchR), Slots(p.RRec)
	centre := nrec / 2
	key := NoiseKey(p.Seed, StreamNoise, uint32(st.T))
	// Per pixel: which input slots are lit, the recurrent window's pixels
	// (−1 off the grid and at the centre), and the K candidates.
	var inLit [9]bool
	recJ := make([]int, nrec)
	var vhat, theta [MaxK]float32
	var cand, spike [MaxK]uint32
	var spikes uint32
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			i := row*n + col
			var x uint32
			if s.litNowAt(row, col) {
				x = 1
			}
			if p.Direct == 2 {
				st.XPrev[i] = st.X[i] // X(t−1): X still holds the last step's x
			}
			st.X[i], st.Y[i] = x, 0
			if s.bitwise && plainBit(s.bitsNext, n, row, col) || !s.bitwise && lit(s.litNext, row, col) {
				st.Y[i] = 1
			}
			st.P[i] = float32(p.LambdaPre*st.P[i]) + float32(x)

			for m := 0; m < nin; m++ {
				j, ok := Neighbour(n, row, col, PatchR, m)
				inLit[m] = ok && s.litNowAt(j/n, j%n)
			}
			for m := 0; m < nrec; m++ {
				recJ[m] = -1
				if j, ok := Neighbour(n, row, col, p.RRec, m); ok && m != centre {
					recJ[m] = j
				}
			}
			for c := 0; c < k; c++ {
				ci := c*plane + i
				var in float32
				for m := 0; m < nin; m++ {
					if inLit[m] {
						in += st.WIn[ci*nin+m]
					}
				}
				// One running sum over every plane c2 of the window.
				var rec float32
				for c2 := 0; c2 < k; c2++ {
					wr := st.WRec[(ci*k+c2)*nrec : (ci*k+c2+1)*nrec]
					for m, j := range recJ {
						if j >= 0 && st.S[c2*plane+j] != 0 {
							rec += wr[m]
						}
					}
				}
				noise := float32(p.SigmaNoise * NormalKeyed(key, uint32(ci)))
				current := float32(float32(in+rec)+p.Bias) + noise
				theta[c] = st.Theta[ci]
				vhat[c], cand[c] = updateCellCandidate(p.Rho, current, st.V[ci], theta[c])
			}
			compete(&p, vhat[:k], theta[:k], cand[:k], spike[:k])
			for c := 0; c < k; c++ {
				ci := c*plane + i
				st.V[ci], st.Theta[ci] = updateCellCommit(&p, spike[c], vhat[c], theta[c], s.etaTheta, p.TargetRateOf(c))
				s.sNext[ci] = spike[c]
				spikes += spike[c]
			}
		}
	}
	s.counts[w] = [RingFields]uint32{RingSpikes: spikes}
}

// updateCellCandidate and updateCellCommit are the two halves of the one
// cell update both hidden layers share (integrate and integrate2, each
// with its own leak ρ or ρ₂); between them integrate lets a pixel's K
// cells compete. The candidate half is steps 2 and 3's leak, integrate
// and threshold test, given the cell's current I, potential v and
// threshold θ:
//
//	v̂ = (ρ·v) + I;  a = [v̂ ≥ θ]
//
// The commit half, given the spike s the competition let through (a
// itself without one), is the reset and step 8, homeostasis, which reads
// only the cell's own spike:
//
//	v ← 0 if s else v̂  (a candidate that lost keeps v̂)
//	θ ← max(θ + (η_θ(t)·(float32(s) − r*_c)), θ_min)
//
// with the step's η_θ(t) (Params.EtaThetaAt) and the cell's target rate
// r*_c (Params.TargetRateOf). A change to the cell's dynamics is an edit
// of these two functions, of their GLSL twins in common.glsl and of
// cpufast's (docs/MODEL.md §12). Each product is wrapped in float32(...),
// so that no compiler fuses it with the addition that follows.
func updateCellCandidate(rho, current, v, theta float32) (vhat float32, cand uint32) {
	vhat = float32(rho*v) + current
	if vhat >= theta {
		cand = 1
	}
	return vhat, cand
}

// updateCellCommit is the commit half of the cell update: see
// updateCellCandidate.
func updateCellCommit(p *Params, spike uint32, vhat, theta, etaTheta, target float32) (vNew, thetaNew float32) {
	vNew = vhat
	if spike != 0 {
		vNew = 0
	}
	d := float32(etaTheta * (float32(spike) - target))
	return vNew, max(theta+d, p.ThetaMin)
}

// compete is the competition among one pixel's K candidates (-compete):
// none lets every candidate fire; kwta and level let a candidate fire
// when fewer than w other candidates outrank it, where c2 outranks c when
// its measure μ is larger, or equal with c2 < c (so ties go to the lower
// plane and exactly min(w, candidates) fire). kwta's μ is the margin
// v̂ − θ (one float32 subtraction), level's the threshold θ: the crossing
// cells with the highest thresholds win.
func compete(p *Params, vhat, theta []float32, cand, spike []uint32) {
	if p.Compete == CompeteNone {
		copy(spike, cand)
		return
	}
	mu := func(c int) float32 {
		if p.Compete == CompeteLevel {
			return theta[c]
		}
		return vhat[c] - theta[c]
	}
	for c := range cand {
		spike[c] = 0
		if cand[c] == 0 {
			continue
		}
		rank, mc := 0, mu(c)
		for c2 := range cand {
			if c2 != c && cand[c2] != 0 && (mu(c2) > mc || mu(c2) == mc && c2 < c) {
				rank++
			}
		}
		if rank < p.Winners {
			spike[c] = 1
		}
	}
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
