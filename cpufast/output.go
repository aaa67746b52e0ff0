package cpufast

import (
	"github.com/spikecast/spikecast/cpuref"
)

// outputSpikes are the spikes the output layer reads, as cpuref's
// outputSpikes, but as a list of cells in ascending order: the first
// hidden layer's (all K planes), or the second's when there is one.
func (s *Sim) outputSpikes() []int32 {
	if s.p.Layer2() == 1 {
		return s.spikes2
	}
	return s.spikes
}

// output is steps 4–6, as cpuref's output. With a local W_out the sum u
// is scattered from the spikes (ascending: plane outer, slot inner) and
// then from the lit inputs of the direct path, the reference's order for
// every output cell. With τ_out ≥ 0 only the output cells with a term in
// their window are computed: every other cell has u = +0, so ŷ = 0 and
// e = y: the lit targets are misses and the rest stay 0. With a bias such
// a cell has u = +0 + β_k, so the cells whose β_k > τ_out (hot) and the
// lit targets are computed too, and every other cell stays 0. Otherwise
// (dense W_out, or τ_out < 0, where u = +0 predicts 1) every cell is
// evaluated.
func (s *Sim) output() (tp, fp, fn uint32) {
	st, p, n := s.st, s.p, s.n
	spikes := s.outputSpikes()
	local := p.OutLayout == cpuref.Local
	s.omark.clear()
	if local {
		s.scatterOut(spikes)
		s.scatterDirect()
	}
	sparse := local && !(float32(0) > p.TauOut)
	bias := p.HasBias()
	if sparse {
		for _, k := range s.errDirty {
			st.YHat[k], st.Err[k] = 0, 0
		}
		s.errDirty = s.errDirty[:0]
		work := len(spikes)*p.OutWidth() + (len(s.xOn)+len(s.xPrevOn))*p.DirectWidth()
		if bias {
			for _, k := range s.hot {
				s.omark.set(int(k)/n, int(k)%n)
			}
			for _, k := range s.yOn {
				s.omark.set(int(k)/n, int(k)%n)
			}
			work += len(s.hot) + len(s.yOn)
			s.hot = s.hot[:0]
		}
		if work < 1<<15 {
			// Too little to share: waking a goroutine costs more.
			s.outputSparseRows(0, 0, n)
			for w := 1; w < len(s.bands); w++ {
				b := &s.bands[w]
				b.counts, b.dirty, b.hot = [cpuref.RingFields]uint32{}, b.dirty[:0], b.hot[:0]
			}
		} else {
			s.forRows(s.outputSparseRows)
		}
		for w := range s.bands {
			b := &s.bands[w]
			s.errDirty = append(s.errDirty, b.dirty...)
			s.hot = append(s.hot, b.hot...)
			tp, fp, fn = tp+b.counts[cpuref.RingTP], fp+b.counts[cpuref.RingFP], fn+b.counts[cpuref.RingFN]
		}
		for _, k := range s.yOn {
			if !s.omark.has(int(k)/n, int(k)%n) { // (with a bias every lit target was marked)
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
	if s.learn {
		// cpuref learns each cell right after predicting it; W_out and
		// W_direct are read by nothing else here.
		// Sparse, the list of the cells with e ≠ 0 is at hand (errDirty
		// holds them) for whichever side of the rule is shorter.
		var errCells []int32
		if sparse {
			errCells = s.errDirty
		}
		if local {
			s.learnOutLocal(spikes, errCells)
		}
		s.learnDirect(errCells)
	}
	return tp, fp, fn
}

// scatterOut adds, for each spike at cell c·n² + j (ascending), the weight
// W_out[(k·K + c)·S_out + m] (K: Params.OutPlanes) of every on-grid output
// cell k whose window holds j at slot m to u of k, and marks k.
func (s *Sim) scatterOut(spikes []int32) {
	st, n, nn, K := s.st, s.n, s.nn, s.p.OutPlanes()
	r := s.p.ROut
	width := (2*r + 1) * (2*r + 1)
	if r == 0 {
		// A window of one slot: spike c·n² + j reaches output cell j.
		for _, cj := range spikes {
			c, j := int(cj)/nn, int(cj)%nn
			s.omark.set(j/n, j%n)
			s.uAcc[j] += st.WOut[j*K+c]
		}
		return
	}
	for _, cj := range spikes {
		c, j := int(cj)/nn, int(cj)%nn
		jr, jc := j/n, j%n
		s.omark.setBox(0, jr, jc, r) // the output cells whose window holds j
		addWindow(s.uAcc, st.WOut, n, jr, jc, r, K, c, width)
	}
}

// addWindow adds, for every on-grid cell k within radius r of (jr, jc),
// the weight wts[(k·planes + plane)·width + m] to acc[k], m being the slot
// of (jr, jc) in k's window. Along a row of targets k rises by 1 and m
// falls by 1, so the weight index steps by planes·width − 1.
func addWindow(acc, wts []float32, n, jr, jc, r, planes, plane, width int) {
	w := 2*r + 1
	x0, x1 := max(jc-r, 0), min(jc+r, n-1)
	step := planes*width - 1
	for y := max(jr-r, 0); y <= min(jr+r, n-1); y++ {
		row := acc[y*n+x0 : y*n+x1+1]
		wi := ((y*n+x0)*planes+plane)*width + (jr-y+r)*w + (jc - x0 + r)
		for x := range row {
			row[x] += wts[wi]
			wi += step
		}
	}
}

// directInputs are the inputs of the direct path, ascending: X(t)'s lit
// pixels for d = 0 and, with -direct 2, X(t−1)'s for d = 1.
func (s *Sim) directInputs() [2][]int32 {
	return [2][]int32{s.xOn, s.xPrevOn}
}

// scatterDirect adds, for d = 0 … D−1 and each lit pixel j of input d
// (ascending), the weight W_direct[(k·D + d)·S_dir + m] of every on-grid
// output cell k whose window holds j at slot m to u of k, and marks k.
// It runs after scatterOut, so each u gets the hidden terms first, as in
// the reference.
func (s *Sim) scatterDirect() {
	st, n, D := s.st, s.n, s.p.Direct
	r := s.p.RDirect
	width := (2*r + 1) * (2*r + 1)
	in := s.directInputs()
	for d := range D {
		for _, j := range in[d] {
			jr, jc := int(j)/n, int(j)%n
			s.omark.setBox(0, jr, jc, r) // the output cells whose window holds j
			addWindow(s.uAcc, st.WDirect, n, jr, jc, r, D, d, width)
		}
	}
}

// directSum adds the direct path's terms of output cell k to u, walking
// its windows in the reference's order (dense W_out, whose hidden sum is
// not scattered).
func (s *Sim) directSum(k int, u float32) float32 {
	st, n, D := s.st, s.n, s.p.Direct
	r := s.p.RDirect
	w := 2*r + 1
	width := w * w
	row, col := k/n, k%n
	frames := [2][]uint32{st.X, st.XPrev}
	for d := range D {
		x := frames[d]
		for m := range width {
			if j, ok := cpuref.Neighbour(n, row, col, r, m); ok && x[j] != 0 {
				u += st.WDirect[(k*D+d)*width+m]
			}
		}
	}
	return u
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

// outputSparseRows evaluates the marked output cells of rows [r0, r1);
// with a bias it adds β_k, learns it, and lists the cells left hot.
func (s *Sim) outputSparseRows(w, r0, r1 int) {
	st, p := s.st, &s.p
	b := &s.bands[w]
	b.counts = [cpuref.RingFields]uint32{}
	b.dirty, b.hot = b.dirty[:0], b.hot[:0]
	n := s.n
	bias := p.HasBias()
	s.omark.each(r0, r1, func(row, col int) {
		k := row*n + col
		u := s.uAcc[k]
		s.uAcc[k] = 0
		if bias {
			u += st.Bias[k]
		}
		if s.predict(k, u, &b.counts) {
			b.dirty = append(b.dirty, int32(k))
		}
		if bias {
			s.learnBias(k)
			if st.Bias[k] > p.TauOut {
				b.hot = append(b.hot, int32(k))
			}
		}
	})
}

// learnBias is the bias's delta rule for output cell k, right after its
// prediction: β_k ← clamp(β_k + η_β·e, ±wout_max) where e ≠ 0.
func (s *Sim) learnBias(k int) {
	st, p := s.st, &s.p
	if e := st.Err[k]; s.learn && e != 0 {
		st.Bias[k] = clamp(st.Bias[k]+float32(p.EtaBias*float32(e)), -p.WoutMax, p.WoutMax)
	}
}

// outputDenseRows evaluates every output cell of rows [r0, r1): u is the
// scattered sum (local W_out) or, with a dense W_out, the sum over the
// spikes in ascending order and then the direct path's terms, as the
// reference adds them; then the bias. With a dense W_out it also learns
// each row, and the bias learns here too: β_k is read by cell k alone.
func (s *Sim) outputDenseRows(w, r0, r1 int) {
	st, p := s.st, s.p
	b := &s.bands[w]
	b.counts = [cpuref.RingFields]uint32{}
	spikes := s.outputSpikes()
	dense := p.OutLayout == cpuref.Dense
	bias := p.HasBias()
	width := p.OutWidth()
	for k := r0 * s.n; k < r1*s.n; k++ {
		var u float32
		if dense {
			wk := st.WOut[k*width : (k+1)*width]
			for _, j := range spikes {
				u += wk[j]
			}
			u = s.directSum(k, u)
		} else {
			u = s.uAcc[k]
			s.uAcc[k] = 0
		}
		if bias {
			u += st.Bias[k]
		}
		s.predict(k, u, &b.counts)
		if bias {
			s.learnBias(k)
		}
		if e := st.Err[k]; dense && s.learn && e != 0 {
			wk := st.WOut[k*width : (k+1)*width]
			d := float32(p.EtaOut * float32(e))
			for _, j := range spikes {
				wk[j] = clamp(wk[j]+d, -p.WoutMax, p.WoutMax)
			}
		}
	}
}

// learnOutLocal is the delta rule for a local W_out, scattered from the
// spikes: weight (k, c, m) changes only when hidden cell c·n² + j(m)
// spiked and e_k ≠ 0, and each such weight is visited exactly once. When
// errCells (a list holding every cell with e ≠ 0) times the planes is
// shorter than twice the spikes, it walks from those cells instead
// (deltaFrom): a cell's weights lie in one row, a spike's are strided, so
// a cell's slot costs less (measured on Life frames).
func (s *Sim) learnOutLocal(spikes, errCells []int32) {
	K := s.p.OutPlanes()
	if errCells != nil && len(errCells)*K < 2*len(spikes) {
		var in [cpuref.MaxK][]uint32
		on := s.sNext // s(t), or s₂(t)
		if s.p.Layer2() == 1 {
			on = s.st.S2
		}
		for c := range K {
			in[c] = on[c*s.nn : (c+1)*s.nn]
		}
		s.deltaFrom(errCells, s.st.WOut, &in, K, s.p.ROut)
		return
	}
	for _, cj := range spikes {
		s.deltaAround(s.st.WOut, K, int(cj)/s.nn, s.p.ROut, int(cj)%s.nn)
	}
}

// learnDirect is the delta rule on the direct path, scattered from its lit
// inputs as learnOutLocal is from the spikes, or walked from errCells as
// learnOutLocal does when that is shorter.
func (s *Sim) learnDirect(errCells []int32) {
	in := s.directInputs()
	D := s.p.Direct
	if errCells != nil && len(errCells)*D < 2*(len(in[0])+len(in[1])) {
		frames := [cpuref.MaxK][]uint32{s.st.X, s.st.XPrev}
		s.deltaFrom(errCells, s.st.WDirect, &frames, D, s.p.RDirect)
		return
	}
	for d := range D {
		for _, j := range in[d] {
			s.deltaAround(s.st.WDirect, D, d, s.p.RDirect, int(j))
		}
	}
}

// deltaFrom is deltaAround the other way round: for each output cell k of
// cells whose e_k ≠ 0, the delta rule on every weight (k, c, m) of its
// windows whose input — in[c] at slot m's cell — is 1. Those are the
// weights deltaAround reaches from the inputs that are 1, each once.
func (s *Sim) deltaFrom(cells []int32, wts []float32, in *[cpuref.MaxK][]uint32, planes, r int) {
	st, p, n := s.st, &s.p, s.n
	eta, wmax := p.EtaOut, p.WoutMax
	w := 2*r + 1
	width := w * w
	for _, k := range cells {
		e := st.Err[k]
		if e == 0 {
			continue
		}
		d := float32(eta * float32(e))
		row, col := int(k)/n, int(k)%n
		x0, x1 := max(col-r, 0), min(col+r, n-1)
		for c, on := range in[:planes] {
			base := (int(k)*planes + c) * width
			for y := max(row-r, 0); y <= min(row+r, n-1); y++ {
				ons := on[y*n+x0 : y*n+x1+1]
				ws := wts[base+(y-row+r)*w+(x0-col+r):]
				ws = ws[:len(ons)]
				for x, v := range ons {
					if v != 0 {
						ws[x] = clamp(ws[x]+d, -wmax, wmax)
					}
				}
			}
		}
	}
}

// deltaAround is output's delta rule, clamp(w + η_out·e), on the weights
// through which input j of plane plane reaches every output cell within
// radius r whose error is not 0, in weights laid out as planes windows of
// radius r a cell (W_out: K planes; W_direct: D). Each weight is reached
// from one input only, so the order of the scatter does not matter.
func (s *Sim) deltaAround(wts []float32, planes, plane, r, j int) {
	st, p, n := s.st, &s.p, s.n
	eta, wmax := p.EtaOut, p.WoutMax
	w := 2*r + 1
	width := w * w
	jr, jc := j/n, j%n
	x0, x1 := max(jc-r, 0), min(jc+r, n-1)
	step := planes*width - 1 // as in addWindow
	for y := max(jr-r, 0); y <= min(jr+r, n-1); y++ {
		errs := st.Err[y*n+x0 : y*n+x1+1]
		wi := ((y*n+x0)*planes+plane)*width + (jr-y+r)*w + (jc - x0 + r)
		for _, e := range errs {
			if e != 0 {
				wts[wi] = clamp(wts[wi]+float32(eta*float32(e)), -wmax, wmax)
			}
			wi += step
		}
	}
}
