package viz

import (
	"fmt"
	"math"

	"github.com/go-gl/gl/v4.3-core/gl"
	"github.com/go-gl/mathgl/mgl32"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// Binding points of the renderer's own buffers, after the simulation's.
var (
	bindGlow   = gpu.FirstFreeBinding
	bindPoints = gpu.FirstFreeBinding + 1
)

// maxPoints bounds the 3-D panel's point list (16 bytes a point).
const maxPoints = 1 << 22

// layerGap is the distance between the stacked planes, in grid widths.
const layerGap = 0.42

// subGap is the height the hidden plane's sub-layers span with K > 1
// cells a pixel (one a cell, centred on the hidden plane): half the gap
// to the next plane, so they read as one layer.
const subGap = 0.5 * layerGap

// Camera orbits the centre of the 3-D panel.
type Camera struct {
	Yaw, Pitch float32 // radians
	// Distance is the eye's distance in units of the fitted one: at 1
	// the three planes fill the panel (see fitDistance), below 1 the
	// view is nearer.
	Distance float32
	Auto     bool // slow rotation until the user touches the view
}

// DefaultCamera is the view the panel starts in and C returns to: the
// stack framed to fill the panel, whatever its size and shape.
func DefaultCamera() Camera {
	return Camera{Yaw: 0.6, Pitch: 0.45, Distance: 1, Auto: true}
}

// Zoom limits of the 3-D view, in units of the fitted distance.
const (
	minDistance = 0.25
	maxDistance = 3
)

// Field of view of the 3-D panel: fovY vertically, widened in a panel
// narrower than fitAspect so that a portrait panel does not put the
// eye far away.
const (
	fovY      = 38 // degrees
	fitAspect = 1.1
)

// fill is the fraction of the panel's half-width or half-height that the
// stack reaches at the fitted distance, in the direction that limits it
// (the rest is the margin for the points' radius).
const fill = 0.9

// mvp is the projection and view of a panel of the given aspect (width
// over height).
func (c Camera) mvp(aspect float32) mgl32.Mat4 {
	return c.mvpAt(aspect, fitDistance(aspect, c.Pitch))
}

// mvpAt is mvp for the fitted distance fit.
func (c Camera) mvpAt(aspect, fit float32) mgl32.Mat4 {
	d := c.Distance * fit
	return c.projection(aspect, d).Mul4(c.view(d))
}

func (c Camera) projection(aspect, d float32) mgl32.Mat4 {
	fov := float64(mgl32.DegToRad(fovY))
	if aspect < fitAspect {
		fov = 2 * math.Atan(math.Tan(fov/2)*fitAspect/float64(aspect))
	}
	return mgl32.Perspective(float32(fov), aspect, min(0.05, d/10), d+4)
}

func (c Camera) view(d float32) mgl32.Mat4 {
	eye := mgl32.Vec3{
		d * float32(math.Cos(float64(c.Pitch))*math.Sin(float64(c.Yaw))),
		d * float32(math.Sin(float64(c.Pitch))),
		d * float32(math.Cos(float64(c.Pitch))*math.Cos(float64(c.Yaw))),
	}
	return mgl32.LookAtV(eye, mgl32.Vec3{}, mgl32.Vec3{0, 1, 0})
}

// fitYaws is how many yaws, evenly spaced, fitDistance tries.
const fitYaws = 48

// extent is how far towards the panel's edge the stack's corners reach
// at eye distance d, at the worst of fitYaws yaws: the largest |x| or
// |y| in normalised device coordinates (+Inf when a corner is behind the
// eye).
func (c Camera) extent(aspect, d float32) float32 {
	proj := c.projection(aspect, d)
	worst := float32(0)
	for k := range fitYaws {
		c.Yaw = float32(k) * 2 * math.Pi / fitYaws
		m := proj.Mul4(c.view(d))
		for layer := -1; layer <= 1; layer++ {
			for _, xz := range [4][2]float32{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}} {
				q := m.Mul4x1(mgl32.Vec4{xz[0], float32(layer) * layerGap, xz[1], 1})
				if q[3] <= 0 {
					return float32(math.Inf(1))
				}
				x, y := q[0]/q[3], q[1]/q[3]
				worst = max(worst, x, -x, y, -y)
			}
		}
	}
	return worst
}

// fitDistance is the eye distance at which the three planes, turned to
// any yaw (the slow rotation, or the user's orbit), reach fill of the
// panel in the direction that limits them, so that they fill most of
// any panel, wide or tall, without the zoom pumping as they turn. It is
// found by bisection (see scatter.fit for the one the panel keeps).
func fitDistance(aspect, pitch float32) float32 {
	c := Camera{Pitch: pitch}
	lo, hi := float32(0.75), float32(40) // nearer than lo, the eye is inside the stack
	for range 30 {
		mid := (lo + hi) / 2
		if c.extent(aspect, mid) > fill {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// fitted is a fitDistance answer and what it was asked.
type fitted struct{ aspect, pitch, d float32 }

// mvp is cam.mvp(aspect) with the fitted distance kept from the last
// frame: the aspect and pitch change only on a resize, a layout change
// or an orbit.
func (s *scatter) mvp(cam Camera, aspect float32) mgl32.Mat4 {
	if s.fit.aspect != aspect || s.fit.pitch != cam.Pitch || s.fit.d == 0 {
		s.fit = fitted{aspect, cam.Pitch, fitDistance(aspect, cam.Pitch)}
	}
	return cam.mvpAt(aspect, s.fit.d)
}

// scatter is the 3-D spike panel: a compute pass that fades afterglow and
// lists the visible points, and an indirect draw of that list.
type scatter struct {
	n        int
	k        int // hidden cells a pixel
	glowProg uint32
	drawProg uint32
	lineProg uint32
	glow     uint32 // a vec4 a cell: input, hidden and output glow
	points   uint32 // DrawArraysIndirectCommand (count written by glow.comp), then the points
	capacity int
	vao      uint32
	planes   uint32 // vertex buffer of the plane outlines
	nPlane   int32
	nSub     int32  // vertices of the hidden sub-layers' outlines, after the planes'
	pickVAO  uint32 // the inspector's mark, made on first use
	pickVBO  uint32
	fit      fitted // the camera's fitted distance for the last frame's panel
}

func newScatter(n, k int, defs gpu.Defines, lineProg uint32) (*scatter, error) {
	s := &scatter{n: n, k: k, lineProg: lineProg}
	var err error
	if s.glowProg, err = gpu.ComputeProgram("glow.comp", defs); err != nil {
		return nil, err
	}
	if s.drawProg, err = gpu.NewGraphicsProgram("points.vert", "points.frag", defs, ""); err != nil {
		s.release()
		return nil, err
	}
	cells := n * n
	// Input, output and each hidden cell: k + 2 glows and points a pixel.
	s.capacity = min((k+2)*cells, maxPoints)
	gl.CreateBuffers(1, &s.glow)
	gl.NamedBufferData(s.glow, 4*cells*(k+2), nil, gl.DYNAMIC_COPY)
	gl.ClearNamedBufferData(s.glow, gl.R32F, gl.RED, gl.FLOAT, nil)
	gl.CreateBuffers(1, &s.points)
	gl.NamedBufferData(s.points, 16+s.capacity*16, nil, gl.DYNAMIC_COPY)
	gl.NamedBufferSubData(s.points, 0, 16, gl.Ptr([]uint32{0, 1, 0, 0}))
	if e := gl.GetError(); e != gl.NO_ERROR {
		s.release()
		return nil, fmt.Errorf("viz: allocate 3-D panel buffers (%d points): GL error 0x%x", s.capacity, e)
	}

	// Plane outlines, then with k > 1 the hidden sub-layers' (points.vert
	// places them).
	var v []float32
	square := func(y float32) {
		c := [][2]float32{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}}
		for j := 0; j < 4; j++ {
			a, b := c[j], c[(j+1)%4]
			v = append(v, a[0], y, a[1], b[0], y, b[1])
		}
	}
	for layer := 0; layer < 3; layer++ {
		square(float32(layer-1) * layerGap)
	}
	s.nPlane = int32(len(v) / 3)
	for c := 0; k > 1 && c < k; c++ {
		square(subGap * ((float32(c)+0.5)/float32(k) - 0.5))
	}
	s.nSub = int32(len(v)/3) - s.nPlane
	gl.CreateVertexArrays(1, &s.vao)
	gl.CreateBuffers(1, &s.planes)
	gl.NamedBufferData(s.planes, len(v)*4, gl.Ptr(v), gl.STATIC_DRAW)
	gl.VertexArrayVertexBuffer(s.vao, 0, s.planes, 0, 12)
	gl.EnableVertexArrayAttrib(s.vao, 0)
	gl.VertexArrayAttribFormat(s.vao, 0, 3, gl.FLOAT, false, 0)
	gl.VertexArrayAttribBinding(s.vao, 0, 0)
	return s, nil
}

// update fades the glow and rebuilds the point list from the last step's
// buffers. decay is the per-frame afterglow factor (0: spikes of the last
// step only).
func (s *scatter) update(decay float32, frame []cpuref.Rect) {
	gl.NamedBufferSubData(s.points, 0, 4, gl.Ptr([]uint32{0}))
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindGlow), s.glow)
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindPoints), s.points)
	gl.UseProgram(s.glowProg)
	setInt(s.glowProg, "uN", int32(s.n))
	setFloat(s.glowProg, "uDecay", decay)
	setInt(s.glowProg, "uCells", int32(s.k))
	if len(frame) > 0 {
		// cpuref.Rect is four int32s, the layout of an ivec4.
		gl.ProgramUniform4iv(s.glowProg, loc(s.glowProg, "uNow"), int32(len(frame)), &frame[0].R0)
	}
	gl.ProgramUniform1i(s.glowProg, loc(s.glowProg, "uNumNow"), int32(len(frame)))
	gl.ProgramUniform1ui(s.glowProg, loc(s.glowProg, "uCapacity"), uint32(s.capacity))
	gx, gy := gpu.Groups(s.n)
	gl.DispatchCompute(gx, gy, 1)
	// The draw reads the list as vertex-shader storage and the count as an
	// indirect command.
	gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT | gl.COMMAND_BARRIER_BIT)
}

// draw renders the planes and the points into the current viewport.
func (s *scatter) draw(cam Camera, aspect float32, viewportH int) {
	mvp := s.mvp(cam, aspect)

	gl.Enable(gl.BLEND)
	gl.BlendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA)
	gl.UseProgram(s.lineProg)
	gl.UniformMatrix4fv(loc(s.lineProg, "uMVP"), 1, false, &mvp[0])
	colours := [3][4]float32{{1, 0.35, 0.3, 0.35}, {0.4, 0.6, 1, 0.35}, {0.35, 1, 0.5, 0.35}}
	gl.BindVertexArray(s.vao)
	for layer := 0; layer < 3; layer++ {
		if layer == 1 && s.nSub > 0 {
			continue // the hidden cells' sub-layers stand for it
		}
		c := colours[layer]
		gl.Uniform4f(loc(s.lineProg, "uColour"), c[0], c[1], c[2], c[3])
		gl.DrawArrays(gl.LINES, int32(layer*8), 8)
	}
	for c := int32(0); c < s.nSub/8; c++ {
		// Sub-layer c in its cell's colour (points.vert's ramp).
		f := float32(c) / float32(s.k-1)
		gl.Uniform4f(loc(s.lineProg, "uColour"), 0.4+f*(0.85-0.4), 0.6+f*(0.35-0.6), 1, 0.3)
		gl.DrawArrays(gl.LINES, s.nPlane+8*c, 8)
	}

	gl.BlendFunc(gl.ONE, gl.ONE) // additive glow
	gl.Enable(gl.PROGRAM_POINT_SIZE)
	gl.UseProgram(s.drawProg)
	gl.UniformMatrix4fv(loc(s.drawProg, "uMVP"), 1, false, &mvp[0])
	gl.Uniform1i(loc(s.drawProg, "uN"), int32(s.n))
	gl.Uniform1ui(loc(s.drawProg, "uCapacity"), uint32(s.capacity))
	gl.Uniform1f(loc(s.drawProg, "uLayerGap"), layerGap)
	gl.Uniform1i(loc(s.drawProg, "uCells"), int32(s.k))
	gl.Uniform1f(loc(s.drawProg, "uSubGap"), subGap)
	// A cell's size on screen, with a floor so sparse spikes stay
	// visible: the projection's scale at the eye's distance.
	size := float32(viewportH) * 7 / (float32(s.n) * cam.Distance * s.fit.d)
	gl.Uniform1f(loc(s.drawProg, "uPointSize"), max(size, 9))
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindPoints), s.points)
	gl.BindBuffer(gl.DRAW_INDIRECT_BUFFER, s.points)
	gl.DrawArraysIndirect(gl.POINTS, nil)
	gl.BindBuffer(gl.DRAW_INDIRECT_BUFFER, 0)
	gl.Disable(gl.PROGRAM_POINT_SIZE)
	gl.BlendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA)
}

// count reads the number of points listed by the last update (for tests
// and stats; it waits for the GPU).
func (s *scatter) count() uint32 {
	var c uint32
	gl.GetNamedBufferSubData(s.points, 0, 4, gl.Ptr(&c))
	return c
}

func (s *scatter) release() {
	for _, p := range []*uint32{&s.glowProg, &s.drawProg} {
		if *p != 0 {
			gl.DeleteProgram(*p)
			*p = 0
		}
	}
	for _, b := range []*uint32{&s.glow, &s.points, &s.planes, &s.pickVBO} {
		if *b != 0 {
			gl.DeleteBuffers(1, b)
			*b = 0
		}
	}
	for _, a := range []*uint32{&s.vao, &s.pickVAO} {
		if *a != 0 {
			gl.DeleteVertexArrays(1, a)
			*a = 0
		}
	}
}

func loc(prog uint32, name string) int32 {
	return gl.GetUniformLocation(prog, gl.Str(name+"\x00"))
}

func setInt(prog uint32, name string, v int32)     { gl.ProgramUniform1i(prog, loc(prog, name), v) }
func setFloat(prog uint32, name string, v float32) { gl.ProgramUniform1f(prog, loc(prog, name), v) }

// drawPick marks the inspector's cell in the 3-D panel: a square around
// it on each plane and a line through the stack.
func (s *scatter) drawPick(cam Camera, aspect float32, row, col int) {
	if s.pickVAO == 0 {
		gl.CreateVertexArrays(1, &s.pickVAO)
		gl.CreateBuffers(1, &s.pickVBO)
		gl.NamedBufferData(s.pickVBO, 26*12, nil, gl.DYNAMIC_DRAW)
		gl.VertexArrayVertexBuffer(s.pickVAO, 0, s.pickVBO, 0, 12)
		gl.EnableVertexArrayAttrib(s.pickVAO, 0)
		gl.VertexArrayAttribFormat(s.pickVAO, 0, 3, gl.FLOAT, false, 0)
		gl.VertexArrayAttribBinding(s.pickVAO, 0, 0)
	}
	n := float32(s.n)
	// The cell's square in plane coordinates, a little larger than the
	// cell so that it shows at any n.
	half := max(0.5/n, 0.012)
	cx, cz := (float32(col)+0.5)/n-0.5, (float32(row)+0.5)/n-0.5
	var v []float32
	for layer := 0; layer < 3; layer++ {
		y := float32(layer-1) * layerGap
		c := [][2]float32{{cx - half, cz - half}, {cx + half, cz - half}, {cx + half, cz + half}, {cx - half, cz + half}}
		for k := 0; k < 4; k++ {
			a, b := c[k], c[(k+1)%4]
			v = append(v, a[0], y, a[1], b[0], y, b[1])
		}
	}
	v = append(v, cx, -layerGap, cz, cx, layerGap, cz)
	gl.NamedBufferSubData(s.pickVBO, 0, len(v)*4, gl.Ptr(v))
	mvp := s.mvp(cam, aspect)
	gl.Enable(gl.BLEND)
	gl.BlendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA)
	gl.UseProgram(s.lineProg)
	gl.UniformMatrix4fv(loc(s.lineProg, "uMVP"), 1, false, &mvp[0])
	gl.Uniform4f(loc(s.lineProg, "uColour"), 1, 0.85, 0.2, 0.9)
	gl.BindVertexArray(s.pickVAO)
	gl.DrawArrays(gl.LINES, 0, int32(len(v)/3))
}
