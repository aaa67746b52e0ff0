package cpufast

import (
	"github.com/spikecast/spikecast/cpuref"
)

// learnInput is step 7 on W_in, as cpuref's learnInput, but for the
// trace q ← λ_post·q + s, which integrate did. Under stdp only the cells
// that spiked (at every slot) and the lit slots of the others are visited,
// and under hebbian only the lit slots of the cells that spiked: every
// other slot's change is exactly +0 (see docs/CPUFAST.md).
// Under rstdp every eligibility trace decays, so every cell is visited,
// the idle ones by a short loop.
func (s *Sim) learnInput() {
	switch {
	case s.p.Rule == cpuref.RuleRSTDP:
		s.lmark.clear()
		s.markLearnInput()
		s.forRowsOf(s.k*s.n, s.learnRSTDPRows)
	case s.fullLearn && s.p.Rule == cpuref.RuleSTDP:
		for ci := range s.k * s.nn {
			s.learnSTDPCell(ci) // learnInputCell's arithmetic, and its clip
		}
	case s.fullLearn:
		for ci := range s.k * s.nn {
			s.learnInputCell(ci, 0)
		}
	case s.p.Rule == cpuref.RuleHebbian:
		s.learnHebbianSpiking()
	default:
		for _, ci := range s.spikes {
			s.learnSTDPCell(int(ci))
		}
		s.learnSTDPLit()
	}
	if s.p.LearnRec {
		// cpuref runs learnRec cell by cell inside this pass; W_rec is read by nothing above.
		s.learnRecSpiking()
	}
}

// learnSTDPCell is stdp's learnInput for cell ci = c·n² + i at every slot
// of its patch, as learnInputCell, with the factors that do not depend on
// the slot, A₊·s_i and A₋·q_i, computed once (the same roundings).
func (s *Sim) learnSTDPCell(ci int) {
	st, p, n := s.st, &s.p, s.n
	i := ci % s.nn
	row, col := i/n, i%n
	aps := float32(p.APlus * float32(s.sNext[ci]))
	amq := float32(p.AMinus * s.qSave[ci])
	eta, wmax := p.Eta, p.WinMax
	w := st.WIn[ci*9 : ci*9+9]
	if row > 0 && row < n-1 && col > 0 && col < n-1 {
		// Off the border (most cells): three whole rows of three, as
		// arrays, so that the loop carries no bounds checks.
		b := (row-1)*n + col - 1
		for dy := range 3 {
			P, X := (*[3]float32)(st.P[b:b+3]), (*[3]uint32)(st.X[b:b+3])
			ws := (*[3]float32)(w[dy*3 : dy*3+3])
			for x := range 3 {
				pot := float32(aps * P[x])
				dep := float32(amq * float32(X[x]))
				dw := float32(eta * (pot - dep))
				ws[x] = clamp(ws[x]+dw, 0, wmax)
			}
			b += n
		}
		return
	}
	x0, x1 := max(col-1, 0), min(col+1, n-1)
	for y := max(row-1, 0); y <= min(row+1, n-1); y++ {
		P, X := st.P[y*n+x0:y*n+x1+1], st.X[y*n+x0:y*n+x1+1]
		X = X[:len(P)]
		ws := w[(y-row+1)*3+(x0-col+1):]
		ws = ws[:len(P)]
		for x, pj := range P {
			pot := float32(aps * pj)
			dep := float32(amq * float32(X[x]))
			dw := float32(eta * (pot - dep))
			ws[x] = clamp(ws[x]+dw, 0, wmax)
		}
	}
}

// learnSTDPLit is stdp's learnInput at the lit slots of the cells that did
// not spike (learnSTDPCell did those that did), scattered from the lit
// pixels: every cell of every pixel whose patch holds lit pixel j changes
// at j's slot by η·((A₊·0)·p_j − (A₋·q)·1). At a dark slot such a cell's
// change is η·(+0 − +0) = +0, which is skipped. Each weight is reached
// from one lit pixel only, so the order does not matter.
func (s *Sim) learnSTDPLit() {
	st, p, n, nn, K := s.st, &s.p, s.n, s.nn, s.k
	aps := float32(p.APlus * 0) // s_i = 0
	amin, eta, wmax := p.AMinus, p.Eta, p.WinMax
	spiked, qs, win := s.sNext[:K*nn], s.qSave[:K*nn], st.WIn[:K*nn*9]
	for _, j := range s.xOn {
		jr, jc := int(j)/n, int(j)%n
		pot := float32(aps * st.P[j])
		xj := float32(st.X[j]) // 1
		x0, x1 := max(jc-1, 0), min(jc+1, n-1)
		for y := max(jr-1, 0); y <= min(jr+1, n-1); y++ {
			m := (jr-y+1)*3 + (jc - x0 + 1) // falls by 1 along the row
			for i := y*n + x0; i <= y*n+x1; i++ {
				for ci := i; ci < len(spiked); ci += nn {
					if spiked[ci] != 0 {
						continue // learnSTDPCell's
					}
					dep := float32(float32(amin*qs[ci]) * xj)
					dw := float32(eta * (pot - dep))
					k := ci*9 + m
					win[k] = clamp(win[k]+dw, 0, wmax)
				}
				m--
			}
		}
	}
}

// markLearnInput marks the cells that spiked or see a lit pixel (all K
// cells of each pixel in a lit pixel's 3×3 box), in lmark's stacked
// planes: cell c·n² + i is row c·n + i/n.
func (s *Sim) markLearnInput() {
	n := s.n
	for _, j := range s.xOn {
		for c := range s.k {
			s.lmark.setBox(c*n, int(j)/n, int(j)%n, cpuref.PatchR)
		}
	}
	for _, ci := range s.spikes {
		s.lmark.set(int(ci)/n, int(ci)%n)
	}
}

// learnHebbianSpiking is hebbian's learnInput for the cells that spiked
// and see a lit pixel, at their lit slots. Its change (η·s)·x is
// (η·0)·x = +0 for a cell that did not spike and (η·1)·0 = +0 at a dark
// pixel, so no other weight moves (after the first learning step since
// Load, every weight is in range and not −0).
func (s *Sim) learnHebbianSpiking() {
	if len(s.xOn) == 0 {
		return
	}
	n, nn := s.n, s.nn
	s.lbox.clear()
	for _, j := range s.xOn {
		s.lbox.setBox(0, int(j)/n, int(j)%n, cpuref.PatchR)
	}
	st, p := s.st, &s.p
	dw := float32(float32(p.Eta*1) * 1) // (η·s)·x at s = x = 1
	if len(s.xOn)*s.k < len(s.spikes) {
		s.learnHebbianLit(dw)
		return
	}
	for _, ci := range s.spikes {
		i := int(ci) % nn
		row, col := i/n, i%n
		if !s.lbox.has(row, col) {
			continue
		}
		for y := max(row-1, 0); y <= min(row+1, n-1); y++ {
			for x := max(col-1, 0); x <= min(col+1, n-1); x++ {
				if st.X[y*n+x] == 0 {
					continue // (η·1)·0: W + (+0) is W
				}
				k := int(ci)*9 + (y-row+1)*3 + (x - col + 1)
				st.WIn[k] = clamp(st.WIn[k]+dw, 0, p.WinMax)
			}
		}
	}
}

// learnHebbianLit is learnHebbianSpiking walked from the lit pixels, for
// when they are fewer than the spikes over the planes: the change dw at
// lit pixel j's slot of every cell that spiked and whose patch holds j.
// Those are the weights learnHebbianSpiking reaches, each once.
func (s *Sim) learnHebbianLit(dw float32) {
	st, n, nn := s.st, s.n, s.nn
	wmax := s.p.WinMax
	spiked, win := s.sNext[:s.k*nn], st.WIn[:s.k*nn*9]
	for _, j := range s.xOn {
		jr, jc := int(j)/n, int(j)%n
		x0, x1 := max(jc-1, 0), min(jc+1, n-1)
		for y := max(jr-1, 0); y <= min(jr+1, n-1); y++ {
			m := (jr-y+1)*3 + (jc - x0 + 1) // falls by 1 along the row
			for i := y*n + x0; i <= y*n+x1; i++ {
				for ci := i; ci < len(spiked); ci += nn {
					if spiked[ci] != 0 {
						k := ci*9 + m
						win[k] = clamp(win[k]+dw, 0, wmax)
					}
				}
				m--
			}
		}
	}
}

// learnInputCell is the reference's learnInput for cell ci = c·n² + i (q
// read from qSave, where the dense loop left it), with reward R under
// rstdp.
func (s *Sim) learnInputCell(ci int, reward float32) {
	st, p, n := s.st, &s.p, s.n
	i := ci % s.nn
	row, col := i/n, i%n
	si := float32(s.sNext[ci])
	qi := s.qSave[ci]
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
			k := ci*9 + (y-row+1)*3 + (x - col + 1)
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
			st.WIn[k] = clamp(st.WIn[k]+dw, 0, p.WinMax)
		}
	}
}

// learnRSTDPRows is rstdp's learnInput over rows [r0, r1) of the stacked
// planes (row c·n + y is row y of plane c): the marked cells (and all of
// them after Load) by the full rule, the others by the decay of their
// eligibility traces, e ← λ_e·e + (+0), and, when η·R ≠ 0, the weight
// change (η·R)·e. When η·R = 0 that change is ±0 and is skipped.
func (s *Sim) learnRSTDPRows(_, r0, r1 int) {
	st, p, n := s.st, &s.p, s.n
	reward := s.reward()
	etaR := float32(p.Eta * reward)
	var zero float32 // −0 + (+0) is +0: the reference adds pot − dep = +0
	for srow := r0; srow < r1; srow++ {
		row := srow % n
		for col := range n {
			ci := srow*n + col
			if s.fullLearn || s.lmark.has(srow, col) {
				s.learnInputCell(ci, reward)
				continue
			}
			for y := max(row-1, 0); y <= min(row+1, n-1); y++ {
				for x := max(col-1, 0); x <= min(col+1, n-1); x++ {
					k := ci*9 + (y-row+1)*3 + (x - col + 1)
					e := float32(p.LambdaElig*st.Elig[k]) + zero
					st.Elig[k] = e
					if etaR != 0 {
						st.WIn[k] = clamp(st.WIn[k]+float32(etaR*e), 0, p.WinMax)
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
	for _, ci := range s.spikes {
		s.learnRec(int(ci))
	}
	for _, ci := range s.spikesPrev {
		if s.sNext[ci] == 0 { // not visited above
			s.learnRec(int(ci))
		}
	}
}

// learnRec is the recurrent rule (-learn_rec) for cell ci = c·n² + i, as
// cpuref's learnRec: its window over each plane c′, c′ outer.
func (s *Sim) learnRec(ci int) {
	st, p, n, nn, K := s.st, &s.p, s.n, s.nn, s.k
	i := ci % nn
	row, col := i/n, i%n
	si, siPrev := float32(s.sNext[ci]), float32(st.S[ci])
	r := p.RRec
	w := 2*r + 1
	nrec := w * w
	for c2 := range K {
		for y := max(row-r, 0); y <= min(row+r, n-1); y++ {
			for x := max(col-r, 0); x <= min(col+r, n-1); x++ {
				j := y*n + x
				if j == i {
					continue
				}
				cj := c2*nn + j
				pot := float32(float32(p.APlus*si) * float32(st.S[cj]))
				dep := float32(float32(p.AMinus*siPrev) * float32(s.sNext[cj]))
				dw := float32(p.EtaRec * (pot - dep))
				k := (ci*K+c2)*nrec + (y-row+r)*w + (x - col + r)
				st.WRec[k] = clamp(st.WRec[k]+dw, -p.WrecMax, p.WrecMax)
			}
		}
	}
}

// clamp is cpuref.Clamp, min(max(v, lo), hi), with the common case first:
// a v strictly inside (lo, hi) is its own clamp (it is no NaN and equals
// neither bound, so no choice between +0 and −0 arises), and the compare
// is cheaper than Go's min and max of floats, which must handle both.
// Every other v goes through cpuref.Clamp itself.
func clamp(v, lo, hi float32) float32 {
	if v > lo && v < hi {
		return v
	}
	return cpuref.Clamp(v, lo, hi)
}
