package session

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/viz"
)

// benchRow is one line of the benchmark table.
type benchRow struct {
	N             int     `json:"n"`
	Backend       string  `json:"backend"`
	StepsPerS     float64 `json:"steps_per_s"`
	FPS           float64 `json:"fps,omitempty"`      // one step and a full frame drawn offscreen
	FPSNo3D       float64 `json:"fps_no3d,omitempty"` // the same without the 3-D panel
	NsPerCellStep float64 `json:"ns_per_cell_step"`
	BytesPerStep  int64   `json:"bytes_per_step"`
	GBPerS        float64 `json:"gb_per_s"`
	CopyShare     float64 `json:"copy_share,omitempty"` // GBPerS over the measured copy bandwidth
	GPUBytes      int64   `json:"gpu_bytes"`
	Note          string  `json:"note,omitempty"`
	// PassMicros is the wall time of each dispatch of a step, drained one
	// by one (so their sum exceeds a free-running step).
	PassMicros map[string]float64 `json:"pass_us,omitempty"`
}

// stepBytes counts the bytes one step moves if every pass touches each
// buffer it uses once, in full: the floor of a step that skips nothing.
// (The passes skip sums they can prove zero, so they may move less; the
// GB/s derived from this count is an effective figure.) Binary buffers
// are bit sets on the GPU (docs/MODEL.md, §7): an eighth of a byte a cell.
func stepBytes(p cpuref.Params) int64 {
	c := int64(p.N) * int64(p.N)
	win := int64(cpuref.Slots(cpuref.PatchR)) * 4
	rec := int64(cpuref.Slots(p.RRec)) * 4
	out := int64(p.OutWidth()) * 4
	perCell := int64(0)
	perCell += 8 + 8 + 8 + win + rec // integrate (with homeostasis): p, v, θ r/w, W_in, W_rec
	perCell += out                   // output: W_out
	perCell += 8 + 4 + 2*win         // learnInput: q r/w, p, W_in r/w
	// Bit sets: s(t−1) read; s(t) written, read twice; x, y, ŷ written.
	return c*perCell + 7*c/8
}

// runBench measures the gpu backend at each size of -bench_n and prints a
// table, then a JSON line with the rows. With -load the one size is the
// checkpoint's and its network starts from the checkpoint; -save and
// -metrics observe the simulation-only measurement of the last size (a
// metrics row reads the state back, which the steps/s then include).
func runBench(c *Config, sigs <-chan os.Signal, stdout, stderr io.Writer) int {
	if c.Backend == "auto" { // the benchmark measures the gpu backend
		c.Backend = "gpu"
		defer func() { c.Backend = "auto" }()
	}
	if c.Batch > 1 {
		return runBenchBatch(c, sigs, stdout, stderr)
	}
	ctx, err := backend.NewHeadlessContext(c.GL, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer ctx.Release()

	var copyGBs float64
	ctx.Do(func() error { copyGBs = copyBandwidth(); return nil })
	fmt.Fprintf(stdout, "spikecast benchmark: %s, %s; copy bandwidth %.1f GB/s; %.0f s per measurement\n",
		ctx.Renderer, ctx.Version, copyGBs, c.BenchSeconds)
	const rowFmt = "%6v %8v %10v %9v %9v %13v %9v %7v %7v %9v %7v\n"
	fmt.Fprintf(stdout, rowFmt, "n", "backend", "steps/s", "frames/s", "no 3-D", "ns/cell-step", "MB/step", "GB/s", "% copy", "GPU MB", "B/cell")
	var rows []benchRow
	code := ExitOK
	for i, n := range c.BenchSizes {
		if sig := poll(sigs); sig != nil {
			code = exitFor(sig)
			break // print what was measured
		}
		one := *c
		one.Params.N = n
		row := benchRow{N: n, Backend: "gpu", BytesPerStep: stepBytes(one.Params), GPUBytes: gpu.BytesFor(one.Params)}
		if err := benchGPU(ctx, &one, &row, i == len(c.BenchSizes)-1, stderr); err != nil {
			row.Note = err.Error()
			fmt.Fprintf(stderr, "spikecast: n=%d: %v\n", n, err)
			code = ExitFailure
		}
		if row.StepsPerS > 0 {
			row.GBPerS = float64(row.BytesPerStep) * row.StepsPerS / 1e9
			if copyGBs > 0 {
				row.CopyShare = row.GBPerS / copyGBs
			}
		}
		rows = append(rows, row)
		cells := float64(n) * float64(n)
		f := func(format string, v float64) string { return fmt.Sprintf(format, v) }
		fmt.Fprintf(stdout, rowFmt, n, row.Backend, f("%.1f", row.StepsPerS), f("%.1f", row.FPS), f("%.1f", row.FPSNo3D),
			f("%.2f", row.NsPerCellStep), f("%.2f", float64(row.BytesPerStep)/1e6), f("%.2f", row.GBPerS),
			f("%.1f", 100*row.CopyShare), f("%.0f", float64(row.GPUBytes)/1e6), f("%.0f", float64(row.GPUBytes)/cells))
		if len(row.PassMicros) > 0 {
			names := make([]string, 0, len(row.PassMicros))
			for k := range row.PassMicros {
				names = append(names, k)
			}
			sort.Strings(names)
			fmt.Fprintf(stdout, "%6s  per pass (µs, drained):", "")
			for _, k := range names {
				fmt.Fprintf(stdout, " %s %.0f", k, row.PassMicros[k])
			}
			fmt.Fprintln(stdout)
		}
	}
	line, _ := json.Marshal(map[string]any{"renderer": ctx.Renderer, "copy_gb_per_s": copyGBs, "rows": rows})
	fmt.Fprintln(stdout, string(line))
	return code
}

// benchGPU fills row with simulation-only steps/s and frame rates for
// c's network; observe attaches -save and -metrics to the steps/s run.
func benchGPU(ctx *gpu.Context, c *Config, row *benchRow, observe bool, stderr io.Writer) error {
	p := c.Params
	if c.Resume != nil && c.Resume.N != p.N {
		c.Resume = nil
	}
	b, err := c.newBackend(backend.Config{Context: ctx})
	if err != nil {
		return err
	}
	defer b.Release()
	budget := time.Duration(c.BenchSeconds * float64(time.Second))

	// Warm up (shader compilation in the driver, first touches of
	// memory). Measures waits for the steps queued: a drain.
	if err := b.Step(3); err != nil {
		return err
	}
	if _, err := b.Measures(); err != nil {
		return err
	}
	var stepper interface{ Step(int) error } = b
	var obs *observer
	if observe && (c.Save != "" || c.Metrics != "") {
		c.Quiet = true // the table is the progress
		if obs, err = newObserver(c, b, stderr, false); err != nil {
			return err
		}
		defer obs.abort()
		stepper = &observed{b, obs}
	}
	steps, elapsed, err := timeSteps(stepper.Step, func() error { _, err := b.Measures(); return err }, budget)
	if err != nil {
		return err
	}
	row.StepsPerS = float64(steps) / elapsed.Seconds()
	row.NsPerCellStep = elapsed.Seconds() * 1e9 / float64(steps) / (float64(p.N) * float64(p.N))
	if obs != nil {
		if err := obs.finish(); err != nil {
			return err
		}
	}

	// Where a step's time goes, pass by pass.
	if prof, ok := b.(interface {
		Profile(int) (map[string]time.Duration, error)
	}); ok {
		times, err := prof.Profile(max(3, min(200, steps/4)))
		if err != nil {
			return err
		}
		row.PassMicros = map[string]float64{}
		for name, d := range times {
			row.PassMicros[name] = float64(d.Nanoseconds()) / 1e3
		}
	}

	// Frames: one step and a whole frame drawn into an offscreen target of
	// -width×-height, as the window would with vsync off.
	_, err = draw(ctx, b, c, func(v *viz.Viz, d backend.Display) (viz.Result, error) {
		var target *viz.Target
		if err := ctx.Do(func() (err error) { target, err = viz.NewTarget(c.Width, c.Height); return err }); err != nil {
			return viz.Result{}, err
		}
		defer ctx.Do(func() error { target.Release(); return nil })
		for _, hide := range []bool{false, true} {
			v.Hide3D = hide
			frames, elapsed := 0, time.Duration(0)
			for elapsed < budget/2 || frames < 3 {
				t0 := time.Now()
				if err := b.Step(1); err != nil {
					return viz.Result{}, err
				}
				err := ctx.Do(func() error {
					if err := d.Sync(); err != nil {
						return err
					}
					if !hide {
						v.Update()
					}
					target.Bind()
					if err := v.Draw(c.Width, c.Height, 1, viz.Stats{N: p.N, Backend: "gpu", Learn: true, StepsPerFrame: 1}); err != nil {
						return err
					}
					gl.Finish()
					gl.BindFramebuffer(gl.FRAMEBUFFER, 0)
					return nil
				})
				if err != nil {
					return viz.Result{}, err
				}
				elapsed += time.Since(t0)
				frames++
			}
			fps := float64(frames) / elapsed.Seconds()
			if hide {
				row.FPSNo3D = fps
			} else {
				row.FPS = fps
			}
		}
		return viz.Result{}, nil
	})
	return err
}

// timeSteps runs step in doubling counts, each followed by wait (which
// must wait for the steps queued), until budget has passed, and returns
// the steps taken and the time they took.
func timeSteps(step func(int) error, wait func() error, budget time.Duration) (steps int, elapsed time.Duration, err error) {
	for k := 1; elapsed < budget; k *= 2 {
		t0 := time.Now()
		if err := step(k); err != nil {
			return 0, 0, err
		}
		if err := wait(); err != nil {
			return 0, 0, err
		}
		elapsed += time.Since(t0)
		steps += k
	}
	return steps, elapsed, nil
}

// copyBandwidth measures a large buffer-to-buffer copy on the device, in
// GB/s of bytes read plus bytes written.
func copyBandwidth() float64 {
	const size = 256 << 20
	var b [2]uint32
	gl.CreateBuffers(2, &b[0])
	defer gl.DeleteBuffers(2, &b[0])
	gl.NamedBufferData(b[0], size, nil, gl.DYNAMIC_COPY)
	gl.NamedBufferData(b[1], size, nil, gl.DYNAMIC_COPY)
	gl.ClearNamedBufferData(b[0], gl.R32UI, gl.RED_INTEGER, gl.UNSIGNED_INT, nil)
	gl.CopyNamedBufferSubData(b[0], b[1], 0, 0, size) // warm up
	gl.Finish()
	const reps = 8
	t0 := time.Now()
	for i := 0; i < reps; i++ {
		gl.CopyNamedBufferSubData(b[i%2], b[1-i%2], 0, 0, size)
	}
	gl.Finish()
	return 2 * size * reps / time.Since(t0).Seconds() / 1e9
}
