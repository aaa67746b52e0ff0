package cpuref

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
				st.W12[k] = Clamp(st.W12[k]+dw, 0, p.WinMax)
			}
			st.Q2[i] = float32(p.LambdaPost*st.Q2[i]) + si
		}
	}
}
