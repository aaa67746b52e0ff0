package cpuref

import (
	"fmt"
	"testing"
)

// litCells renders a frame of s at step t into a set of (row, col).
func litCells(s Stimulus, n int, t int64) map[[2]int]bool {
	frame := make([]uint32, n*n)
	fill(frame, n, s.Frame(t, nil))
	out := map[[2]int]bool{}
	for i, v := range frame {
		if v != 0 {
			out[[2]int{i / n, i % n}] = true
		}
	}
	return out
}

func TestDotsEvenPhases(t *testing.T) {
	n := 9
	b := Border{N: n}
	d := Dots{N: n, K: 4}
	for tt := int64(0); tt < 50; tt++ {
		got := d.Frame(tt, nil)
		if len(got) != 4 {
			t.Fatalf("step %d: %d dots, want 4", tt, len(got))
		}
		for k, r := range got {
			want := Dot(b.Pos(tt + int64(k)*b.Period()/4))
			if r != want {
				t.Fatalf("step %d dot %d at %v, want %v", tt, k, r, want)
			}
		}
	}
	ccw := Dots{N: n, K: 2, CCW: true}
	for tt := int64(0); tt < 40; tt++ {
		a, z := ccw.Frame(tt, nil), ccw.Frame(tt+1, nil)
		if a[0] != Dot(b.Pos(tt)) {
			t.Fatalf("dot 0 should walk clockwise")
		}
		if z[1] != Dot(b.Pos(b.Period()/2-tt-1)) {
			t.Fatalf("dot 1 should walk counter-clockwise: step %d at %v", tt+1, z[1])
		}
	}
}

func TestBounceStaysInsideAndReflects(t *testing.T) {
	for _, n := range []int{1, 2, 7, 32} {
		for seed := uint32(1); seed <= 5; seed++ {
			b := NewBounce(n, 5, seed)
			for i, d := range b.dots {
				if d.vr == 0 && d.vc == 0 {
					t.Fatalf("n=%d seed %d dot %d has zero velocity", n, seed, i)
				}
			}
			prev := b.Frame(0, nil)
			for tt := int64(1); tt < int64(6*n+10); tt++ {
				cur := b.Frame(tt, nil)
				for k := range cur {
					r, c := cur[k].R0, cur[k].C0
					if r < 0 || c < 0 || int(r) >= n || int(c) >= n {
						t.Fatalf("n=%d dot %d left the grid at step %d: %v", n, k, tt, cur[k])
					}
					dr, dc := abs32(r-prev[k].R0), abs32(c-prev[k].C0)
					if n > 1 && (dr > 1 || dc > 1) {
						t.Fatalf("n=%d dot %d jumped from %v to %v", n, k, prev[k], cur[k])
					}
				}
				prev = cur
			}
		}
	}
	// Closed form against a step-by-step simulation of one axis.
	n, x, v := 6, 2, 1
	for tt := int64(0); tt < 40; tt++ {
		if got := bounceAxis(2, 1, n, tt); got != x {
			t.Fatalf("bounceAxis at %d = %d, want %d", tt, got, x)
		}
		if x+v < 0 || x+v > n-1 {
			v = -v
		}
		x += v
	}
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func TestBarSweepsBothWays(t *testing.T) {
	n := 5
	b := Bar{N: n}
	for tt := int64(0); tt < int64(4*n); tt++ {
		cells := litCells(b, n, tt)
		if len(cells) != n {
			t.Fatalf("step %d lights %d cells, want a bar of %d", tt, len(cells), n)
		}
		p := int(tt % int64(2*n))
		for k := 0; k < n; k++ {
			want := [2]int{k, p}
			if p >= n {
				want = [2]int{p - n, k}
			}
			if !cells[want] {
				t.Fatalf("step %d: %v not lit", tt, want)
			}
		}
	}
}

func TestMouseIsOneStepBehind(t *testing.T) {
	m := NewMouse(10, 1)
	m.Set(2, 3)
	if got := m.Frame(5, nil); got[0] != Dot(2, 3) {
		t.Fatalf("frame 5 = %v", got)
	}
	m.Set(4, 4)
	if got := m.Frame(5, nil); got[0] != Dot(2, 3) {
		t.Fatalf("frame 5 changed after it was shown: %v", got)
	}
	if got := m.Frame(6, nil); got[0] != Dot(4, 4) {
		t.Fatalf("frame 6 = %v, want the new position", got)
	}
	m.Set(-5, 99)
	if got := m.Frame(7, nil); got[0] != Dot(0, 9) {
		t.Fatalf("pointer outside the grid not clamped: %v", got)
	}
}

func TestStimulusValidation(t *testing.T) {
	for _, c := range []struct {
		env  Env
		n    int
		dots int
		flag string
	}{
		{EnvDots, 3, 9, "dots"}, {EnvDots, 48, 0, "dots"}, {EnvDots, 48, 65, "dots"},
		{EnvBounce, 2, 5, "dots"}, {EnvBounce, 48, 0, "dots"}, {"spiral", 48, 1, "env"},
	} {
		p := Defaults()
		p.Env, p.N, p.Dots = c.env, c.n, c.dots
		err := p.Validate()
		re, ok := err.(*RangeError)
		if !ok || re.Flag != c.flag {
			t.Errorf("%s n=%d dots=%d: got %v, want a -%s error", c.env, c.n, c.dots, err, c.flag)
		}
	}
	for _, env := range []Env{EnvBorder, EnvDots, EnvBounce, EnvBar, EnvMouse} {
		p := Defaults()
		p.Env = env
		if err := p.Validate(); err != nil {
			t.Errorf("%s with defaults: %v", env, err)
		}
	}
	_ = fmt.Sprint
}

// TestMouseKeepsTargetsForLongHorizons: with -horizon k the frame shown as
// input at step t is the target recorded at step t−k, however far ahead k.
func TestMouseKeepsTargetsForLongHorizons(t *testing.T) {
	for _, h := range []int{1, 4, 5, 8, 16} {
		m := NewMouse(32, h)
		targets := map[int64]Rect{}
		for step := int64(0); step < 60; step++ {
			m.Set(int(step%32), int(step*7%32)) // the pointer moves every step
			in := m.Frame(step, nil)[0]
			if want, ok := targets[step]; ok && in != want {
				t.Fatalf("horizon %d, step %d: input %v, but the target recorded for it was %v", h, step, in, want)
			}
			targets[step+int64(h)] = m.Frame(step+int64(h), nil)[0]
		}
	}
}

// fill sets the cells of the rectangles to 1, clipped to the grid.
func fill(frame []uint32, n int, rects []Rect) {
	for _, r := range rects {
		for row := max(int(r.R0), 0); row < min(int(r.R1), n); row++ {
			for col := max(int(r.C0), 0); col < min(int(r.C1), n); col++ {
				frame[row*n+col] = 1
			}
		}
	}
}
