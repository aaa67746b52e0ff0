package cpufast

import (
	"github.com/spikecast/spikecast/cpuref"
)

// learnInput is step 7 on W_in, as cpuref's learnInput, but for the
// trace q ← λ_post·q + s, which integrate did. Under stdp and hebbian only
// the cells that spiked or have a lit pixel in their patch are visited:
// for any other cell every slot's change is exactly +0 (see
// docs/CPUFAST.md). Under rstdp every eligibility trace decays, so every
// cell is visited, the idle ones by a short loop.
func (s *Sim) learnInput() {
	n := s.n
	switch {
	case s.p.Rule == cpuref.RuleRSTDP:
		s.lmark.clear()
		s.markLearnInput()
		s.forRows(s.learnRSTDPRows)
	case s.fullLearn:
		for i := 0; i < n*n; i++ {
			s.learnInputCell(i/n, i%n, 0)
		}
	default:
		s.lmark.clear()
		s.markLearnInput()
		s.lmark.each(0, n, func(row, col int) { s.learnInputCell(row, col, 0) })
	}
	if s.p.LearnRec {
		// cpuref runs learnRec cell by cell inside this pass; W_rec is read by nothing above.
		s.learnRecSpiking()
	}
}

// markLearnInput marks the cells that spiked or see a lit pixel.
func (s *Sim) markLearnInput() {
	n := s.n
	for _, j := range s.xOn {
		s.lmark.setBox(int(j)/n, int(j)%n, cpuref.PatchR)
	}
	for _, j := range s.spikes {
		s.lmark.set(int(j)/n, int(j)%n)
	}
}

// learnInputCell is the reference's learnInput for one cell (q read from
// qSave, where the dense loop left it), with reward R under rstdp.
func (s *Sim) learnInputCell(row, col int, reward float32) {
	st, p, n := s.st, s.p, s.n
	i := row*n + col
	si := float32(s.sNext[i])
	qi := s.qSave[i]
	for y := row - 1; y <= row+1; y++ {
		if y < 0 || y >= n {
			continue
		}
		for x := col - 1; x <= col+1; x++ {
			if x < 0 || x >= n {
				continue
			}
			j := y*n + x
			xj := float32(st.X[j])
			k := i*9 + (y-row+1)*3 + (x - col + 1)
			var dw float32
			switch p.Rule {
			case cpuref.RuleSTDP:
				pot := float32(float32(p.APlus*si) * st.P[j])
				dep := float32(float32(p.AMinus*qi) * xj)
				dw = float32(p.Eta * (pot - dep))
			case cpuref.RuleHebbian:
				dw = float32(float32(p.Eta*si) * xj)
			case cpuref.RuleRSTDP:
				pot := float32(float32(p.APlus*si) * st.P[j])
				dep := float32(float32(p.AMinus*qi) * xj)
				st.Elig[k] = float32(p.LambdaElig*st.Elig[k]) + (pot - dep)
				dw = float32(float32(p.Eta*reward) * st.Elig[k])
			}
			st.WIn[k] = cpuref.Clamp(st.WIn[k]+dw, 0, p.WinMax)
		}
	}
}

// learnRSTDPRows is rstdp's learnInput over rows [r0, r1): the marked cells
// (and all of them after Load) by the full rule, the others by the decay
// of their eligibility traces, e ← λ_e·e + (+0), and, when η·R ≠ 0, the
// weight change (η·R)·e. When η·R = 0 that change is ±0 and is skipped.
func (s *Sim) learnRSTDPRows(_, r0, r1 int) {
	st, p, n := s.st, s.p, s.n
	reward := s.reward()
	etaR := float32(p.Eta * reward)
	var zero float32 // −0 + (+0) is +0: the reference adds pot − dep = +0
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			if s.fullLearn || s.lmark.has(row, col) {
				s.learnInputCell(row, col, reward)
				continue
			}
			i := row*n + col
			for y := max(row-1, 0); y <= min(row+1, n-1); y++ {
				for x := max(col-1, 0); x <= min(col+1, n-1); x++ {
					k := i*9 + (y-row+1)*3 + (x - col + 1)
					e := float32(p.LambdaElig*st.Elig[k]) + zero
					st.Elig[k] = e
					if etaR != 0 {
						st.WIn[k] = cpuref.Clamp(st.WIn[k]+float32(etaR*e), 0, p.WinMax)
					}
				}
			}
		}
	}
}

// reward is the rstdp reward of this step, from this step's ring slot.
func (s *Sim) reward() float32 {
	slot := int(s.st.T % cpuref.Window)
	r := s.st.Ring[slot*cpuref.RingFields : (slot+1)*cpuref.RingFields]
	if int64(r[cpuref.RingTP])-int64(r[cpuref.RingFP])-int64(r[cpuref.RingFN]) > 0 {
		return 1
	}
	return 0
}

// learnRecSpiking is learnRec for the cells that spiked in this step or
// the last: every other cell's change is 0, and the reference skips it.
func (s *Sim) learnRecSpiking() {
	n := s.n
	for _, i := range s.spikes {
		s.learnRec(int(i)/n, int(i)%n)
	}
	for _, i := range s.spikesPrev {
		if s.sNext[i] == 0 { // not visited above
			s.learnRec(int(i)/n, int(i)%n)
		}
	}
}

// learnRec is the recurrent rule (-learn_rec) for cell (row, col), as
// cpuref's learnRec.
func (s *Sim) learnRec(row, col int) {
	st, p, n := s.st, s.p, s.n
	i := row*n + col
	si, siPrev := float32(s.sNext[i]), float32(st.S[i])
	r := p.RRec
	w := 2*r + 1
	nrec := w * w
	for y := max(row-r, 0); y <= min(row+r, n-1); y++ {
		for x := max(col-r, 0); x <= min(col+r, n-1); x++ {
			j := y*n + x
			if j == i {
				continue
			}
			pot := float32(float32(p.APlus*si) * float32(st.S[j]))
			dep := float32(float32(p.AMinus*siPrev) * float32(s.sNext[j]))
			dw := float32(p.EtaRec * (pot - dep))
			k := i*nrec + (y-row+r)*w + (x - col + r)
			st.WRec[k] = cpuref.Clamp(st.WRec[k]+dw, -p.WrecMax, p.WrecMax)
		}
	}
}
