package cpufast

import (
	"runtime"
	"testing"
	"time"

	"github.com/spikecast/spikecast/cpuref"
)

// withBands returns a Sim for p on workers workers with every pass cut
// into nb bands, which SetWorkers would choose only for larger networks.
func withBands(t *testing.T, p cpuref.Params, workers, nb int) *Sim {
	t.Helper()
	s, err := New(p, cpuref.NewState(p), cpuref.NewStimulus(p))
	if err != nil {
		t.Fatal(err)
	}
	s.workers = workers
	s.setBands(nb)
	return s
}

// TestBandsIdentical: any number of bands, more or fewer than the workers
// and not dividing the rows, gives the bits of one band on one worker,
// step by step (which the other tests compare with the reference).
func TestBandsIdentical(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(p *cpuref.Params)
	}{
		{"stdp/local", func(p *cpuref.Params) { p.N = 37 }},
		{"rstdp/local", func(p *cpuref.Params) { p.N, p.Rule = 29, cpuref.RuleRSTDP }},
		{"hebbian/dense", func(p *cpuref.Params) { p.N, p.Rule, p.OutLayout = 13, cpuref.RuleHebbian, cpuref.Dense }},
		{"k=4/kwta/w=2", func(p *cpuref.Params) { p.N, p.K, p.Compete, p.Winners = 29, 4, cpuref.CompeteKWTA, 2 }},
		{"k=3/direct=2/bias", func(p *cpuref.Params) { p.N, p.K, p.Direct, p.EtaBias = 24, 3, 2, 0.05 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := busy(cpuref.Defaults())
			p.Horizon = 2
			c.set(&p)
			for _, wb := range [][2]int{{1, 5}, {2, 2}, {2, 7}, {3, p.N}, {4, 9}} {
				one, many := withBands(t, p, 1, 1), withBands(t, p, wb[0], wb[1])
				for step := 1; step <= 60; step++ {
					one.Step()
					many.Step()
					if err := diff(step, many.State(), one.State(), step%10 == 0); err != nil {
						t.Fatalf("%d workers, %d bands differ from one: %v", wb[0], wb[1], err)
					}
				}
				one.Release()
				many.Release()
			}
		})
	}
}

// TestCrewStops: a Sim's workers end with Release, and with the Sim when
// it is dropped without one.
func TestCrewStops(t *testing.T) {
	// Sims other tests dropped may still be collected: count once their
	// workers have ended.
	base := runtime.NumGoroutine()
	for range 5 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
		base = min(base, runtime.NumGoroutine())
	}
	p := cpuref.Defaults()
	p.N = 64
	settle := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d goroutines, %d before", what, runtime.NumGoroutine(), base)
			}
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
	}
	s := withBands(t, p, 4, 8)
	s.Run(3)
	if s.crew == nil || s.crew.helpers != 3 {
		t.Fatalf("4 workers on 8 bands: crew %+v, want 3 workers beyond the caller", s.crew)
	}
	s.SetWorkers(3) // replaces the crew
	s.Run(3)
	s.Release()
	s.Release()
	settle("after Release")
	runtime.KeepAlive(s) // so that Release, not the cleanup, ended them

	func() {
		for w := range 5 {
			s := withBands(t, p, w+2, 8)
			s.Run(2)
		}
	}()
	settle("after dropping five Sims")
}

// TestBandCount: one band for one worker, one per worker while bands of
// minBandCells allow, bands of about bandCells beyond that, at most one a
// row.
func TestBandCount(t *testing.T) {
	for _, c := range []struct{ rows, cells, workers, want, min int }{
		{64, 64 * 64, 1, 1, 0},
		{128, 128 * 128, 2, 1, minBandCellsVector},
		{256, 256 * 256, 2, 4, minBandCellsVector},
		{512, 512 * 512, 16, 16, minBandCellsVector},
		{2048, 2048 * 2048, 1, 1, 0},
		{30, 900, 2, 1, 0},
		{64, 64 * 64, 2, 1, 0},
		{128, 128 * 128, 2, 2, 0},
		{64, 64 * 64, 16, 1, 0},
		{128, 128 * 128, 16, 4, 0},
		{256, 256 * 256, 2, 4, 0},
		{256, 256 * 256, 16, 16, 0},
		{1024, 1024 * 1024, 16, 64, 0},
		{2048, 2048 * 2048, 2, 256, 0},
		{4, 4 * 4 * 8000, 16, 4, 0},
	} {
		if c.min == 0 {
			c.min = minBandCells
		}
		if got := bandCount(c.rows, c.cells, c.workers, c.min); got != c.want {
			t.Errorf("bandCount(%d, %d, %d, %d) = %d, want %d", c.rows, c.cells, c.workers, c.min, got, c.want)
		}
	}
}
