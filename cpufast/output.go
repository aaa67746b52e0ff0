package cpufast

import (
	"github.com/spikecast/spikecast/cpuref"
)

// outputSpikes are the spikes the output layer reads, as cpuref's
// outputSpikes, but as a list of cells in ascending order: the first
// hidden layer's, or the second's when there is one.
func (s *Sim) outputSpikes() []int32 {
	if s.p.Layer2() == 1 {
		return s.spikes2
	}
	return s.spikes
}

// output is steps 4–6, as cpuref's output. With a local W_out and
// τ_out ≥ 0 only the output cells with a spike in their window are
// computed (u scattered from the spikes, ascending); every other cell has
// u = +0, so ŷ = 0 and e = y: the lit targets are misses and the rest stay
// 0. Otherwise (dense W_out, or τ_out < 0, where u = +0 predicts 1) every
// cell is evaluated.
func (s *Sim) output() (tp, fp, fn uint32) {
	st, p, n := s.st, s.p, s.n
	spikes := s.outputSpikes()
	local := p.OutLayout == cpuref.Local
	if local {
		r := p.ROut
		w := 2*r + 1
		width := w * w
		s.omark.clear()
		for _, j := range spikes {
			jr, jc := int(j)/n, int(j)%n
			for y := max(jr-r, 0); y <= min(jr+r, n-1); y++ {
				for x := max(jc-r, 0); x <= min(jc+r, n-1); x++ {
					k := y*n + x
					s.uAcc[k] += st.WOut[k*width+(jr-y+r)*w+(jc-x+r)]
					s.omark.set(y, x)
				}
			}
		}
	}
	sparse := local && !(float32(0) > p.TauOut)
	if sparse {
		for _, k := range s.errDirty {
			st.YHat[k], st.Err[k] = 0, 0
		}
		s.errDirty = s.errDirty[:0]
		if len(spikes)*p.OutWidth() < 1<<15 {
			// Too little to share: waking a goroutine costs more.
			s.outputSparseRows(0, 0, n)
			for w := 1; w < len(s.bands); w++ {
				s.bands[w].counts, s.bands[w].dirty = [cpuref.RingFields]uint32{}, s.bands[w].dirty[:0]
			}
		} else {
			s.forRows(s.outputSparseRows)
		}
		for w := range s.bands {
			b := &s.bands[w]
			s.errDirty = append(s.errDirty, b.dirty...)
			tp, fp, fn = tp+b.counts[cpuref.RingTP], fp+b.counts[cpuref.RingFP], fn+b.counts[cpuref.RingFN]
		}
		for _, k := range s.yOn {
			if !s.omark.has(int(k)/n, int(k)%n) {
				st.Err[k] = 1 // ŷ = 0: a miss
				fn++
				s.errDirty = append(s.errDirty, k)
			}
		}
	} else {
		s.forRows(s.outputDenseRows)
		for w := range s.bands {
			b := &s.bands[w]
			tp, fp, fn = tp+b.counts[cpuref.RingTP], fp+b.counts[cpuref.RingFP], fn+b.counts[cpuref.RingFN]
		}
	}
	if s.learn && local {
		// cpuref learns each cell right after predicting it; W_out is read by nothing else here.
		s.learnOutLocal(spikes)
	}
	return tp, fp, fn
}

// predict sets ŷ and e of output cell k from u, counts it, and reports
// whether either is nonzero.
func (s *Sim) predict(k int, u float32, c *[cpuref.RingFields]uint32) bool {
	var yhat uint32
	if u > s.p.TauOut {
		yhat = 1
	}
	e := int32(s.st.Y[k]) - int32(yhat)
	s.st.YHat[k], s.st.Err[k] = yhat, e
	switch {
	case yhat == 1 && e == 0:
		c[cpuref.RingTP]++
	case e < 0:
		c[cpuref.RingFP]++
	case e > 0:
		c[cpuref.RingFN]++
	}
	return yhat != 0 || e != 0
}

// outputSparseRows evaluates the marked output cells of rows [r0, r1).
func (s *Sim) outputSparseRows(w, r0, r1 int) {
	b := &s.bands[w]
	b.counts = [cpuref.RingFields]uint32{}
	b.dirty = b.dirty[:0]
	n := s.n
	s.omark.each(r0, r1, func(row, col int) {
		k := row*n + col
		u := s.uAcc[k]
		s.uAcc[k] = 0
		if s.predict(k, u, &b.counts) {
			b.dirty = append(b.dirty, int32(k))
		}
	})
}

// outputDenseRows evaluates every output cell of rows [r0, r1); with a
// dense W_out it also sums and learns each row, over the spikes in
// ascending order, as the reference does.
func (s *Sim) outputDenseRows(w, r0, r1 int) {
	st, p := s.st, s.p
	b := &s.bands[w]
	b.counts = [cpuref.RingFields]uint32{}
	spikes := s.outputSpikes()
	dense := p.OutLayout == cpuref.Dense
	width := p.OutWidth()
	for k := r0 * s.n; k < r1*s.n; k++ {
		var u float32
		if dense {
			wk := st.WOut[k*width : (k+1)*width]
			for _, j := range spikes {
				u += wk[j]
			}
		} else {
			u = s.uAcc[k]
			s.uAcc[k] = 0
		}
		s.predict(k, u, &b.counts)
		if dense && s.learn && st.Err[k] != 0 {
			wk := st.WOut[k*width : (k+1)*width]
			d := float32(p.EtaOut * float32(st.Err[k]))
			for _, j := range spikes {
				wk[j] = cpuref.Clamp(wk[j]+d, -p.WoutMax, p.WoutMax)
			}
		}
	}
}

// learnOutLocal is the delta rule for a local W_out, scattered from the
// spikes: weight (k, m) changes only when hidden cell j(m) spiked and
// e_k ≠ 0, and each such weight is visited exactly once.
func (s *Sim) learnOutLocal(spikes []int32) {
	st, p, n := s.st, s.p, s.n
	r := p.ROut
	w := 2*r + 1
	width := w * w
	for _, j := range spikes {
		jr, jc := int(j)/n, int(j)%n
		for y := max(jr-r, 0); y <= min(jr+r, n-1); y++ {
			for x := max(jc-r, 0); x <= min(jc+r, n-1); x++ {
				k := y*n + x
				if e := st.Err[k]; e != 0 {
					d := float32(p.EtaOut * float32(e))
					wi := k*width + (jr-y+r)*w + (jc - x + r)
					st.WOut[wi] = cpuref.Clamp(st.WOut[wi]+d, -p.WoutMax, p.WoutMax)
				}
			}
		}
	}
}
