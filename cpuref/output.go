package cpuref

// output is steps 4–6 for output cells of rows [r0, r1): the prediction
// ŷ = [u > τ_out], the error e = y − ŷ, and the delta rule on the cell's own
// row of W_out. A weight changes only where e ≠ 0 and its hidden cell
// spiked, since η_out·e·s is 0 elsewhere.
func (s *Sim) output(w, r0, r1 int) {
	st, p, n := s.State, s.Params, s.Params.N
	spikes := s.outputSpikes()
	width := p.OutWidth()
	var tp, fp, fn uint32
	for row := r0; row < r1; row++ {
		for col := 0; col < n; col++ {
			k := row*n + col
			wk := st.WOut[k*width : (k+1)*width]
			var u float32
			if p.OutLayout == Dense {
				for _, j := range s.spiking {
					u += wk[j]
				}
			} else {
				for m := 0; m < width; m++ {
					if j, ok := Neighbour(n, row, col, p.ROut, m); ok && spikes[j] != 0 {
						u += wk[m]
					}
				}
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
			if p.OutLayout == Dense {
				for _, j := range s.spiking {
					wk[j] = Clamp(wk[j]+d, -p.WoutMax, p.WoutMax)
				}
			} else {
				for m := 0; m < width; m++ {
					if j, ok := Neighbour(n, row, col, p.ROut, m); ok && spikes[j] != 0 {
						wk[m] = Clamp(wk[m]+d, -p.WoutMax, p.WoutMax)
					}
				}
			}
		}
	}
	s.counts[w] = [RingFields]uint32{RingTP: tp, RingFP: fp, RingFN: fn}
}

// listSpiking lists the indices of the spikes output reads, ascending,
// for the dense sum; it runs before the pass's row bands, which share it.
func (s *Sim) listSpiking() {
	s.spiking = s.spiking[:0]
	for i, v := range s.outputSpikes() {
		if v != 0 {
			s.spiking = append(s.spiking, int32(i))
		}
	}
}

// outputSpikes are the spikes the output layer reads: the first hidden
// layer's, or the second's when there is one.
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
