package cpufast

// learnHidden2 is STDP on W₁₂, as cpuref's learnHidden2, but for the
// trace q₂ ← λ_post·q₂ + s₂, which integrate2 did. It visits the cells
// whose second-layer cell spiked or that see a first-layer spike (of any
// plane) in their patch (the cells integrate2 marked); for the others
// every change is +0.
func (s *Sim) learnHidden2() {
	n := s.n
	if s.fullLearn {
		for i := 0; i < n*n; i++ {
			s.learnHidden2Cell(i)
		}
		return
	}
	s.act2.each(0, n, func(row, col int) { s.learnHidden2Cell(row*n + col) })
	for _, i := range s.spikes2 {
		if !s.act2.has(int(i)/n, int(i)%n) {
			s.learnHidden2Cell(int(i))
		}
	}
}

// learnHidden2Cell is the reference's learnHidden2 for cell i, with q₂
// read from q2Save: its patch over each plane c, c outer.
func (s *Sim) learnHidden2Cell(i int) {
	st, p, n, nn, K := s.st, &s.p, s.n, s.nn, s.k
	row, col := i/n, i%n
	si := float32(st.S2[i])
	q2 := s.q2Save[i]
	for c := range K {
		for y := max(row-1, 0); y <= min(row+1, n-1); y++ {
			for x := max(col-1, 0); x <= min(col+1, n-1); x++ {
				cj := c*nn + y*n + x
				pot := float32(float32(p.APlus*si) * st.Q[cj])
				dep := float32(float32(p.AMinus*q2) * float32(s.sNext[cj]))
				dw := float32(p.Eta * (pot - dep))
				k := (i*K+c)*9 + (y-row+1)*3 + (x - col + 1)
				st.W12[k] = clamp(st.W12[k]+dw, 0, p.WinMax)
			}
		}
	}
}
