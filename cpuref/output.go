package cpuref

// output is steps 4–6 for output cells of rows [r0, r1): the sum u of the
// weights whose input is 1 (outputInputs: the hidden window over each
// plane, then the direct path's windows over X(t) and X(t−1)), plus the
// learned bias β; the prediction ŷ = [u > τ_out], the error e = y − ŷ,
// and the delta rule on the cell's own weights. A weight changes only
// where e ≠ 0 and its input was 1, since η_out·e·s is 0 elsewhere.
func (s *Sim) output(w, r0, r1 int) {
	st, p, n := s.State, s.Params, s.Params.N
	bias := p.HasBias()
	var tp, fp, fn uint32
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			k := row*n + col
			// One running float32 sum, in outputInputs' order, then β.
			var u float32
			s.outputInputs(row, col, func(w *float32) { u += *w })
			if bias {
				u += st.Bias[k]
			}
			var yhat uint32
			if u > p.TauOut {
				yhat = 1
			}
			e := int32(st.Y[k]) - int32(yhat)
			st.YHat[k], st.Err[k] = yhat, e
			switch {
			case yhat == 1 && e == 0:
				tp++
			case e < 0:
				fp++
			case e > 0:
				fn++
			}
			if e == 0 || !s.Learn {
				continue
			}
			d := float32(p.EtaOut * float32(e))
			s.outputInputs(row, col, func(w *float32) { *w = Clamp(*w+d, -p.WoutMax, p.WoutMax) })
			if bias {
				st.Bias[k] = Clamp(st.Bias[k]+float32(p.EtaBias*float32(e)), -p.WoutMax, p.WoutMax)
			}
		}
	}
	s.counts[w] = [RingFields]uint32{RingTP: tp, RingFP: fp, RingFN: fn}
}

// outputInputs calls f on every weight of output cell (row, col) whose
// input is 1, in the order of the cell's sum:
//
//  1. the hidden path: for each plane c ascending, the window's slots m
//     ascending where the hidden cell c of pixel j spiked,
//     W_out[(k·K + c)·S_out + m]; dense: every spiking hidden cell c·n² + j
//     ascending, W_out[k·K·n² + c·n² + j] (K is OutPlanes: 1 when the
//     second layer feeds the output);
//  2. the direct path (-direct D ≥ 1): for d = 0 (X(t)) and, with D = 2,
//     d = 1 (X(t−1)), the radius-r_dir window's slots m ascending where the
//     input pixel j is 1, WDirect[(k·D + d)·S_dir + m].
//
// The sum and the delta rule both walk this one list, so they agree on
// which weights take part.
func (s *Sim) outputInputs(row, col int, f func(w *float32)) {
	st, p, n := s.State, s.Params, s.Params.N
	k, plane := row*n+col, n*n
	width := p.OutWidth()
	wk := st.WOut[k*width : (k+1)*width]
	if p.OutLayout == Dense {
		for _, j := range s.spiking {
			f(&wk[j])
		}
	} else {
		spikes, sOut := s.outputSpikes(), Slots(p.ROut)
		for c := 0; c < p.OutPlanes(); c++ {
			sc, wc := spikes[c*plane:(c+1)*plane], wk[c*sOut:(c+1)*sOut]
			for m := 0; m < sOut; m++ {
				if j, ok := Neighbour(n, row, col, p.ROut, m); ok && sc[j] != 0 {
					f(&wc[m])
				}
			}
		}
	}
	if p.Direct == 0 {
		return
	}
	sDir := Slots(p.RDirect)
	wd := st.WDirect[k*p.DirectWidth() : (k+1)*p.DirectWidth()]
	for d := 0; d < p.Direct; d++ {
		x := st.X // d = 0: X(t), written by integrate
		if d == 1 {
			x = st.XPrev
		}
		for m := 0; m < sDir; m++ {
			if j, ok := Neighbour(n, row, col, p.RDirect, m); ok && x[j] != 0 {
				f(&wd[d*sDir+m])
			}
		}
	}
}

// listSpiking lists the indices of the spikes output reads, ascending
// (plane by plane), for the dense sum; it runs before the pass's row
// bands, which share it.
func (s *Sim) listSpiking() {
	s.spiking = s.spiking[:0]
	for i, v := range s.outputSpikes() {
		if v != 0 {
			s.spiking = append(s.spiking, int32(i))
		}
	}
}

// outputSpikes are the spikes the output layer reads: the first hidden
// layer's (all K planes), or the second's when there is one.
func (s *Sim) outputSpikes() []uint32 {
	if s.Params.Layer2() == 1 {
		return s.State.S2
	}
	return s.sNext
}

// Clamp returns v limited to [lo, hi], as min(max(v, lo), hi): the clip
// of every learned weight (docs/MODEL.md §7, pass 2).
func Clamp(v, lo, hi float32) float32 {
	return min(max(v, lo), hi)
}
