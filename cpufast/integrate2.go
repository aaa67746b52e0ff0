package cpufast

import "github.com/spikecast/spikecast/cpuref"

// integrate2 is the second hidden layer (Horizon > 1), as cpuref's
// integrate2: in₂ scattered from the spikes s(t) like integrate's sums,
// the dense loop with its own noise stream and leak, and homeostasis of
// θ₂. When learning it also does q₂ ← λ_post·q₂ + s₂, which cpuref does in
// learnHidden2, for the reason integrate does q.
func (s *Sim) integrate2() {
	st := s.st
	for _, j := range s.spikes2 {
		st.S2[j] = 0
	}
	s.act2.clear()
	s.scatter12()
	if s.learn && s.fullLearn {
		copy(s.q2Save, st.Q2)
	}
	s.forRows(s.integrate2Rows)
	s.spikes2 = s.gatherSpikes(s.spikes2[:0], 1)
	if s.learn {
		s.q2Live.decay(st.Q2, s.p.LambdaPost, st.S2)
		for _, i := range s.spikes2 {
			s.q2Live.add(i)
		}
	}
}

// integrate2Rows is the second layer's dense loop over rows [r0, r1): its
// noise stream, leak ρ₂, current (in₂ + b) + ξ, state V₂, θ₂, q₂, and
// s₂(t) written to State.S2.
func (s *Sim) integrate2Rows(w, r0, r1 int) {
	st, p := s.st, &s.p
	k := s.kernel()
	k.key = cpuref.NoiseKey(p.Seed, cpuref.StreamNoise2, uint32(st.T))
	k.cell = newCellParams(p, p.Rho2, p.EtaThetaAt(st.T), p.TargetRate)
	k.b0 = float32(float32(0) + p.Bias) // (in₂ + b), in₂ = +0
	k.V, k.Th, k.Q, k.qSave = st.V2, st.Theta2, st.Q2, s.q2Save
	k.acc = s.in2Acc
	k.spikeOut = st.S2
	s.denseRows(&k, &s.act2, 0, w, r0, r1)
}

// scatter12 adds, for each first-layer spike of s(t) at cell c·n² + j
// (ascending: plane c outer, pixel inner), the weight W12[(i·K + c)·9 + m]
// of every on-grid cell i whose patch holds j at slot m to in₂ of i, and
// marks i: for each cell, the reference's c-outer, m-inner order.
func (s *Sim) scatter12() {
	n, nn, K := s.n, s.nn, s.k
	acc, w := s.in2Acc, s.st.W12
	for _, cj := range s.spikes {
		c, j := int(cj)/nn, int(cj)%nn
		jr, jc := j/n, j%n
		s.act2.setBox(0, jr, jc, cpuref.PatchR) // the cells whose patch holds j
		addWindow(acc, w, n, jr, jc, cpuref.PatchR, K, c, 9)
	}
}
