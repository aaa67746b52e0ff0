package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/viz"
)

// picture is what draws a network as the window would: the offscreen
// renderer of a headless recording (a backend.Display, a viz.Viz and a
// viz.Target on a GL context). It is made on the first picture and kept
// while the size, layout and views stay the same.
type picture struct {
	w, h   int
	layout string
	views  string
	d      backend.Display
	v      *viz.Viz
	target *viz.Target
	drawn  int64 // the step the last picture showed; -1: none
	// When the last picture was drawn: the header's steps and pictures
	// per second are those since then, as a program's loop sees them.
	at   time.Time
	fps  float64
	rate float64
}

// release frees the picture's GL objects on ctx's thread.
func (pc *picture) release(ctx *gpu.Context) {
	if ctx == nil {
		return
	}
	ctx.Do(func() error {
		if pc.target != nil {
			pc.target.Release()
		}
		if pc.v != nil {
			pc.v.Release()
		}
		if pc.d != nil {
			pc.d.Release()
		}
		return nil
	})
}

// picture draws the network's last step into a w×h RGB image (rows top
// first) in layout with the 2-D panels showing views (comma-separated
// view names; "" keeps the defaults). A CPU backend draws on a headless
// context made on first use.
func (nt *network) picture(w, h int, layout, views string) ([]byte, error) {
	if w < 16 || h < 16 || w > 8192 || h > 8192 {
		return nil, inputf("invalid picture size %d×%d: want each side in [16, 8192]", w, h)
	}
	if layout == "" {
		layout = "four"
	}
	if !slices.Contains(viz.Layouts, layout) {
		return nil, inputf("invalid -layout %q: want one of %s", layout, strings.Join(viz.Layouts, ", "))
	}
	var vs []viz.View
	if views != "" {
		var err error
		if vs, err = viz.ParseViews(views); err != nil {
			return nil, inputf("invalid -panels %q: %v", views, err)
		}
		p := nt.b.Params()
		for _, v := range vs {
			if !viz.Available(v, p) {
				return nil, inputf("invalid -panels %q: view %s is not available for this network", views, v)
			}
		}
	}
	pc := nt.pic
	if pc != nil && (pc.w != w || pc.h != h || pc.layout != layout || pc.views != views) {
		pc.release(nt.ctx)
		nt.pic, pc = nil, nil
	}
	if nt.ctx == nil {
		ctx, err := backend.NewHeadlessContext(nt.gl, nil)
		if err != nil {
			return nil, err
		}
		nt.ctx = ctx
	}
	ctx := nt.ctx
	if pc == nil {
		pc = &picture{w: w, h: h, layout: layout, views: views, drawn: -1}
		d, err := nt.b.Display(ctx)
		if err != nil {
			return nil, err
		}
		pc.d = d
		err = ctx.Do(func() (err error) {
			if pc.v, err = viz.New(d.Sim(), viz.Options{Layout: layout, Views: vs}); err != nil {
				return err
			}
			pc.target, err = viz.NewTarget(w, h)
			return err
		})
		if err != nil {
			pc.release(ctx)
			return nil, err
		}
		if u, ok := d.(backend.Uploader); ok {
			u.UploadAlso(pc.v.Needs())
		}
		nt.pic = pc
	}
	m, err := nt.b.Measures()
	if err != nil {
		return nil, err
	}
	p := nt.b.Params()
	t := nt.b.T()
	steps := t - max(pc.drawn, 0) // since the last picture
	if now := time.Now(); !pc.at.IsZero() {
		dt := now.Sub(pc.at).Seconds()
		pc.fps, pc.rate = 1/dt, float64(steps)/dt
	}
	pc.at = time.Now()
	st := viz.Stats{Step: t, F1: m.F1, Precision: m.Precision, Recall: m.Recall, HiddenRate: m.HiddenRate,
		N: p.N, Backend: nt.b.Name(), Renderer: ctx.Renderer, Learn: true, StepsPerFrame: int(max(steps, 1)),
		StepsPerS: pc.rate, FPS: pc.fps}
	rgb := make([]byte, 3*w*h)
	err = ctx.Do(func() error {
		if t != pc.drawn {
			if err := pc.d.Sync(); err != nil {
				return err
			}
			pc.v.Update()
			pc.v.Curve.Add(t, m.F1, m.HiddenRate)
			pc.drawn = t
		}
		pc.target.Bind()
		if err := pc.v.Draw(w, h, 1, st); err != nil {
			return err
		}
		img := viz.ReadPixels(w, h)
		for i := range w * h {
			copy(rgb[3*i:3*i+3], img.Pix[4*i:4*i+3])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("picture: %w", err)
	}
	return rgb, nil
}
