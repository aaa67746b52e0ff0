package cpuref

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
