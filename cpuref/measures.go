package cpuref

// Measures summarise the last Window steps (fewer at the start of a run).
type Measures struct {
	Steps      int     // steps in the window
	TP, FP, FN uint64  // summed over the window
	Precision  float64 // TP / (TP + FP), 0 when nothing was predicted
	Recall     float64 // TP / (TP + FN), 0 when nothing was to be predicted
	F1         float64 // 2TP / (2TP + FP + FN), 0 when all three are 0
	HiddenRate float64 // mean fraction of hidden cells spiking per step
}

// MeasuresOf computes the rolling measures from a ring of per-step counts
// (State.Ring) after t steps of a network whose first hidden layer has
// cells cells (Params.Cells: K·n²).
func MeasuresOf(ring []uint32, t int64, cells int) Measures {
	var m Measures
	m.Steps = Window
	if t < Window {
		m.Steps = int(t)
	}
	var spikes uint64
	for slot := 0; slot < Window; slot++ {
		m.TP += uint64(ring[slot*RingFields+RingTP])
		m.FP += uint64(ring[slot*RingFields+RingFP])
		m.FN += uint64(ring[slot*RingFields+RingFN])
		spikes += uint64(ring[slot*RingFields+RingSpikes])
	}
	if d := m.TP + m.FP; d > 0 {
		m.Precision = float64(m.TP) / float64(d)
	}
	if d := m.TP + m.FN; d > 0 {
		m.Recall = float64(m.TP) / float64(d)
	}
	if d := 2*m.TP + m.FP + m.FN; d > 0 {
		m.F1 = float64(2*m.TP) / float64(d)
	}
	if m.Steps > 0 {
		m.HiddenRate = float64(spikes) / (float64(m.Steps) * float64(cells))
	}
	return m
}
