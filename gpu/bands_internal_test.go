package gpu

import (
	"testing"

	"github.com/spikecast/spikecast/cpuref"
)

// TestBandsWithPlanes: the weights indexed by hidden cell (W_in, Elig,
// W_rec) are banded with one cell a pixel and bound whole with several,
// where a band's cells lie in K places of them; the others are banded
// either way. A K whose whole-bound weights exceed a storage block holds
// no batch.
func TestBandsWithPlanes(t *testing.T) {
	llvmpipe := glLimits{maxBlock: 128 << 20, align: 16, maxUniform: 64 << 10, maxZ: 65535}
	for _, k := range []int{1, 3} {
		p := cpuref.Defaults()
		p.N, p.K, p.Rule, p.Horizon, p.Direct = 40, k, cpuref.RuleRSTDP, 2, 1
		slots := weightSlots(p)
		for _, name := range []string{"wIn", "elig", "wRec", "wOut", "w12", "wDirect"} {
			_, banded := slots[bufferNamed(name)]
			want := k == 1 || name == "wOut" || name == "w12" || name == "wDirect"
			if banded != want {
				t.Errorf("K=%d: %s banded %v, want %v", k, name, banded, want)
			}
		}
	}
	// Dense W_out of two planes at n=96 (648 MiB) is banded on llvmpipe;
	// W_in, bound whole, fits.
	p := cpuref.Defaults()
	p.N, p.K, p.OutLayout = 96, 2, cpuref.Dense
	if rows := bandRowsFor(p, llvmpipe.maxBlock, llvmpipe.align); rows <= 0 || rows >= p.N || rows%WGY != 0 {
		t.Errorf("dense K=2 n=96: bands of %d rows, want a multiple of %d below n", rows, WGY)
	}
	// W_rec of 16 planes at rrec=1 is 9,216 bytes a pixel: over 128 MiB
	// from n = 121, and never banded.
	p = cpuref.Defaults()
	p.N, p.K = 121, 16
	if got, limit := capacityOf(p, llvmpipe); got != 0 || limit != "GL_MAX_SHADER_STORAGE_BLOCK_SIZE" {
		t.Errorf("K=16 n=121: a batch of %d (%s), want 0 (GL_MAX_SHADER_STORAGE_BLOCK_SIZE)", got, limit)
	}
	p.N = 120
	if got, _ := capacityOf(p, llvmpipe); got == 0 {
		t.Errorf("K=16 n=120: no batch, want W_rec to fit")
	}
}
