package cpufast

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A pass over rows (the dense loops of both layers, output's rows,
// rstdp's rows) is cut into bands of contiguous rows, band b of B being
// rows [b·rows/B, (b+1)·rows/B), each with its own scratch (Sim.bands):
// its spike lists, gathered band by band, and its counts; a band writes
// nothing else but its rows' cells, so the result depends on neither B nor
// the workers. The workers take bands from a counter, the calling
// goroutine among them, so a worker that wakes late finds its share done
// rather than holding the pass up.
const (
	// bandCells is about how many hidden cells a band holds where there
	// are more than enough for the workers: a band's V, θ and noise
	// hashes (16 bytes a cell, 256 KiB) stream through a core's L2
	// without evicting the band before it, it is long enough for the
	// prefetchers and for one claim to cost nothing beside it, and the
	// bands are still enough to balance the workers (n = 1024 gives 64).
	bandCells = 1 << 14
	// minBandCells is the fewest cells worth waking another worker for:
	// a parked worker takes a few microseconds to wake, 4,096 cells tens
	// of them of dense work (n = 64 runs on one goroutine).
	minBandCells = 1 << 12
	// minBandCellsVector is minBandCells for the vector loop, which does
	// a cell in a tenth of the time: below 32,768 cells a second worker
	// cost more than it gave (n = 128 ran 20 % slower on two workers than
	// on one; BENCHMARKS.md), so n = 128 runs on one goroutine.
	minBandCellsVector = 1 << 15
	// cacheLine keeps what different workers write apart: 64-byte lines,
	// fetched in pairs by x86's adjacent-line prefetcher.
	cacheLine = 128
)

// bandCount is how many bands a pass over rows rows holding cells hidden
// cells is cut into for workers workers: one for one worker; else one per
// worker while bands of at least minCells allow, more where bands of
// bandCells are more, at most one a row.
func bandCount(rows, cells, workers, minCells int) int {
	if workers == 1 {
		return 1
	}
	b := max(min(workers, cells/minCells), cells/bandCells, 1)
	return min(b, max(rows, 1))
}

// SetWorkers sets how many goroutines the dense passes are split across
// (at least 1, at most n; fewer are woken for a pass too small to share).
// The result does not depend on it.
func (s *Sim) SetWorkers(w int) {
	s.workers = min(max(w, 1), max(s.n, 1))
	s.setBands(bandCount(s.n, s.p.Cells(), s.workers, s.minBandCells()))
}

// minBandCells is the fewest cells worth a worker of their own on s's
// dense loop.
func (s *Sim) minBandCells() int {
	if s.vector {
		return minBandCellsVector
	}
	return minBandCells
}

// setBands cuts every pass into nb bands and starts the workers beyond
// the caller, parked until a pass wakes them: min(workers, nb) − 1.
func (s *Sim) setBands(nb int) {
	s.stopCrew()
	s.bands = make([]band, nb)
	// The bands' spike-list headers, written at the end of each pass,
	// from one slab, each band's on cache lines of its own.
	k := max(s.k, 1)
	stride := (k + 15) / 16 * 16 // 16 headers of 24 bytes are 3 lines of 128
	slab := make([][]int32, nb*stride)
	for b := range s.bands {
		s.bands[b].spikes = slab[b*stride : b*stride+k : b*stride+k]
	}
	if h := min(s.workers, nb) - 1; h > 0 {
		s.crew = newCrew(h)
		// A Sim dropped without Release stops its workers when collected:
		// they hold the crew, never the Sim, between passes.
		s.crewCleanup = runtime.AddCleanup(s, (*crew).stop, s.crew)
	}
}

// stopCrew ends the workers of the Sim's crew, if it has one.
func (s *Sim) stopCrew() {
	if s.crew != nil {
		s.crewCleanup.Stop()
		s.crew.stop()
		s.crew = nil
	}
}

// forRows runs pass over the rows of a plane (n), cut into the Sim's bands.
func (s *Sim) forRows(pass func(b, r0, r1 int)) { s.forRowsOf(s.n, pass) }

// forRowsOf runs pass over rows rows (K·n: the rows of every plane), band
// b being rows [b·rows/B, (b+1)·rows/B), on the caller and the crew.
func (s *Sim) forRowsOf(rows int, pass func(b, r0, r1 int)) {
	if s.crew == nil {
		nb := len(s.bands)
		for b := range nb {
			pass(b, b*rows/nb, (b+1)*rows/nb)
		}
		return
	}
	s.crew.run(rows, len(s.bands), pass)
}

// gatherSpikes appends the bands' spike lists of planes [0, planes),
// plane by plane and in band order within a plane: ascending.
func (s *Sim) gatherSpikes(dst []int32, planes int) []int32 {
	for c := range planes {
		for b := range s.bands {
			dst = append(dst, s.bands[b].spikes[c]...)
		}
	}
	return dst
}

// growCompete gives the band the row scratch of the competition among K
// planes of n cells, each slice on cache lines of its own: it is written
// cell by cell, row after row, while the next band writes its own.
func (b *band) growCompete(K, n int) {
	if len(b.vhat) >= K*n {
		return
	}
	line := func(bytes int) int { return (bytes + cacheLine - 1) / cacheLine * cacheLine }
	b.vhat = make([]float32, K*n, line(4*K*n)/4)
	b.fire = make([]bool, K*n, line(K*n))
	b.crossing = make([]uint8, n, line(n))
}

// crew is a Sim's worker goroutines beyond the caller, parked on wake
// between passes; a pass sends one token per worker it wants, and each
// worker that takes one claims bands until none is left.
type crew struct {
	wake    chan struct{} // closed by stop, which ends the workers
	helpers int
	done    sync.WaitGroup
	stopped sync.Once
	// The pass being run; pass is nil between passes, so that a parked
	// worker holds nothing of the Sim.
	pass        func(b, r0, r1 int)
	rows, bands int
	_           [cacheLine]byte // the claims' line, apart from what the workers only read
	next        atomic.Int32    // the next band to claim
	_           [cacheLine]byte
}

func newCrew(helpers int) *crew {
	c := &crew{wake: make(chan struct{}, helpers), helpers: helpers}
	for range helpers {
		go c.serve()
	}
	return c
}

func (c *crew) serve() {
	for range c.wake {
		c.claim()
		c.done.Done()
	}
}

// run runs pass over rows rows in bands bands, waking no more workers
// than there are bands beyond the caller's first.
func (c *crew) run(rows, bands int, pass func(b, r0, r1 int)) {
	c.pass, c.rows, c.bands = pass, rows, bands
	c.next.Store(0)
	h := min(c.helpers, bands-1)
	c.done.Add(h)
	for range h {
		c.wake <- struct{}{}
	}
	c.claim()
	c.done.Wait()
	c.pass = nil
}

// claim runs bands of the current pass until every band is taken.
func (c *crew) claim() {
	for {
		b := int(c.next.Add(1)) - 1
		if b >= c.bands {
			return
		}
		c.pass(b, b*c.rows/c.bands, (b+1)*c.rows/c.bands)
	}
}

// stop ends the workers; it is safe to call twice.
func (c *crew) stop() { c.stopped.Do(func() { close(c.wake) }) }
