package viz

import (
	"fmt"
	"math"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// CellInfo is what the inspector shows of one cell, read back from the
// GPU's buffers a frame late (a few words, never the grid).
type CellInfo struct {
	Row, Col int
	Step     int64 // the step count the values are from
	V        float32
	Theta    float32
	P, Q     float32
	Rate     float32 // the rate view's per-frame EMA
	// LastSpike is the step of the cell's last spike seen by the rate
	// pass (at one step a frame, every spike), or −1 for none.
	LastSpike int64
	Spike     bool // the hidden cell fired in the last step
	WIn       [9]float32
	WOut      []float32 // the output cell's local window, (2·rout+1)² (none with -wout dense)
	Side      int       // its side
	Y, YHat   bool      // target and prediction at the output cell
}

// Outcome says how the output cell scored this step: "hit", "miss",
// "false alarm" or "quiet".
func (c CellInfo) Outcome() string {
	switch {
	case c.Y && c.YHat:
		return "hit"
	case c.Y:
		return "miss"
	case c.YHat:
		return "false alarm"
	}
	return "quiet"
}

// Words of an inspector read-back, in its staging buffer.
const (
	inV = iota
	inTheta
	inP
	inQ
	inRate
	inLast
	inYHat
	inY
	inBits
	inWIn              // 9 words
	inWOut = inWIn + 9 // (2·rout+1)² words
)

// inspector reads one cell's values back asynchronously.
type inspector struct {
	read  *smallRead
	step  int64 // the step count of the read in flight
	row   int
	col   int
	side  int
	Info  *CellInfo // the newest values, nil until the first arrive
	valid bool
}

func newInspector(p cpuref.Params) *inspector {
	side := 0
	if p.OutLayout == cpuref.Local {
		side = 2*p.ROut + 1
	}
	return &inspector{read: newSmallRead(4 * (inWOut + side*side)), side: side, row: -1}
}

// request queues the read-back of cell (row, col) unless one is in flight.
func (in *inspector) request(sim *gpu.Sim, w *views, row, col int) {
	if in.read.inFlight() {
		return
	}
	n := sim.Params.N
	i := row*n + col
	buf := func(name string) uint32 {
		b, _ := gpu.BufferNamed(name)
		return sim.BufferID(b)
	}
	spans := []copySpan{
		{buf("v"), 4 * i, 4 * inV, 4},
		{buf("theta"), 4 * i, 4 * inTheta, 4},
		{buf("p"), 4 * i, 4 * inP, 4},
		{buf("q"), 4 * i, 4 * inQ, 4},
		{w.rate, 4 * i, 4 * inRate, 4},
		{w.lastSpike, 4 * i, 4 * inLast, 4},
		{sim.BufferID(gpu.BufYHat), 4 * (row*plainRowWords(n) + col/32), 4 * inYHat, 4},
		{sim.BufferID(gpu.BufY), 4 * (row*plainRowWords(n) + col/32), 4 * inY, 4},
		{sim.BufferID(gpu.BufBits), 4 * (row*((n+15)/16) + col/16), 4 * inBits, 4},
		{buf("wIn"), 4 * 9 * i, 4 * inWIn, 36},
	}
	if in.side > 0 {
		s := in.side * in.side
		spans = append(spans, copySpan{buf("wOut"), 4 * s * i, 4 * inWOut, 4 * s})
	}
	in.read.start(spans)
	in.step, in.row, in.col = sim.T, row, col
}

// poll takes the values of the read in flight once they have arrived.
func (in *inspector) poll() {
	if words, ok := in.read.poll(); ok {
		in.Info = in.decode(words)
	}
}

func (in *inspector) decode(w []uint32) *CellInfo {
	f := func(k int) float32 { return math.Float32frombits(w[k]) }
	c := &CellInfo{Row: in.row, Col: in.col, Step: in.step, V: f(inV), Theta: f(inTheta), P: f(inP), Q: f(inQ),
		Rate: f(inRate), LastSpike: int64(w[inLast]) - 1, Side: in.side}
	c.YHat = w[inYHat]>>(in.col%32)&1 != 0
	c.Y = w[inY]>>(in.col%32)&1 != 0
	c.Spike = w[inBits]>>(in.col%16+8)&1 != 0
	for k := range c.WIn {
		c.WIn[k] = f(inWIn + k)
	}
	for k := range in.side * in.side {
		c.WOut = append(c.WOut, f(inWOut+k))
	}
	return c
}

func (in *inspector) release() {
	if in.read != nil {
		in.read.release()
		in.read = nil
	}
}

// columns formats the inspector's overlay: the values, W_in, W_out.
func (c *CellInfo) columns() [][]string {
	last := "never"
	if c.LastSpike >= 0 {
		last = fmt.Sprintf("%d", c.LastSpike)
	}
	vals := []string{
		fmt.Sprintf("cell (%d, %d)  step %d", c.Row, c.Col, c.Step),
		fmt.Sprintf("v %+.4f  θ %.4f", c.V, c.Theta),
		fmt.Sprintf("p %.4f  q %.4f", c.P, c.Q),
		fmt.Sprintf("spike %-5v last %s", c.Spike, last),
		fmt.Sprintf("rate %.4f", c.Rate),
		fmt.Sprintf("output: %s", c.Outcome()),
	}
	win := []string{"W_in"}
	for r := 0; r < 3; r++ {
		win = append(win, fmt.Sprintf("%.2f %.2f %.2f", c.WIn[3*r], c.WIn[3*r+1], c.WIn[3*r+2]))
	}
	out := [][]string{vals, win}
	if c.Side > 0 {
		wout := []string{"W_out"}
		for r := 0; r < c.Side; r++ {
			s := ""
			for k := 0; k < c.Side; k++ {
				if k > 0 {
					s += " "
				}
				s += fmt.Sprintf("%+.2f", c.WOut[r*c.Side+k])
			}
			wout = append(wout, s)
		}
		out = append(out, wout)
	}
	return out
}

// plainRowWords is the words one grid row takes in a plain bit set (Y,
// ŷ): cpuref.PlainWords is the whole n×n set.
func plainRowWords(n int) int { return cpuref.PlainWords(n) / n }
