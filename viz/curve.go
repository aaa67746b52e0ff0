package viz

import (
	"github.com/go-gl/gl/v4.3-core/gl"
	"github.com/go-gl/mathgl/mgl32"
)

// maxCurve is the most samples the learning curve keeps; when full, every
// other sample is dropped and the sampling stride doubles, so the curve
// always spans the whole run.
const maxCurve = 2048

// Curve is the learning curve: rolling F1 and hidden firing rate over the
// whole run.
type Curve struct {
	Steps []int64
	F1    []float32
	Rate  []float32
	every int64 // steps between kept samples
	// seed is the history the curve starts from and Reset returns to
	// (a loaded checkpoint's).
	seedSteps        []int64
	seedF1, seedRate []float32
	vao              uint32
	vbo              uint32
}

func newCurve() *Curve {
	c := &Curve{every: 1}
	gl.CreateVertexArrays(1, &c.vao)
	gl.CreateBuffers(1, &c.vbo)
	gl.NamedBufferData(c.vbo, maxCurve*2*3*4, nil, gl.STREAM_DRAW)
	gl.VertexArrayVertexBuffer(c.vao, 0, c.vbo, 0, 12)
	gl.EnableVertexArrayAttrib(c.vao, 0)
	gl.VertexArrayAttribFormat(c.vao, 0, 3, gl.FLOAT, false, 0)
	gl.VertexArrayAttribBinding(c.vao, 0, 0)
	return c
}

// Add records the measures at step t.
func (c *Curve) Add(t int64, f1, rate float64) {
	if n := len(c.Steps); n > 0 && t-c.Steps[n-1] < c.every {
		return
	}
	c.Steps = append(c.Steps, t)
	c.F1 = append(c.F1, float32(f1))
	c.Rate = append(c.Rate, float32(rate))
	if len(c.Steps) >= maxCurve {
		k := 0
		for i := 0; i < len(c.Steps); i += 2 {
			c.Steps[k], c.F1[k], c.Rate[k] = c.Steps[i], c.F1[i], c.Rate[i]
			k++
		}
		c.Steps, c.F1, c.Rate = c.Steps[:k], c.F1[:k], c.Rate[:k]
		c.every *= 2
	}
}

// Reset forgets the run since the seed.
func (c *Curve) Reset() {
	c.Steps, c.F1, c.Rate = c.Steps[:0], c.F1[:0], c.Rate[:0]
	c.every = 1
	for i := range c.seedSteps {
		c.Add(c.seedSteps[i], float64(c.seedF1[i]), float64(c.seedRate[i]))
	}
}

// Seed starts the curve from a run's history (a loaded checkpoint's:
// steps, rolling F1 and hidden rate), which Reset returns to.
func (c *Curve) Seed(steps []int64, f1, rate []float32) {
	k := min(len(steps), len(f1), len(rate))
	c.seedSteps = append([]int64(nil), steps[:k]...)
	c.seedF1 = append([]float32(nil), f1[:k]...)
	c.seedRate = append([]float32(nil), rate[:k]...)
	c.Reset()
}

// maxRate is the scale of the rate line: the largest rate seen, at least
// 1%.
func (c *Curve) maxRate() float32 {
	m := float32(0.01)
	for _, r := range c.Rate {
		m = max(m, r)
	}
	return m * 1.1
}

// draw plots both lines in the pixel rectangle (x, y, w, h) of a
// framebuffer of size fbW×fbH (origin top-left).
func (c *Curve) draw(prog uint32, x, y, w, h float32, fbW, fbH int) {
	n := len(c.Steps)
	if n < 2 {
		return
	}
	last := float32(c.Steps[n-1])
	rs := c.maxRate()
	v := make([]float32, 0, 2*n*3)
	for i := 0; i < n; i++ {
		px := x + w*float32(c.Steps[i])/last
		v = append(v, px, y+h*(1-c.F1[i]), 0)
	}
	for i := 0; i < n; i++ {
		px := x + w*float32(c.Steps[i])/last
		v = append(v, px, y+h*(1-c.Rate[i]/rs), 0)
	}
	gl.NamedBufferSubData(c.vbo, 0, len(v)*4, gl.Ptr(v))
	ortho := mgl32.Ortho2D(0, float32(fbW), float32(fbH), 0)
	gl.UseProgram(prog)
	gl.UniformMatrix4fv(loc(prog, "uMVP"), 1, false, &ortho[0])
	gl.BindVertexArray(c.vao)
	gl.Enable(gl.BLEND)
	gl.BlendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA)
	gl.Uniform4f(loc(prog, "uColour"), 0.55, 0.6, 1.0, 0.9)
	gl.DrawArrays(gl.LINE_STRIP, int32(n), int32(n))
	gl.Uniform4f(loc(prog, "uColour"), 0.3, 1.0, 0.5, 1.0)
	gl.DrawArrays(gl.LINE_STRIP, 0, int32(n))
}

func (c *Curve) release() {
	if c.vbo != 0 {
		gl.DeleteBuffers(1, &c.vbo)
		c.vbo = 0
	}
	if c.vao != 0 {
		gl.DeleteVertexArrays(1, &c.vao)
		c.vao = 0
	}
}
