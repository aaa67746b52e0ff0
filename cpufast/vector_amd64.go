//go:build goexperiment.simd && amd64

package cpufast

import (
	"math/bits"
	"simd/archsimd"

	"github.com/spikecast/spikecast/cpuref"
)

// vectorCPU reports whether this CPU runs the vector dense loop (AVX2).
func vectorCPU() bool { return archsimd.X86.AVX2() }

// vectorWhy says why the plain loop runs where the vector one cannot.
func vectorWhy() string { return "this CPU has no AVX2" }

// vectorLanes is how many cells vectorRow updates at once.
const vectorLanes = 8

// cellOrder undoes vectorNoise's interleaving: cell c's sum sits in lane
// 2c (c < 4) or 2(c−4)+1 (c ≥ 4). An array, loaded into a vector only on
// the vector path: loading it at start-up would run an AVX instruction on
// CPUs that may have none.
var cellOrder = [8]uint32{0, 2, 4, 6, 1, 3, 5, 7}

// noiseConsts are the vector loops' constants, broadcast once a row rather
// than once a group of cells.
type noiseConsts struct {
	order                             archsimd.Uint32x8 // cellOrder
	key, mulA, addA, four, mulB, lo16 archsimd.Uint32x8
	lo32                              archsimd.Uint64x4
	bias                              archsimd.Int32x8 // 2·65536, the sum's offset
	scale, sqrt3                      archsimd.Float32x8
	sigma, b0                         archsimd.Float32x8 // the layer's σ and idle current
}

func (k *layerKernel) noiseConsts() noiseConsts {
	return noiseConsts{
		order: archsimd.LoadUint32x8(&cellOrder),
		sigma: archsimd.BroadcastFloat32x8(k.sigma),
		b0:    archsimd.BroadcastFloat32x8(k.b0),
		key:   archsimd.BroadcastUint32x8(k.key),
		mulA:  archsimd.BroadcastUint32x8(747796405),
		addA:  archsimd.BroadcastUint32x8(2891336453),
		four:  archsimd.BroadcastUint32x8(4),
		mulB:  archsimd.BroadcastUint32x8(277803737),
		lo16:  archsimd.BroadcastUint32x8(0xffff),
		lo32:  archsimd.BroadcastUint64x4(0xffffffff),
		bias:  archsimd.BroadcastInt32x8(2 * 65536),
		scale: archsimd.BroadcastFloat32x8(1.0 / 65536),
		sqrt3: archsimd.BroadcastFloat32x8(cpuref.Sqrt3),
	}
}

// vectorRow is the dense loop (idleRun and busyCell) over the cells
// [i0, i0+m) of one row of a plane, eight at a time with AVX2, up to the
// last whole eight; it returns how many cells it did. Every lane performs
// the plain loop's operations on its cell in the plain loop's order and
// rounding (no fused multiply-add: archsimd fuses nothing it is not asked
// to), so the results are the plain loop's bit for bit.
//
// A group of eight with a marked pixel takes every lane's current from the
// sums, ((acc + acc2) + b): an unmarked cell's sums are +0, which gives b0,
// the idle current, exactly. Its sums are reset and, when learning, its q
// kept, as busyCurrent does, for all eight cells (an unmarked cell's are +0
// already, and keeping its q is harmless: learning reads qSave only at the
// cells it visits, whose q this step has kept).
func (k *layerKernel) vectorRow(i0, m int, marks []uint64) int {
	m8 := m &^ (vectorLanes - 1)
	if m8 == 0 {
		return 0
	}
	V := k.V[i0 : i0+m8]
	Th := k.Th[i0 : i0+m8]
	h := k.hashes[i0 : i0+m8]
	c := k.cell
	nc := k.noiseConsts()
	rho := archsimd.BroadcastFloat32x8(c.rho)
	d0 := archsimd.BroadcastFloat32x8(c.dTheta0)
	d1 := archsimd.BroadcastFloat32x8(c.dTheta1)
	thetaMin := archsimd.BroadcastFloat32x8(c.thetaMin)
	g := newVectorGap(c)
	var zero archsimd.Float32x8
	for col := 0; col < m8; col += vectorLanes {
		// candidate: v̂ = ρ·v + I, and v̂ ≥ θ.
		cur := nc.b0
		if marks[col>>6]>>uint(col&63)&0xff != 0 {
			cur = k.busyCurrents(i0 + col)
		}
		cur = cur.Add(nc.sigma.Mul(vectorNoise(h[col:col+vectorLanes], &nc)))
		v := rho.Mul(archsimd.LoadFloat32x8Slice(V[col : col+vectorLanes])).Add(cur)
		th := archsimd.LoadFloat32x8Slice(Th[col : col+vectorLanes])
		spiked := v.GreaterEqual(th)
		// commit: homeostasis, the gap rule, θ_min and the reset.
		hh := th.Add(d1.Merge(d0, spiked))
		if c.gap > 0 {
			hh = g.apply(hh, v.Sub(th))
		}
		goMax(hh, thetaMin).StoreSlice(Th[col : col+vectorLanes])
		zero.Merge(v, spiked).StoreSlice(V[col : col+vectorLanes])
		for s := spiked.ToBits(); s != 0; s &= s - 1 {
			k.spiked(i0 + col + bits.TrailingZeros8(s))
		}
	}
	return m8
}

// vectorCandidates is candidates' loop over the cells [i0, i0+m) of one
// row of a plane, eight at a time, up to the last whole eight; it returns
// how many cells it did.
func (k *layerKernel) vectorCandidates(i0 int, vhat []float32, cross []bool, crossing []uint8, marks []uint64, cell cellParams) int {
	m8 := len(vhat) &^ (vectorLanes - 1)
	V := k.V[i0 : i0+m8]
	Th := k.Th[i0 : i0+m8]
	h := k.hashes[i0 : i0+m8]
	nc := k.noiseConsts()
	rho := archsimd.BroadcastFloat32x8(cell.rho)
	for col := 0; col < m8; col += vectorLanes {
		cur := nc.b0
		if marks[col>>6]>>uint(col&63)&0xff != 0 {
			cur = k.busyCurrents(i0 + col)
		}
		cur = cur.Add(nc.sigma.Mul(vectorNoise(h[col:col+vectorLanes], &nc)))
		v := rho.Mul(archsimd.LoadFloat32x8Slice(V[col : col+vectorLanes])).Add(cur)
		v.StoreSlice(vhat[col : col+vectorLanes])
		crosses := v.GreaterEqual(archsimd.LoadFloat32x8Slice(Th[col : col+vectorLanes])).ToBits()
		for l := range vectorLanes {
			c := crosses>>l&1 != 0
			cross[col+l] = c
			if c {
				crossing[col+l]++
			}
		}
	}
	return m8
}

// busyCurrents is busyCurrent for the eight cells from i. (The current,
// b0 or this, plus σ·z, is written out in both loops: as a function it
// would be too large to inline, and calling it costs the loop 40 %.)
func (k *layerKernel) busyCurrents(i int) archsimd.Float32x8 {
	var zero archsimd.Float32x8
	acc := k.acc[i : i+vectorLanes]
	cur := archsimd.LoadFloat32x8Slice(acc)
	if k.acc2 != nil {
		acc2 := k.acc2[i : i+vectorLanes]
		cur = cur.Add(archsimd.LoadFloat32x8Slice(acc2))
		zero.StoreSlice(acc2)
	}
	zero.StoreSlice(acc)
	if k.learn {
		archsimd.LoadFloat32x8Slice(k.Q[i : i+vectorLanes]).StoreSlice(k.qSave[i : i+vectorLanes])
	}
	return cur.Add(archsimd.BroadcastFloat32x8(k.bias))
}

// vectorNoise is the noise's z for eight cells whose PCG(2ci), PCG(2ci+1)
// pairs are h: PCG(h + key) of all sixteen halves, each cell's four 16-bit
// uniforms summed as integers, then noise's two float32 roundings.
func vectorNoise(h []uint64, nc *noiseConsts) archsimd.Float32x8 {
	// Cells 0–3 and 4–7, each as lanes (PCG(2ci), PCG(2ci+1)).
	a := vectorPCG(archsimd.LoadUint64x4Slice(h[0:4]).AsUint32x8().Add(nc.key), nc)
	b := vectorPCG(archsimd.LoadUint64x4Slice(h[4:8]).AsUint32x8().Add(nc.key), nc)
	a = a.And(nc.lo16).Add(a.ShiftAllRight(16)) // two uniforms of each half
	b = b.And(nc.lo16).Add(b.ShiftAllRight(16))
	// A cell's two halves are one 64-bit lane: add them there (the sums
	// stay below 2¹⁸), then pack cells 0–3 into the low and 4–7 into the
	// high halves of the lanes, and put the cells in order.
	a64, b64 := a.AsUint64x4(), b.AsUint64x4()
	a64 = a64.Add(a64.ShiftAllRight(32)).And(nc.lo32)
	b64 = b64.Add(b64.ShiftAllRight(32)).ShiftAllLeft(32)
	sum := a64.Or(b64).AsInt32x8().Permute(nc.order)
	z := sum.Sub(nc.bias).ConvertToFloat32()
	return z.Mul(nc.scale).Mul(nc.sqrt3)
}

// vectorPCG is pcg on eight lanes.
func vectorPCG(v archsimd.Uint32x8, nc *noiseConsts) archsimd.Uint32x8 {
	state := v.Mul(nc.mulA).Add(nc.addA)
	word := state.ShiftRight(state.ShiftAllRight(28).Add(nc.four)).Xor(state).Mul(nc.mulB)
	return word.ShiftAllRight(22).Xor(word)
}

// vectorGap is commit's gap rule on eight lanes, its constants broadcast
// once a row.
type vectorGap struct{ gap, negGap, eta archsimd.Float32x8 }

func newVectorGap(c cellParams) vectorGap {
	return vectorGap{
		gap:    archsimd.BroadcastFloat32x8(c.gap),
		negGap: archsimd.BroadcastFloat32x8(-c.gap),
		eta:    archsimd.BroadcastFloat32x8(c.etaGap),
	}
}

// apply is h − η_g where 0 ≤ v̂ − θ < g, h + η_g where −g < v̂ − θ < 0.
func (g *vectorGap) apply(h, delta archsimd.Float32x8) archsimd.Float32x8 {
	var zero archsimd.Float32x8
	below := delta.GreaterEqual(zero).And(delta.Less(g.gap))
	above := delta.Less(zero).And(delta.Greater(g.negGap))
	h = h.Sub(g.eta).Merge(h, below)
	return h.Add(g.eta).Merge(h, above)
}

// goMax is Go's max(x, y) on eight lanes for a y that is not NaN: VMAXPS
// gives the same except that it may return x's −0 for max(−0, +0), where
// Go gives +0, and may drop x's NaN. Equal lanes take x AND y (+0 unless
// both are −0), NaN lanes of x take x.
func goMax(x, y archsimd.Float32x8) archsimd.Float32x8 {
	m := x.Max(y)
	both := x.AsUint32x8().And(y.AsUint32x8()).AsFloat32x8()
	m = both.Merge(m, x.Equal(y))
	return x.Merge(m, x.NotEqual(x))
}
