package viz

import (
	"fmt"
	"math"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// CellInfo is what the inspector shows of one pixel, read back from the
// GPU's buffers a frame late (a few words, never the grid).
type CellInfo struct {
	Row, Col int
	Step     int64   // the step count the values are from
	P        float32 // the input's pre-synaptic trace
	// Cells are the pixel's hidden cells, cell c at index c (one, unless
	// the network has K > 1 cells a pixel).
	Cells []HiddenInfo
	// WOut is the output cell's local window over each plane of hidden
	// cells it reads, cell c's (2·rout+1)² at c·Side² (none with -wout
	// dense; one window when the second layer feeds the output).
	WOut    []float32
	Side    int  // the window's side
	Y, YHat bool // target and prediction at the output cell
}

// HiddenInfo is one hidden cell of an inspected pixel.
type HiddenInfo struct {
	V     float32
	Theta float32
	Q     float32
	Rate  float32 // the rate view's per-frame EMA
	// LastSpike is the step of the cell's last spike seen by the rate
	// pass (at one step a frame, every spike), or −1 for none.
	LastSpike int64
	Spike     bool // the cell fired in the last step
	WIn       [9]float32
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

// Words of an inspector read-back, in its staging buffer: the pixel's,
// then inCell words for each hidden cell, then the output's windows.
const (
	inP = iota
	inYHat
	inY
	inCells // the first cell's words
)

// A hidden cell's words, from its first.
const (
	inV = iota
	inTheta
	inQ
	inRate
	inLast
	inBits
	inWIn              // 9 words
	inCell = inWIn + 9 // words a cell
)

// inspector reads one pixel's values back asynchronously.
type inspector struct {
	read  *smallRead
	step  int64 // the step count of the read in flight
	row   int
	col   int
	side  int
	k     int       // hidden cells a pixel
	outK  int       // windows an output cell: the planes it reads
	Info  *CellInfo // the newest values, nil until the first arrive
	valid bool
}

func newInspector(p cpuref.Params) *inspector {
	side := 0
	if p.OutLayout == cpuref.Local {
		side = 2*p.ROut + 1
	}
	k, outK := cellsOf(p), max(p.OutPlanes(), 1)
	return &inspector{read: newSmallRead(4 * (inCells + k*inCell + outK*side*side)), side: side, k: k, outK: outK, row: -1}
}

// wOutAt is the first word of the output's windows.
func (in *inspector) wOutAt() int { return inCells + in.k*inCell }

// request queues the read-back of pixel (row, col) unless one is in
// flight.
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
		{buf("p"), 4 * i, 4 * inP, 4},
		{sim.BufferID(gpu.BufYHat), 4 * (row*plainRowWords(n) + col/32), 4 * inYHat, 4},
		{sim.BufferID(gpu.BufY), 4 * (row*plainRowWords(n) + col/32), 4 * inY, 4},
	}
	for c := range in.k {
		ci := c*n*n + i // cell c of the pixel (viz/cells.go)
		at := 4 * (inCells + c*inCell)
		spans = append(spans,
			copySpan{buf("v"), 4 * ci, at + 4*inV, 4},
			copySpan{buf("theta"), 4 * ci, at + 4*inTheta, 4},
			copySpan{buf("q"), 4 * ci, at + 4*inQ, 4},
			copySpan{w.rate, 4 * ci, at + 4*inRate, 4},
			copySpan{w.lastSpike, 4 * ci, at + 4*inLast, 4},
			copySpan{sim.BufferID(gpu.BufBits), 4 * ((c*n+row)*((n+15)/16) + col/16), at + 4*inBits, 4},
			copySpan{buf("wIn"), 4 * 9 * ci, at + 4*inWIn, 36})
	}
	if in.side > 0 {
		// The output's windows, one a plane it reads, are side by side
		// (viz/cells.go).
		s := in.outK * in.side * in.side
		spans = append(spans, copySpan{buf("wOut"), 4 * s * i, 4 * in.wOutAt(), 4 * s})
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
	c := &CellInfo{Row: in.row, Col: in.col, Step: in.step, P: f(inP), Side: in.side}
	c.YHat = w[inYHat]>>(in.col%32)&1 != 0
	c.Y = w[inY]>>(in.col%32)&1 != 0
	for k := range in.k {
		at := inCells + k*inCell
		h := HiddenInfo{V: f(at + inV), Theta: f(at + inTheta), Q: f(at + inQ), Rate: f(at + inRate),
			LastSpike: int64(w[at+inLast]) - 1, Spike: w[at+inBits]>>(in.col%16+8)&1 != 0}
		for m := range h.WIn {
			h.WIn[m] = f(at + inWIn + m)
		}
		c.Cells = append(c.Cells, h)
	}
	for k := range in.outK * in.side * in.side {
		c.WOut = append(c.WOut, f(in.wOutAt()+k))
	}
	return c
}

func (in *inspector) release() {
	if in.read != nil {
		in.read.release()
		in.read = nil
	}
}

// columns formats the inspector's overlay: the values, W_in, W_out. With
// K > 1 cells a pixel the values are a table of the K cells, and W_in and
// W_out those of cell show (cell 0 when the views show all).
func (c *CellInfo) columns(show int) [][]string {
	if len(c.Cells) > 1 {
		return c.cellColumns(max(show, 0))
	}
	h := c.Cells[0]
	vals := []string{
		fmt.Sprintf("cell (%d, %d)  step %d", c.Row, c.Col, c.Step),
		fmt.Sprintf("v %+.4f  θ %.4f", h.V, h.Theta),
		fmt.Sprintf("p %.4f  q %.4f", c.P, h.Q),
		fmt.Sprintf("spike %-5v last %s", h.Spike, lastSpike(h.LastSpike)),
		fmt.Sprintf("rate %.4f", h.Rate),
		fmt.Sprintf("output: %s", c.Outcome()),
	}
	out := [][]string{vals, patch("W_in", h.WIn[:])}
	if c.Side > 0 {
		out = append(out, c.window("W_out", 0))
	}
	return out
}

// cellColumns is columns with K > 1 cells: a row a cell, and the W_in
// and W_out of cell show. A one-weight W_out window (rout 0) is a column
// of the table instead.
func (c *CellInfo) cellColumns(show int) [][]string {
	// One weight a cell: W_out at rout 0 over the K planes.
	one := c.Side == 1 && len(c.WOut) == len(c.Cells)
	head := "  c        v       θ       q    rate spike  last"
	if one {
		head += "   w_out"
	}
	vals := []string{
		fmt.Sprintf("pixel (%d, %d)  step %d  %d cells", c.Row, c.Col, c.Step, len(c.Cells)),
		fmt.Sprintf("p %.4f  output: %s", c.P, c.Outcome()),
		head,
	}
	for k, h := range c.Cells {
		mark := "·"
		if h.Spike {
			mark = "●"
		}
		row := fmt.Sprintf("%3d %+8.4f %7.4f %7.4f %7.4f   %s  %6s", k, h.V, h.Theta, h.Q, h.Rate, mark, lastSpike(h.LastSpike))
		if one {
			row += fmt.Sprintf(" %+7.3f", c.WOut[k])
		}
		vals = append(vals, row)
	}
	out := [][]string{vals, patch(fmt.Sprintf("W_in · cell %d", show), c.Cells[show].WIn[:])}
	switch {
	case c.Side > 0 && len(c.WOut) == c.Side*c.Side:
		out = append(out, c.window("W_out", 0)) // the second layer's one window
	case c.Side > 1:
		out = append(out, c.window(fmt.Sprintf("W_out · cell %d", show), show))
	}
	return out
}

// lastSpike formats a cell's last spike step.
func lastSpike(s int64) string {
	if s < 0 {
		return "never"
	}
	return fmt.Sprintf("%d", s)
}

// patch formats a 3×3 W_in patch under its title.
func patch(title string, w []float32) []string {
	out := []string{title}
	for r := 0; r < 3; r++ {
		out = append(out, fmt.Sprintf("%.2f %.2f %.2f", w[3*r], w[3*r+1], w[3*r+2]))
	}
	return out
}

// window formats the output's W_out window over plane c under its title.
func (c *CellInfo) window(title string, plane int) []string {
	s := c.Side * c.Side
	w := c.WOut[plane*s : (plane+1)*s]
	out := []string{title}
	for r := 0; r < c.Side; r++ {
		line := ""
		for k := 0; k < c.Side; k++ {
			if k > 0 {
				line += " "
			}
			line += fmt.Sprintf("%+.2f", w[r*c.Side+k])
		}
		out = append(out, line)
	}
	return out
}

// plainRowWords is the words one grid row takes in a plain bit set (Y,
// ŷ): cpuref.PlainWords is the whole n×n set.
func plainRowWords(n int) int { return cpuref.PlainWords(n) / n }
