package cpuref

// learnInput is step 7 for hidden cells of rows [r0, r1): the rule's
// change of W_in, clipped to [0, win_max], then the post-synaptic trace
// q ← λ_post·q + s. STDP reads p after this step's update and q before it.
// Under rstdp the STDP term feeds the eligibility trace, and the step's
// reward R = sign(TP − FP − FN) turns it into a change. With learn_rec,
// W_rec of the cell learns too (learnRec).
func (s *Sim) learnInput(_, r0, r1 int) {
	st, p, n := s.State, s.Params, s.Params.N
	nin := Slots(PatchR)
	var reward float32
	if p.Rule == RuleRSTDP {
		reward = s.reward()
	}
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			i := row*n + col
			si := float32(s.sNext[i])
			for m := 0; m < nin; m++ {
				j, ok := Neighbour(n, row, col, PatchR, m)
				if !ok {
					continue
				}
				xj := float32(st.X[j])
				k := i*nin + m
				var dw float32
				switch p.Rule {
				case RuleSTDP:
					pot := float32(float32(p.APlus*si) * st.P[j])
					dep := float32(float32(p.AMinus*st.Q[i]) * xj)
					dw = float32(p.Eta * (pot - dep))
				case RuleHebbian:
					dw = float32(float32(p.Eta*si) * xj)
				case RuleRSTDP:
					pot := float32(float32(p.APlus*si) * st.P[j])
					dep := float32(float32(p.AMinus*st.Q[i]) * xj)
					st.Elig[k] = float32(p.LambdaElig*st.Elig[k]) + (pot - dep)
					dw = float32(float32(p.Eta*reward) * st.Elig[k])
				}
				st.WIn[k] = Clamp(st.WIn[k]+dw, 0, p.WinMax)
			}
			st.Q[i] = float32(p.LambdaPost*st.Q[i]) + si
			if p.LearnRec {
				s.learnRec(row, col)
			}
		}
	}
}

// reward is the rstdp reward of this step: 1 when hits outnumber misses
// and false alarms together, else 0. It reads the counts the output pass
// left in this step's ring slot. There is no punishment (−1): a network
// that has not learned yet errs on almost every step, and a negative
// reward then drives W_in to 0 and the layer silent (seen: F1 0, rate 0).
func (s *Sim) reward() float32 {
	slot := int(s.State.T % Window)
	r := s.State.Ring[slot*RingFields : (slot+1)*RingFields]
	d := int64(r[RingTP]) - int64(r[RingFP]) - int64(r[RingFN])
	if d > 0 {
		return 1
	}
	return 0
}

// learnRec is the recurrent rule (-learn_rec) for cell (row, col): pair
// STDP over one step, ΔW_rec[i,j] = η_rec·(A₊·s_i(t)·s_j(t−1) −
// A₋·s_i(t−1)·s_j(t)), clipped to ±wrec_max: a neighbour that fired just
// before cell i is strengthened, one that fired just after is weakened.
func (s *Sim) learnRec(row, col int) {
	st, p, n := s.State, s.Params, s.Params.N
	i := row*n + col
	si, siPrev := float32(s.sNext[i]), float32(st.S[i])
	if si == 0 && siPrev == 0 {
		return // every term has a factor s_i(t) or s_i(t−1)
	}
	nrec := Slots(p.RRec)
	for m := 0; m < nrec; m++ {
		j, ok := Neighbour(n, row, col, p.RRec, m)
		if !ok || m == nrec/2 {
			continue
		}
		pot := float32(float32(p.APlus*si) * float32(st.S[j]))
		dep := float32(float32(p.AMinus*siPrev) * float32(s.sNext[j]))
		dw := float32(p.EtaRec * (pot - dep))
		k := i*nrec + m
		st.WRec[k] = Clamp(st.WRec[k]+dw, -p.WrecMax, p.WrecMax)
	}
}
