package cpuref

import (
	"errors"
	"fmt"
	"sync"
)

// Rect is a lit rectangle of a frame: rows [R0, R1), columns [C0, C1).
type Rect struct{ R0, C0, R1, C1 int32 }

// Dot is the 1×1 rectangle at (row, col).
func Dot(row, col int) Rect {
	return Rect{int32(row), int32(col), int32(row) + 1, int32(col) + 1}
}

// MaxRects is the most rectangles a frame may have: the GPU receives a
// frame as that many rectangles, not as an n×n upload.
const MaxRects = 64

// Stimulus produces the binary input frames. A frame is a short list of
// lit rectangles (a dot is 1×1), so the GPU can be handed a frame as a
// few integers. Frame must be a pure function of t (and of the
// stimulus's settings), so a run resumed from a checkpoint sees the same
// frames; Mouse is the one exception, fed by the window.
type Stimulus interface {
	// Frame appends to dst the rectangles lit in frame t.
	Frame(t int64, dst []Rect) []Rect
}

// Env names a stimulus (the -env flag).
type Env string

// The stimuli of docs/MODEL.md.
const (
	EnvBorder Env = "border" // one dot walking the border clockwise
	EnvDots   Env = "dots"   // K dots on the border at even phases
	EnvBounce Env = "bounce" // K dots bouncing off the walls
	EnvBar    Env = "bar"    // a bar sweeping across, one orientation per pass
	EnvMouse  Env = "mouse"  // the dot follows the mouse (window only)
)

// NewStimulus returns the stimulus p.Env describes. p must be valid.
func NewStimulus(p Params) Stimulus {
	switch p.Env {
	case EnvDots:
		return Dots{N: p.N, K: p.Dots, CCW: p.CCW}
	case EnvBounce:
		return NewBounce(p.N, p.Dots, p.Seed)
	case EnvBar:
		return Bar{N: p.N}
	case EnvMouse:
		return NewMouse(p.N, p.Horizon)
	}
	return Border{N: p.N}
}

// Border is the original toy's DotEnv: one dot walking clockwise around the border
// of an n×n grid, one pixel a step, starting at (0, 0).
type Border struct{ N int }

// Period is the number of steps of one lap: 4·(n−1), or 1 at n = 1.
func (b Border) Period() int64 {
	if b.N == 1 {
		return 1
	}
	return 4 * int64(b.N-1)
}

// Pos returns the dot's (row, col) at step t.
func (b Border) Pos(t int64) (row, col int) {
	n := b.N
	if n == 1 {
		return 0, 0
	}
	e := n - 1 // steps along one edge
	p := int(t % b.Period())
	if p < 0 {
		p += int(b.Period())
	}
	switch {
	case p < e: // top row, left to right
		return 0, p
	case p < 2*e: // right column, downwards
		return p - e, e
	case p < 3*e: // bottom row, right to left
		return e, e - (p - 2*e)
	default: // left column, upwards
		return e - (p - 3*e), 0
	}
}

// Frame implements Stimulus.
func (b Border) Frame(t int64, dst []Rect) []Rect {
	return append(dst, Dot(b.Pos(t)))
}

// Dots puts K dots on the border walk at evenly spaced phases: dot k starts
// k·period/K steps along it. With CCW every second dot walks the other way.
type Dots struct {
	N   int
	K   int
	CCW bool
}

// Frame implements Stimulus.
func (d Dots) Frame(t int64, dst []Rect) []Rect {
	b := Border{N: d.N}
	per := b.Period()
	for k := 0; k < d.K; k++ {
		phase := int64(k) * per / int64(d.K)
		if d.CCW && k%2 == 1 {
			dst = append(dst, Dot(b.Pos(phase-t)))
		} else {
			dst = append(dst, Dot(b.Pos(phase+t)))
		}
	}
	return dst
}

// Bounce is K dots, each with its own start and a velocity whose
// components are −1, 0 or +1 (not both 0), reflecting off the walls. All
// are drawn from the seed; the position at step t is a closed form (a
// triangle wave per axis), so any frame can be computed directly.
type Bounce struct {
	N    int
	dots []bouncer
}

type bouncer struct{ r0, c0, vr, vc int }

// NewBounce draws K bouncing dots for an n×n grid from seed.
func NewBounce(n, k int, seed uint32) Bounce {
	b := Bounce{N: n}
	for i := 0; i < k; i++ {
		h := func(j int) uint32 { return Hash(seed, StreamEnv, 0, uint32(4*i+j)) }
		d := bouncer{r0: int(h(0) % uint32(n)), c0: int(h(1) % uint32(n))}
		// Eight directions: the 3×3 velocities without (0, 0).
		v := int(h(2) % 8)
		if v >= 4 {
			v++
		}
		d.vr, d.vc = v/3-1, v%3-1
		b.dots = append(b.dots, d)
	}
	return b
}

// bounceAxis folds x0 + v·t into [0, n−1] as a dot bouncing off both ends.
func bounceAxis(x0, v, n int, t int64) int {
	if n == 1 {
		return 0
	}
	per := int64(2 * (n - 1))
	u := (int64(x0) + int64(v)*(t%per)) % per
	if u < 0 {
		u += per
	}
	if u > int64(n-1) {
		u = per - u
	}
	return int(u)
}

// Frame implements Stimulus.
func (b Bounce) Frame(t int64, dst []Rect) []Rect {
	for _, d := range b.dots {
		dst = append(dst, Dot(bounceAxis(d.r0, d.vr, b.N, t), bounceAxis(d.c0, d.vc, b.N, t)))
	}
	return dst
}

// Bar is a one-pixel bar sweeping across the grid: a vertical bar moving
// left to right for n steps, then a horizontal one moving top to bottom
// for n steps, and again.
type Bar struct{ N int }

// Frame implements Stimulus.
func (b Bar) Frame(t int64, dst []Rect) []Rect {
	n := int64(b.N)
	p := t % (2 * n)
	if p < 0 {
		p += 2 * n
	}
	if p < n {
		return append(dst, Rect{0, int32(p), int32(n), int32(p) + 1})
	}
	return append(dst, Rect{int32(p - n), 0, int32(p-n) + 1, int32(n)})
}

// Mouse is a dot that follows the pointer over the input panel. The window
// calls Set with the cell under the pointer; the frame of step t is where
// the pointer was when step t−1 ran, so the target X(t+1) is always known:
// the network predicts where the pointer goes next, one step behind it.
type Mouse struct {
	N       int
	horizon int // frames are asked for at t and t+horizon
	mu      sync.Mutex
	row     int
	col     int
	seen    map[int64][2]int
}

// NewMouse returns a mouse stimulus with the dot in the centre, for a
// network that predicts horizon steps ahead.
func NewMouse(n, horizon int) *Mouse {
	return &Mouse{N: n, horizon: max(horizon, 1), row: n / 2, col: n / 2, seen: map[int64][2]int{}}
}

// Set moves the dot to (row, col), clamped to the grid.
func (m *Mouse) Set(row, col int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.row = min(max(row, 0), m.N-1)
	m.col = min(max(col, 0), m.N-1)
}

// Frame implements Stimulus: frame t is the pointer's position the first
// time frame t was asked for.
func (m *Mouse) Frame(t int64, dst []Rect) []Rect {
	m.mu.Lock()
	defer m.mu.Unlock()
	pos, ok := m.seen[t]
	if !ok {
		pos = [2]int{m.row, m.col}
		m.seen[t] = pos
		// Frames are asked for at t and t+horizon only: anything older
		// than the input frame is done with.
		delete(m.seen, t-int64(m.horizon)-4)
	}
	return append(dst, Dot(pos[0], pos[1]))
}

// checkEnv validates the stimulus parameters.
func (p Params) checkEnv() error {
	if p.Dots < 1 || p.Dots > MaxRects {
		return &RangeError{"dots", fmt.Sprint(p.Dots), fmt.Sprintf("an integer in [1, %d]", MaxRects)}
	}
	switch p.Env {
	case EnvBorder, EnvBar, EnvMouse:
		return nil
	case EnvDots:
		per := Border{N: p.N}.Period()
		if p.Dots < 1 || int64(p.Dots) > per || p.Dots > MaxRects {
			return &RangeError{"dots", fmt.Sprint(p.Dots), fmt.Sprintf("an integer in [1, %d] for -env dots at -n %d (one dot per border cell, at most %d)", min(per, MaxRects), p.N, MaxRects)}
		}
	case EnvBounce:
		if p.Dots < 1 || p.Dots > MaxRects || p.Dots > p.N*p.N {
			return &RangeError{"dots", fmt.Sprint(p.Dots), fmt.Sprintf("an integer in [1, %d] for -env bounce at -n %d", min(MaxRects, p.N*p.N), p.N)}
		}
	default:
		return &RangeError{"env", fmt.Sprintf("%q", p.Env), `one of "border", "dots", "bounce", "bar", "mouse"`}
	}
	return nil
}

// FrameSource is a Stimulus whose frames are whole binary images, not a
// few rectangles: video, GIF, image files or arrays (package frames).
// Both backends then read a frame as a plain bit set, the layout of the
// GPU's X and Y: bit col%32 of word row·⌈n/32⌉ + col/32 (PlainWords words
// in all), so a frame may light any set of pixels. Its Frame method
// returns no rectangles.
type FrameSource interface {
	Stimulus
	// FrameBits writes frame t into dst (PlainWords(n) words). Frames are
	// asked for in increasing t, each at most twice (as input, then as
	// target); an earlier t restarts the source. An error wrapping
	// ErrEndOfSource says the source has no frame t.
	FrameBits(t int64, dst []uint32) error
}

// ErrEndOfSource is wrapped by the error of a FrameSource that has
// ended: the run ends with it.
var ErrEndOfSource = errors.New("end of the source")

// PlainWords is the length in words of a plain bit set of an n×n layer:
// n rows of PlainStride(n) words.
func PlainWords(n int) int { return n * PlainStride(n) }

// PlainStride is the number of words a row of a plain bit set of an n×n
// layer takes, ⌈n/32⌉: cell (row, col) is bit col%32 of word
// row·PlainStride(n) + col/32.
func PlainStride(n int) int { return (n + 31) / 32 }

// plainBit reports cell (row, col) of a plain bit set.
func plainBit(bits []uint32, n, row, col int) bool {
	return bits[row*PlainStride(n)+col>>5]>>(col&31)&1 != 0
}
