package checkpoint

import (
	"fmt"
	"math"
)

// MaxHistory is the most samples a History keeps: when full, every other
// sample is dropped and the stride doubles, so the history always spans
// the whole run in bounded space.
const MaxHistory = 1024

// HistoryEvery is a new History's stride, in steps: a sample costs a
// wait for the last step on the GPU, so not every step is one.
const HistoryEvery = 64

// History is a run's learning curve: the rolling F1 and hidden firing
// rate at steps that are multiples of Every, oldest first. A checkpoint
// may carry one (the section "history"), so that a resumed run's curve
// continues the run's.
type History struct {
	Every int64 // steps between samples; doubles as the history fills
	Steps []int64
	F1    []float32
	Rate  []float32
}

// NewHistory returns an empty history of stride HistoryEvery.
func NewHistory() *History { return &History{Every: HistoryEvery} }

// Due reports whether step t is one the history samples.
func (h *History) Due(t int64) bool { return t > 0 && t%h.Every == 0 }

// Add records the measures at step t. A step at or before the newest
// sample's is a rewind (the network was reset or reloaded): the samples
// from t on are dropped first, so the history is always that of the
// network's own past.
func (h *History) Add(t int64, f1, rate float64) {
	k := len(h.Steps)
	for k > 0 && h.Steps[k-1] >= t {
		k--
	}
	h.Steps, h.F1, h.Rate = h.Steps[:k], h.F1[:k], h.Rate[:k]
	h.Steps = append(h.Steps, t)
	h.F1 = append(h.F1, float32(f1))
	h.Rate = append(h.Rate, float32(rate))
	if len(h.Steps) >= MaxHistory {
		h.Every *= 2
		j := 0
		for i := range h.Steps {
			if h.Steps[i]%h.Every == 0 {
				h.Steps[j], h.F1[j], h.Rate[j] = h.Steps[i], h.F1[i], h.Rate[i]
				j++
			}
		}
		h.Steps, h.F1, h.Rate = h.Steps[:j], h.F1[:j], h.Rate[:j]
	}
}

// Clone returns a copy that shares nothing with h (nil for nil).
func (h *History) Clone() *History {
	if h == nil {
		return nil
	}
	return &History{Every: h.Every, Steps: append([]int64(nil), h.Steps...),
		F1: append([]float32(nil), h.F1...), Rate: append([]float32(nil), h.Rate...)}
}

// historySection names the history's section in the file.
const historySection = "history"

// historySize is the bytes of h's section payload: the stride (int64),
// the count (uint32), and per sample its step (int64), F1 and rate
// (float32 bits).
func historySize(h *History) int64 { return 8 + 4 + 16*int64(len(h.Steps)) }

func (e *encoder) history(h *History) {
	e.u64(uint64(h.Every))
	e.u32(uint32(len(h.Steps)))
	for i := range h.Steps {
		e.u64(uint64(h.Steps[i]))
		e.u32(math.Float32bits(h.F1[i]))
		e.u32(math.Float32bits(h.Rate[i]))
	}
}

// checkHistory refuses a history that Read would refuse, for a state at
// step t.
func checkHistory(h *History, t int64) error {
	if h.Every < 1 || h.Every > 1<<40 {
		return fmt.Errorf("history: stride %d", h.Every)
	}
	if len(h.Steps) > MaxHistory || len(h.F1) != len(h.Steps) || len(h.Rate) != len(h.Steps) {
		return fmt.Errorf("history: %d steps, %d F1 and %d rates (at most %d)", len(h.Steps), len(h.F1), len(h.Rate), MaxHistory)
	}
	for i, s := range h.Steps {
		if s < 0 || s > t || (i > 0 && s <= h.Steps[i-1]) {
			return fmt.Errorf("history: sample %d at step %d (want increasing steps in [0, %d])", i, s, t)
		}
		f, r := h.F1[i], h.Rate[i]
		if !(f >= 0 && f <= 1) || !(r >= 0 && r <= 1) {
			return fmt.Errorf("history: sample %d: F1 %g, rate %g (want both in [0, 1])", i, f, r)
		}
	}
	return nil
}

// section reads one optional section after the buffers: the history, or
// one this build does not know, which it skips.
func (d *decoder) section(t int64, h **History) error {
	name := d.str()
	size := d.u64()
	if d.err != nil {
		return d.err
	}
	if size > uint64(d.left) {
		return fmt.Errorf("section %q: %d bytes, only %d left", name, size, d.left)
	}
	if name != historySection {
		for left := int64(size); left > 0; {
			k := min(left, chunk)
			d.read(int(k))
			left -= k
		}
		return d.err
	}
	if *h != nil {
		return fmt.Errorf("section %q appears twice", name)
	}
	every := int64(d.u64())
	count := d.u32()
	if d.err != nil {
		return d.err
	}
	if count > MaxHistory || size != uint64(12+16*int64(count)) {
		return fmt.Errorf("section %q: %d samples in %d bytes (at most %d samples, 16 bytes each)", name, count, size, MaxHistory)
	}
	hist := &History{Every: every, Steps: make([]int64, count), F1: make([]float32, count), Rate: make([]float32, count)}
	for i := range hist.Steps {
		hist.Steps[i] = int64(d.u64())
		hist.F1[i] = math.Float32frombits(d.u32())
		hist.Rate[i] = math.Float32frombits(d.u32())
	}
	if d.err != nil {
		return d.err
	}
	if err := checkHistory(hist, t); err != nil {
		return err
	}
	*h = hist
	return nil
}
