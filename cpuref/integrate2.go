package cpuref

// integrate2 is the second hidden layer (Horizon > 1), one cell a pixel,
// cascaded after the first: its current is the 3×3 patch of the first
// layer's spikes of this step over each of the K planes through W12
// (planes ascending, then slots ascending), plus bias and its own noise;
// it leaks with its own, slower ρ₂, through the same cell update as
// integrate, with no competition (one cell a pixel) and the step's
// η_θ(t) and the first plane's target rate r*. No recurrence.
func (s *Sim) integrate2(_, r0, r1 int) {
	st, p, n, k := s.State, s.Params, s.Params.N, s.Params.K
	plane := n * n
	nin := Slots(PatchR)
	key := NoiseKey(p.Seed, StreamNoise2, uint32(st.T))
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			i := row*n + col
			var in float32
			for c := 0; c < k; c++ {
				w := st.W12[(i*k+c)*nin : (i*k+c+1)*nin]
				for m := 0; m < nin; m++ {
					if j, ok := Neighbour(n, row, col, PatchR, m); ok && s.sNext[c*plane+j] != 0 {
						in += w[m]
					}
				}
			}
			noise := float32(p.SigmaNoise * NormalKeyed(key, uint32(i)))
			current := float32(in+p.Bias) + noise
			vhat, spike := updateCellCandidate(p.Rho2, current, st.V2[i], st.Theta2[i])
			st.V2[i], st.Theta2[i] = updateCellCommit(&p, spike, vhat, st.Theta2[i], s.etaTheta, p.TargetRate)
			st.S2[i] = spike
		}
	}
}
