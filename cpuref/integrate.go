package cpuref

// integrate is one step for the cells of rows [r0, r1), first of the
// input pixel, then of the hidden cell:
//
//   - stimulus: X_t and its target X_{t+k} from the frames' rectangles,
//     and the pre-synaptic trace p ← λ_pre·p + x (step 7's first half,
//     here because every hidden cell's learning reads its neighbours' p);
//   - step 1: the current I from the 3×3 input patch and the recurrent
//     window (last step's spikes), plus bias and noise;
//   - updateCell: steps 2–3, leak and integrate, spike and reset, and
//     step 8, homeostasis, which reads only the cell's own spike and
//     which nothing later in the step reads.
//
// The patch's pixels are tested against the rectangles (or read from the
// frame source's bit set), not read from X, which other rows may not
// have written yet. Sums run over window slots
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
			spike, v, theta := updateCell(&p, p.Rho, current, st.V[i], st.Theta[i])
			st.V[i], st.Theta[i] = v, theta
			s.sNext[i] = spike
			spikes += spike
		}
	}
	s.counts[w] = [RingFields]uint32{RingSpikes: spikes}
}

// updateCell is the cell update both hidden layers share (integrate and
// integrate2, each with its own leak ρ or ρ₂): given the cell's current I,
// its potential v and its threshold θ, steps 2 and 3, leak and integrate,
// spike and reset,
//
//	v' = (ρ·v) + I;  s = [v' ≥ θ];  v ← 0 if s else v'
//
// and step 8, homeostasis, which reads only the cell's own spike:
//
//	θ ← max(θ + (η_θ·(float32(s) − target_rate)), θ_min)
//
// It returns the spike, the new v and the new θ. A change to the cell's
// dynamics is an edit of this function, of updateCell in common.glsl
// and of cpufast's updateCell (docs/MODEL.md §12). Each product is
// wrapped in float32(...), so that no compiler fuses it with the
// addition that follows.
func updateCell(p *Params, rho, current, v, theta float32) (spike uint32, vNew, thetaNew float32) {
	v = float32(rho*v) + current
	if v >= theta {
		spike, v = 1, 0
	}
	d := float32(p.EtaTheta * (float32(spike) - p.TargetRate))
	return spike, v, max(theta+d, p.ThetaMin)
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
