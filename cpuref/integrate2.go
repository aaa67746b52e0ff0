package cpuref

// integrate2 is the second hidden layer (Horizon > 1), cascaded after the
// first: its current is the 3×3 patch of the first layer's spikes of this
// step through W12, plus bias and its own noise; it leaks with its own,
// slower ρ₂, through the same updateCell as integrate. No recurrence.
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
			spike, v, theta := updateCell(&p, p.Rho2, current, st.V2[i], st.Theta2[i])
			st.V2[i], st.Theta2[i] = v, theta
			st.S2[i] = spike
		}
	}
}
