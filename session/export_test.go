package session

import (
	"fmt"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/sweep"
)

// TestArrayLayout: every buffer's shape holds exactly its elements, with
// a name for each axis; at K = 1 and no direct path the shapes are the
// ones of one cell a pixel; with K > 1 the K axis is where the index
// formulas of docs/MODEL.md put it.
func TestArrayLayout(t *testing.T) {
	for _, k := range []int{1, 3} {
		for _, dense := range []bool{false, true} {
			for _, direct := range []int{0, 1, 2} {
				p := cpuref.Defaults()
				// The second layer only with the direct path: without it the
				// output reads the first layer's K planes.
				p.N, p.K, p.Direct, p.RDirect, p.Rule = 5, k, direct, 1, cpuref.RuleRSTDP
				if direct > 0 {
					p.Horizon = 2
				}
				p.RRec, p.ROut = 2, 1
				if direct == 2 {
					p.EtaBias = 0.05
				}
				if dense {
					p.OutLayout = cpuref.Dense
				}
				if err := p.Validate(); err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("k=%d dense=%v direct=%d", k, dense, direct)
				st := cpuref.NewStateShape(p)
				got := map[string]string{}
				for _, f := range st.Fields() {
					shape, axes := arrayLayout(f.BufferSpec, p, f.Len())
					size := int64(1)
					for _, d := range shape {
						size *= d
					}
					if size != int64(f.Len()) && f.Len() > 0 || f.Len() == 0 && fmt.Sprint(shape) != "[0]" {
						t.Errorf("%s: %s: shape %v for %d elements", name, f.Name, shape, f.Len())
					}
					if f.Len() > 0 && len(axes) != len(shape) {
						t.Errorf("%s: %s: axes %v for shape %v", name, f.Name, axes, shape)
					}
					got[f.Name] = fmt.Sprint(shape)
				}
				want := map[string]string{"V": "[5 5]", "WIn": "[5 5 3 3]", "WRec": "[5 5 5 5]", "WOut": "[5 5 3 3]",
					"Elig": "[5 5 3 3]", "W12": "[0]", "Ring": "[100 4]", "S2": "[0]"}
				if direct > 0 {
					want["W12"], want["S2"] = "[5 5 3 3]", "[5 5]"
				}
				if dense {
					want["WOut"] = "[25 25]"
				}
				if k == 3 {
					want["V"], want["WIn"], want["WRec"], want["Elig"] = "[3 5 5]", "[3 5 5 3 3]", "[3 5 5 3 5 5]", "[3 5 5 3 3]"
					if direct > 0 {
						want["W12"] = "[5 5 3 3 3]" // and W_out reads the second layer
					} else {
						want["WOut"] = "[5 5 3 3 3]"
						if dense {
							want["WOut"] = "[25 3 25]"
						}
					}
				}
				want["WDirect"], want["XPrev"], want["Bias"] = "[0]", "[0]", "[0]"
				if direct > 0 {
					want["WDirect"] = fmt.Sprintf("[5 5 %d 3 3]", direct)
				}
				if direct == 2 {
					want["XPrev"], want["Bias"] = "[5 5]", "[5 5]"
				}
				for buf, w := range want {
					if got[buf] != w {
						t.Errorf("%s: %s shaped %s, want %s", name, buf, got[buf], w)
					}
				}
			}
		}
	}
}

// TestBatchGroupsSplitOnCompiledRichParameters: a sweep over the richer
// model's parameters puts networks of different compiled parameters (K,
// the direct path) in different GPU batches, and those differing only in
// values the passes read as uniforms (the target-rate ladder, the bias's
// rate) in one.
func TestBatchGroupsSplitOnCompiledRichParameters(t *testing.T) {
	p := cpuref.Defaults()
	p.N = 8
	axes, err := sweep.Parse("k=1,4 direct=0,2 eta_bias=0.05,0.1 drate=0,0.01 seed=1..2", p)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sweep.Runs(axes, p)
	if err != nil {
		t.Fatal(err)
	}
	q := make(chan sweep.Run, len(runs))
	for _, r := range runs {
		q <- r
	}
	close(q)
	groups := batchGroups(q, 64, func(cpuref.Params) (int, string) { return 100, "" }, nil)
	// 2 K × 2 direct: 4 groups, each of the 8 runs that share them (2
	// seeds × 2 ladders × 2 bias rates).
	if len(groups) != 4 {
		t.Fatalf("%d groups, want 4", len(groups))
	}
	for _, g := range groups {
		for _, r := range g {
			a, b := r.Params, g[0].Params
			if len(g) != 8 || a.K != b.K || a.Direct != b.Direct || gpu.BatchKey(a) != gpu.BatchKey(b) {
				t.Errorf("run %d (k=%d direct=%d eta_bias=%g) shares a batch with run %d (k=%d direct=%d eta_bias=%g)",
					r.Index, a.K, a.Direct, a.EtaBias, g[0].Index, b.K, b.Direct, b.EtaBias)
			}
		}
	}
}
