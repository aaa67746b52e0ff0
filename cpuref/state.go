package cpuref

// Window is the number of steps the rolling measures look back over.
const Window = 100

// Ring slot fields: each step adds its counts to Ring[(t%Window)*RingFields+f].
const (
	RingTP = iota
	RingFP
	RingFN
	RingSpikes
	RingFields
)

// State is everything that changes as the network runs: the buffers both
// backends hold, in the same layout. Cell i of an n×n layer is at row i/n,
// column i%n. The first hidden layer has K cells a pixel, in K planes:
// cell c of pixel i is at ci = c·n² + i, so that K = 1 is one plane. Binary quantities are uint32 0 or 1 so they map one to one
// onto GPU buffers.
//
// Each buffer is declared once, here, by its field and tags; buffers.go
// derives from them the enumeration (Fields), allocation, copies, lengths
// without allocating (Lengths), the GPU's storage buffers and their GLSL
// declarations (package gpu), the checkpoint's contents and the buffer
// table of docs/MODEL.md. Tags:
//
//	layer  input, hidden, hidden2 (the second hidden layer), output,
//	       synapses or measures
//	size   elements a pixel (or output cell): cell (1), hidden (K, the
//	       pixel's hidden cells), patchk (K 3×3 W_in windows), reck (the
//	       recurrent window over each of K planes, for each of K cells),
//	       out (W_out: K windows, or K·n² when dense), elig (patchk under
//	       rstdp, else none), layer2 (1 with a second layer, else none),
//	       layer2patch (K 3×3 windows with a second layer, else none),
//	       direct (D windows of the direct path), bias (1 when η_β > 0,
//	       else none), xprev (1 with -direct 2, else none); or ring (the
//	       measures' Window×RingFields counts, not per pixel)
//	gpu    how the GPU stores it: comma-separated form:glslName pairs,
//	       form one of floats, words (uint32), plainbits (a plain bit
//	       set), spikebits (the overlapping spike bit set of
//	       common.glsl), prev (a second spike bit set holding the step
//	       before); none when the GPU derives it
//	doc    its meaning after step t
type State struct {
	N int
	T int64 // steps taken; the next step reads frame T

	X []uint32  `layer:"input" size:"cell" gpu:"plainbits:x" doc:"input frame X_t"`
	Y []uint32  `layer:"input" size:"cell" gpu:"plainbits:y" doc:"target X_{t+k}"`
	P []float32 `layer:"input" size:"cell" gpu:"floats:p" doc:"pre-synaptic trace p (one per input pixel)"`

	V     []float32 `layer:"hidden" size:"hidden" gpu:"floats:v" doc:"membrane potential v"`
	Theta []float32 `layer:"hidden" size:"hidden" gpu:"floats:theta" doc:"threshold θ"`
	Q     []float32 `layer:"hidden" size:"hidden" gpu:"floats:q" doc:"post-synaptic trace q (one per hidden cell)"`
	S     []uint32  `layer:"hidden" size:"hidden" gpu:"spikebits:bits,prev:bitsPrev" doc:"hidden spikes s(t); read as s(t−1) by the next step"`

	YHat []uint32 `layer:"output" size:"cell" gpu:"plainbits:yhat" doc:"prediction ŷ(t), a guess at X_{t+k}"`
	Err  []int32  `layer:"output" size:"cell" gpu:"none" doc:"error e(t) = y − ŷ"`

	WIn  []float32 `layer:"synapses" size:"patchk" gpu:"floats:wIn" doc:"input weights W_in, a 3×3 patch per hidden cell"`
	WRec []float32 `layer:"synapses" size:"reck" gpu:"floats:wRec" doc:"recurrent weights W_rec, a window over each plane per hidden cell"`
	WOut []float32 `layer:"synapses" size:"out" gpu:"floats:wOut" doc:"output weights W_out, a window over each plane per output cell, or all K·n² hidden cells when dense"`
	Elig []float32 `layer:"synapses" size:"elig" gpu:"floats:elig" doc:"eligibility trace of each W_in weight (-rule rstdp)"`

	V2     []float32 `layer:"hidden2" size:"layer2" gpu:"floats:v2" doc:"membrane potential of the second hidden layer"`
	Theta2 []float32 `layer:"hidden2" size:"layer2" gpu:"floats:theta2" doc:"its threshold"`
	Q2     []float32 `layer:"hidden2" size:"layer2" gpu:"floats:q2" doc:"its post-synaptic trace"`
	S2     []uint32  `layer:"hidden2" size:"layer2" gpu:"words:s2,spikebits:bits2" doc:"its spikes s₂(t)"`
	W12    []float32 `layer:"synapses" size:"layer2patch" gpu:"floats:w12" doc:"weights from the first hidden layer to the second, a 3×3 patch over each plane per cell"`

	WDirect []float32 `layer:"synapses" size:"direct" gpu:"floats:wDirect" doc:"direct-path weights, a window over X(t) (and X(t−1)) per output cell (-direct)"`
	Bias    []float32 `layer:"output" size:"bias" gpu:"floats:bias" doc:"learned output bias β (-eta_bias > 0)"`
	XPrev   []uint32  `layer:"input" size:"xprev" gpu:"plainbits:xPrev" doc:"the input frame before this step's, X_{t−1} (-direct 2)"`

	Ring []uint32 `layer:"measures" size:"ring" gpu:"words:ring" doc:"per-step counts of the last 100 steps; slot t%Window belongs to step t"`
}

// OutPlanes returns how many hidden cells a pixel the output reads: the
// first layer's K, or the second layer's one when it feeds the output.
func (p Params) OutPlanes() int {
	if p.Layer2() == 1 {
		return 1
	}
	return p.K
}

// OutWidth returns how many weights each output cell has: a window over
// each of the OutPlanes planes, or every hidden cell of them when dense.
func (p Params) OutWidth() int {
	if p.OutLayout == Dense {
		return p.OutPlanes() * p.N * p.N
	}
	return p.OutPlanes() * Slots(p.ROut)
}

// DirectWidth returns how many direct-path weights each output cell has:
// D windows of radius r_dir.
func (p Params) DirectWidth() int { return p.Direct * Slots(p.RDirect) }

// NewState returns the initial state of docs/MODEL.md for p: v = 0,
// θ_c = θ(0) + Δθ·c, traces and spikes 0, W_out, the direct path and the
// bias 0, and W_in, W_rec and W12 drawn from the counter-based generator.
// p must be valid.
func NewState(p Params) *State {
	n, k := p.N, p.K
	plane := n * n
	s := NewStateShape(p)
	for ci := range s.Theta {
		s.Theta[ci] = p.InitialTheta(ci / plane)
	}
	for i := range s.Theta2 {
		s.Theta2[i] = p.Theta0
	}
	nin, nrec := Slots(PatchR), Slots(p.RRec)
	centre := nrec / 2
	for ci := 0; ci < p.Cells(); ci++ {
		i := ci % plane
		row, col := i/n, i%n
		for m := 0; m < nin; m++ {
			if _, ok := Neighbour(n, row, col, PatchR, m); ok {
				// uint32 indices wrap as the GPU's do.
				w := ci*nin + m
				s.WIn[w] = p.Win0 * Uniform(Hash(p.Seed, StreamWIn, 0, uint32(w)))
				if len(s.W12) > 0 {
					// W12's patch over plane c of the second-layer cell i.
					w12 := (i*k+ci/plane)*nin + m
					s.W12[w12] = p.Win0 * Uniform(Hash(p.Seed, StreamW12, 0, uint32(w12)))
				}
			}
		}
		for m := 0; m < nrec; m++ {
			if _, ok := Neighbour(n, row, col, p.RRec, m); !ok || m == centre {
				continue
			}
			for c2 := 0; c2 < k; c2++ {
				w := (ci*k+c2)*nrec + m
				u := Uniform(Hash(p.Seed, StreamWRec, 0, uint32(w)))
				s.WRec[w] = p.Wrec0 * (2*u - 1) // 2u−1 is exact: u is a multiple of 2⁻²⁴
			}
		}
	}
	return s
}

// Layer2 is 1 when the network has a second hidden layer (Horizon > 1
// and not NoCascade),
// else 0: a multiplier for its buffers' sizes.
func (p Params) Layer2() int {
	if p.Horizon > 1 && !p.NoCascade {
		return 1
	}
	return 0
}

// EligWidth is the number of eligibility traces per pixel: one per W_in
// slot of each of its K cells under rstdp, none otherwise.
func (p Params) EligWidth() int {
	if p.Rule == RuleRSTDP {
		return p.K * Slots(PatchR)
	}
	return 0
}

// BiasWidth is 1 when each output cell has a learned bias (η_β > 0), else
// 0: a multiplier for the bias buffer's size.
func (p Params) BiasWidth() int { return boolInt(p.HasBias()) }

// XPrevWidth is 1 when the direct path reads the previous frame
// (-direct 2), else 0: a multiplier for XPrev's size.
func (p Params) XPrevWidth() int { return boolInt(p.Direct == 2) }
