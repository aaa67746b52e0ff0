package cpufast

// integrate2 is the second hidden layer (Horizon > 1): in₂ scattered from
// the spikes s(t) like integrate's sums, the dense loop with its own noise
// stream and leak, homeostasis of θ₂ and the decay of q₂.
func (s *Sim) integrate2() {
	st := s.st
	for _, j := range s.spikes2 {
		st.S2[j] = 0
	}
	s.act2.clear()
	s.scatterPatch(s.spikes, st.W12, s.in2Acc, &s.act2)
	if s.learn && s.fullLearn {
		copy(s.q2Save, st.Q2)
	}
	s.forBands(s.integrate2Band)
	s.spikes2 = s.gatherSpikes(s.spikes2[:0])
	if s.learn {
		s.q2Live.decay(st.Q2, s.p.LambdaPost, st.S2)
		for _, i := range s.spikes2 {
			s.q2Live.add(i)
		}
	}
}

func (s *Sim) integrate2Band(w, r0, r1 int) {
	k := s.kernel(true)
	s.denseBand(&k, &s.act2, w, r0, r1)
}
