package cpuref

// learnInput is step 7 for the hidden cells of the pixels of rows
// [r0, r1), each of a pixel's K cells ci alike: the rule's change of its
// W_in, clipped to [0, win_max], then its post-synaptic trace
// q ← λ_post·q + s. STDP reads p (one per input pixel, shared by the K
// cells) after this step's update and q before it. Under rstdp the STDP
// term feeds the eligibility trace, and the step's reward
// R = sign(TP − FP − FN) turns it into a change. With learn_rec, W_rec of
// the cell learns too (learnRec).
func (s *Sim) learnInput(_, r0, r1 int) {
	st, p, n := s.State, s.Params, s.Params.N
	plane := n * n
	nin := Slots(PatchR)
	var reward float32
	if p.Rule == RuleRSTDP {
		reward = s.reward()
	}
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			for c := 0; c < p.K; c++ {
				ci := c*plane + row*n + col
				si := float32(s.sNext[ci])
				for m := 0; m < nin; m++ {
					j, ok := Neighbour(n, row, col, PatchR, m)
					if !ok {
						continue
					}
					xj := float32(st.X[j])
					k := ci*nin + m
					var dw float32
					switch p.Rule {
					case RuleSTDP:
						pot := float32(float32(p.APlus*si) * st.P[j])
						dep := float32(float32(p.AMinus*st.Q[ci]) * xj)
						dw = float32(p.Eta * (pot - dep))
					case RuleHebbian:
						dw = float32(float32(p.Eta*si) * xj)
					case RuleRSTDP:
						pot := float32(float32(p.APlus*si) * st.P[j])
						dep := float32(float32(p.AMinus*st.Q[ci]) * xj)
						st.Elig[k] = float32(p.LambdaElig*st.Elig[k]) + (pot - dep)
						dw = float32(float32(p.Eta*reward) * st.Elig[k])
					}
					st.WIn[k] = Clamp(st.WIn[k]+dw, 0, p.WinMax)
				}
				st.Q[ci] = float32(p.LambdaPost*st.Q[ci]) + si
				if p.LearnRec {
					s.learnRec(row, col, c)
				}
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

// learnRec is the recurrent rule (-learn_rec) for cell c of pixel
// (row, col), ci = c·n² + i: pair STDP over one step, for every plane c2 of
// its window ΔW_rec[ci, c2·n² + j] = η_rec·(A₊·s_ci(t)·s_{c2,j}(t−1) −
// A₋·s_ci(t−1)·s_{c2,j}(t)), clipped to ±wrec_max: a neighbour that fired
// just before cell ci is strengthened, one that fired just after is
// weakened.
func (s *Sim) learnRec(row, col, c int) {
	st, p, n, k := s.State, s.Params, s.Params.N, s.Params.K
	plane := n * n
	ci := c*plane + row*n + col
	si, siPrev := float32(s.sNext[ci]), float32(st.S[ci])
	if si == 0 && siPrev == 0 {
		return // every term has a factor s_ci(t) or s_ci(t−1)
	}
	nrec := Slots(p.RRec)
	for c2 := 0; c2 < k; c2++ {
		for m := 0; m < nrec; m++ {
			j, ok := Neighbour(n, row, col, p.RRec, m)
			if !ok || m == nrec/2 {
				continue
			}
			pot := float32(float32(p.APlus*si) * float32(st.S[c2*plane+j]))
			dep := float32(float32(p.AMinus*siPrev) * float32(s.sNext[c2*plane+j]))
			dw := float32(p.EtaRec * (pot - dep))
			w := (ci*k+c2)*nrec + m
			st.WRec[w] = Clamp(st.WRec[w]+dw, -p.WrecMax, p.WrecMax)
		}
	}
}
