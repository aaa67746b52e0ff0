package cpuref

// learnHidden2 is STDP on W12 (whatever -rule says for W_in): the
// pre-synaptic trace of plane c's cell at pixel j is the first layer's
// q_{c·n²+j}, already advanced by learnInput, and the post-synaptic trace
// q₂ is folded in last.
func (s *Sim) learnHidden2(_, r0, r1 int) {
	st, p, n, k := s.State, s.Params, s.Params.N, s.Params.K
	plane := n * n
	nin := Slots(PatchR)
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			i := row*n + col
			si := float32(st.S2[i])
			for c := 0; c < k; c++ {
				for m := 0; m < nin; m++ {
					j, ok := Neighbour(n, row, col, PatchR, m)
					if !ok {
						continue
					}
					cj := c*plane + j
					pot := float32(float32(p.APlus*si) * st.Q[cj])
					dep := float32(float32(p.AMinus*st.Q2[i]) * float32(s.sNext[cj]))
					dw := float32(p.Eta * (pot - dep))
					w := (i*k+c)*nin + m
					st.W12[w] = Clamp(st.W12[w]+dw, 0, p.WinMax)
				}
			}
			st.Q2[i] = float32(p.LambdaPost*st.Q2[i]) + si
		}
	}
}
