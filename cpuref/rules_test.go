package cpuref

import "testing"

// TestRSTDPRewardGatesEligibility: under rstdp the STDP term goes into the
// eligibility trace, and W_in changes by η·R·e only: not at all when the
// step's reward is 0, by +η·e on a clean hit (reward 1).
func TestRSTDPRewardGatesEligibility(t *testing.T) {
	for _, hit := range []bool{false, true} {
		p := quiet(3)
		p.Rule = RuleRSTDP
		p.Eta, p.LambdaElig = 0.1, 0.5
		i, j := 4, 1
		stim := Stimulus(dark{})
		if hit {
			stim = frameSet(3, map[int64][]int32{1: {int32(j)}}) // the target of step 0 is pixel j
		}
		s := handSim(t, p, 100, stim)
		st := s.State
		k := inIndex(3, i, j)
		st.WIn[k], st.Elig[k] = 0.5, 0.2
		st.V[i] = 1000 // cell i fires at step 0
		if hit {
			// Output j hears hidden cell i strongly: ŷ_j = 1 = y_j.
			kk, _ := outIndex(p, j, i)
			st.WOut[kk] = 4
		}
		s.Step()
		m := s.Measures()
		wantR := float32(0)
		if hit {
			wantR = 1
			if m.TP != 1 || m.FP != 0 || m.FN != 0 {
				t.Fatalf("set-up should give one clean hit, got TP %d FP %d FN %d", m.TP, m.FP, m.FN)
			}
		}
		// The STDP term is 0 (p_j and x are 0), so e = λ_e·0.2.
		e := float32(p.LambdaElig * 0.2)
		if st.Elig[k] != e {
			t.Fatalf("hit=%v: eligibility %v, want λ_e·e = %v", hit, st.Elig[k], e)
		}
		want := Clamp(0.5+float32(float32(p.Eta*wantR)*e), 0, p.WinMax)
		if st.WIn[k] != want {
			t.Fatalf("hit=%v: W_in %v, want %v", hit, st.WIn[k], want)
		}
		if hit && !(want > 0.5) {
			t.Fatalf("a rewarded positive trace must potentiate")
		}
	}
}

// TestRSTDPRewardSign checks reward() against hand-built ring slots.
func TestRSTDPRewardSign(t *testing.T) {
	p := quiet(3)
	p.Rule = RuleRSTDP
	s := handSim(t, p, 100, dark{})
	for _, c := range []struct {
		tp, fp, fn uint32
		want       float32
	}{{1, 0, 0, 1}, {0, 0, 0, 0}, {1, 1, 0, 0}, {0, 2, 1, 0}, {3, 1, 1, 1}, {2, 1, 1, 0}} {
		r := s.State.Ring[0:RingFields]
		r[RingTP], r[RingFP], r[RingFN] = c.tp, c.fp, c.fn
		if got := s.reward(); got != c.want {
			t.Errorf("TP %d FP %d FN %d: reward %v, want %v", c.tp, c.fp, c.fn, got, c.want)
		}
	}
}

// TestLearnRecSigns: a neighbour that fired the step before cell i fires
// is strengthened by η_rec·A₊; one that fires the step after cell i fired
// is weakened by η_rec·A₋; others are untouched; W_rec is fixed without
// -learn_rec.
func TestLearnRecSigns(t *testing.T) {
	for _, learn := range []bool{true, false} {
		p := quiet(5)
		p.RRec, p.Wrec0 = 1, 0
		p.LearnRec = learn
		p.EtaRec = 0.1
		s := handSim(t, p, 100, dark{})
		st := s.State
		n := 5
		i := 2*n + 2 // centre cell
		pre, post, other := i-1, i+1, i-n
		// Step 1: pre fires. Step 2: i fires. Step 3: post fires.
		st.V[pre] = 1000
		s.Step()
		st.V[i] = 1000
		s.Step()
		st.V[post] = 1000
		s.Step()
		nrec := Slots(1)
		w := func(j int) float32 { return st.WRec[i*nrec+slot(1, j/n-i/n, j%n-i%n)] }
		if !learn {
			for _, j := range []int{pre, post, other} {
				if w(j) != 0 {
					t.Fatalf("W_rec changed without -learn_rec: %v", w(j))
				}
			}
			continue
		}
		if got, want := w(pre), float32(p.EtaRec*float32(p.APlus*1)); got != want {
			t.Errorf("pre-before-post weight %v, want +η_rec·A₊ = %v", got, want)
		}
		if got, want := w(post), -float32(p.EtaRec*float32(p.AMinus*1)); got != want {
			t.Errorf("post-after weight %v, want −η_rec·A₋ = %v", got, want)
		}
		if w(other) != 0 {
			t.Errorf("a silent neighbour's weight changed: %v", w(other))
		}
	}
}
