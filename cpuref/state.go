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
// column i%n. Binary quantities are uint32 0 or 1 so they map one to one
// onto GPU buffers.
type State struct {
	N int
	T int64 // steps taken; the next step reads frame T

	// Input layer (n² each).
	X []uint32  // frame X_t of the last step (1 = lit)
	Y []uint32  // its target X_{t+1}
	P []float32 // pre-synaptic trace p

	// Hidden layer (n² each).
	V     []float32 // membrane potential v
	Theta []float32 // threshold θ
	Q     []float32 // post-synaptic trace q
	S     []uint32  // spikes of the last step: s(t−1) for the next one

	// Output layer (n² each).
	YHat []uint32 // prediction ŷ of the last step
	Err  []int32  // error e = y − ŷ of the last step

	// Weights, one window per cell (see layout.go); dense W_out is n²×n²,
	// row k holding output k's weights from every hidden cell.
	WIn  []float32 // n²·9
	WRec []float32 // n²·Slots(RRec)
	WOut []float32 // n²·Slots(ROut), or n⁴ when dense

	// Elig is the eligibility trace of each W_in weight (rule rstdp only;
	// empty otherwise).
	Elig []float32

	// The second hidden layer (Horizon > 1 only; empty otherwise): its
	// membrane, threshold, post-synaptic trace, spikes of the last step,
	// and its 3×3 weights from the first hidden layer.
	V2     []float32
	Theta2 []float32
	Q2     []float32
	S2     []uint32
	W12    []float32

	// Ring holds the per-step counts of the last Window steps; slot
	// t%Window belongs to step t.
	Ring []uint32
}

// OutWidth returns how many weights each output cell has: its window, or
// every hidden cell when dense.
func (p Params) OutWidth() int {
	if p.WOut == Dense {
		return p.N * p.N
	}
	return Slots(p.ROut)
}

// NewState returns the initial state of docs/MODEL.md for p: v = 0,
// θ = θ(0), traces and spikes 0, W_out 0, and W_in, W_rec drawn from the
// counter-based generator. p must be valid.
func NewState(p Params) *State {
	n := p.N
	c := n * n
	s := NewStateShape(p)
	for i := range s.Theta {
		s.Theta[i] = p.Theta0
	}
	for i := range s.Theta2 {
		s.Theta2[i] = p.Theta0
	}
	nin, nrec := Slots(WinR), Slots(p.RRec)
	centre := nrec / 2
	for i := 0; i < c; i++ {
		row, col := i/n, i%n
		for m := 0; m < nin; m++ {
			if _, ok := Neighbour(n, row, col, WinR, m); ok {
				k := i*nin + m
				s.WIn[k] = p.Win0 * Uniform(Hash(p.Seed, StreamWIn, 0, uint32(k)))
				if len(s.W12) > 0 {
					s.W12[k] = p.Win0 * Uniform(Hash(p.Seed, StreamW12, 0, uint32(k)))
				}
			}
		}
		for m := 0; m < nrec; m++ {
			if _, ok := Neighbour(n, row, col, p.RRec, m); ok && m != centre {
				k := i*nrec + m
				u := Uniform(Hash(p.Seed, StreamWRec, 0, uint32(k)))
				s.WRec[k] = p.Wrec0 * (2*u - 1) // 2u−1 is exact: u is a multiple of 2⁻²⁴
			}
		}
	}
	return s
}

// Clone returns a deep copy of s.
func (s *State) Clone() *State {
	c := *s
	c.X = append([]uint32(nil), s.X...)
	c.Y = append([]uint32(nil), s.Y...)
	c.P = append([]float32(nil), s.P...)
	c.V = append([]float32(nil), s.V...)
	c.Theta = append([]float32(nil), s.Theta...)
	c.Q = append([]float32(nil), s.Q...)
	c.S = append([]uint32(nil), s.S...)
	c.YHat = append([]uint32(nil), s.YHat...)
	c.Err = append([]int32(nil), s.Err...)
	c.WIn = append([]float32(nil), s.WIn...)
	c.WRec = append([]float32(nil), s.WRec...)
	c.WOut = append([]float32(nil), s.WOut...)
	c.Elig = append([]float32(nil), s.Elig...)
	c.V2 = append([]float32(nil), s.V2...)
	c.Theta2 = append([]float32(nil), s.Theta2...)
	c.Q2 = append([]float32(nil), s.Q2...)
	c.S2 = append([]uint32(nil), s.S2...)
	c.W12 = append([]float32(nil), s.W12...)
	c.Ring = append([]uint32(nil), s.Ring...)
	return &c
}

// NewStateShape returns a zero state with the buffer sizes of p, for
// reading a state into.
func NewStateShape(p Params) *State {
	c := p.N * p.N
	return &State{
		N:     p.N,
		X:     make([]uint32, c),
		Y:     make([]uint32, c),
		P:     make([]float32, c),
		V:     make([]float32, c),
		Theta: make([]float32, c),
		Q:     make([]float32, c),
		S:     make([]uint32, c),
		YHat:  make([]uint32, c),
		Err:   make([]int32, c),
		WIn:   make([]float32, c*Slots(WinR)),
		WRec:  make([]float32, c*Slots(p.RRec)),
		WOut:  make([]float32, c*p.OutWidth()),
		Elig:  make([]float32, c*p.EligWidth()),
		Ring:  make([]uint32, Window*RingFields),

		V2:     make([]float32, c*p.Layer2()),
		Theta2: make([]float32, c*p.Layer2()),
		Q2:     make([]float32, c*p.Layer2()),
		S2:     make([]uint32, c*p.Layer2()),
		W12:    make([]float32, c*p.Layer2()*Slots(WinR)),
	}
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

// EligWidth is the number of eligibility traces per hidden cell: one per
// W_in slot under rstdp, none otherwise.
func (p Params) EligWidth() int {
	if p.Rule == RuleRSTDP {
		return Slots(WinR)
	}
	return 0
}

// Field is one named buffer of a State, for code that handles every
// buffer alike (checkpoints, comparisons). Exactly one of F32, U32, I32
// is set.
type Field struct {
	Name string
	F32  *[]float32
	U32  *[]uint32
	I32  *[]int32
}

// Fields lists every buffer of s in a fixed order. A buffer added to State
// is added here, and everything built on Fields follows.
func (s *State) Fields() []Field {
	return []Field{
		{Name: "X", U32: &s.X},
		{Name: "Y", U32: &s.Y},
		{Name: "P", F32: &s.P},
		{Name: "V", F32: &s.V},
		{Name: "Theta", F32: &s.Theta},
		{Name: "Q", F32: &s.Q},
		{Name: "S", U32: &s.S},
		{Name: "YHat", U32: &s.YHat},
		{Name: "Err", I32: &s.Err},
		{Name: "WIn", F32: &s.WIn},
		{Name: "WRec", F32: &s.WRec},
		{Name: "WOut", F32: &s.WOut},
		{Name: "Elig", F32: &s.Elig},
		{Name: "V2", F32: &s.V2},
		{Name: "Theta2", F32: &s.Theta2},
		{Name: "Q2", F32: &s.Q2},
		{Name: "S2", U32: &s.S2},
		{Name: "W12", F32: &s.W12},
		{Name: "Ring", U32: &s.Ring},
	}
}
