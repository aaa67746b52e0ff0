package session

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// benchBatchRow is one line of the batch benchmark's table.
type benchBatchRow struct {
	N        int     `json:"n"`
	Networks int     `json:"networks"`
	Batch    float64 `json:"network_steps_per_s"`         // one gpu.Batch
	InTurn   float64 `json:"in_turn_network_steps_per_s"` // the same networks as lone simulations, in turn
	GPUBytes int64   `json:"gpu_bytes"`
	Note     string  `json:"note,omitempty"`
}

// runBenchBatch measures -batch B networks (seeds seed … seed+B−1) as one
// GPU batch at each size of -bench_n, one dispatch a pass for all, against
// the same B networks as B simulations on the same context, each stepped
// as many steps in turn: the baseline in the same run. It prints a table
// of network-steps per second, then a JSON line with the rows.
func runBenchBatch(c *Config, sigs <-chan os.Signal, stdout, stderr io.Writer) int {
	ctx, err := backend.NewHeadlessContext(c.GL, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer ctx.Release()
	fmt.Fprintf(stdout, "spikecast batch benchmark: %s, %s; %d networks; %.0f s per measurement\n",
		ctx.Renderer, ctx.Version, c.Batch, c.BenchSeconds)
	const rowFmt = "%6v %6v %18v %18v %7v %9v\n"
	fmt.Fprintf(stdout, rowFmt, "n", "B", "batch net-steps/s", "in turn", "ratio", "GPU MB")
	budget := time.Duration(c.BenchSeconds * float64(time.Second))
	var rows []benchBatchRow
	code := ExitOK
	for _, n := range c.BenchSizes {
		if sig := poll(sigs); sig != nil {
			code = exitFor(sig)
			break // print what was measured
		}
		ps := make([]cpuref.Params, c.Batch)
		for z := range ps {
			ps[z] = c.Params
			ps[z].N, ps[z].Seed = n, c.Params.Seed+uint32(z)
		}
		row := benchBatchRow{N: n, Networks: c.Batch, GPUBytes: int64(c.Batch) * gpu.BytesFor(ps[0])}
		if err := benchBatch(ctx, ps, &row, budget); err != nil {
			row.Note = err.Error()
			fmt.Fprintf(stderr, "spikecast: n=%d: %v\n", n, err)
			code = ExitFailure
		}
		rows = append(rows, row)
		ratio := 0.0
		if row.InTurn > 0 {
			ratio = row.Batch / row.InTurn
		}
		fmt.Fprintf(stdout, rowFmt, n, c.Batch, fmt.Sprintf("%.1f", row.Batch), fmt.Sprintf("%.1f", row.InTurn),
			fmt.Sprintf("%.2f", ratio), fmt.Sprintf("%.0f", float64(row.GPUBytes)/1e6))
	}
	line, _ := json.Marshal(map[string]any{"renderer": ctx.Renderer, "batch": c.Batch, "rows": rows})
	fmt.Fprintln(stdout, string(line))
	return code
}

// benchBatch fills row's two rates for the networks ps.
func benchBatch(ctx *gpu.Context, ps []cpuref.Params, row *benchBatchRow, budget time.Duration) error {
	if c, limit := backend.BatchCapacity(ctx, ps[0]); c < len(ps) {
		return fmt.Errorf("this GL holds %d such networks in one batch (%s), fewer than %d", c, limit, len(ps))
	}
	var err error
	if row.Batch, err = benchOneBatch(ctx, ps, budget); err != nil {
		return err
	}

	var lone []backend.Backend
	defer func() {
		for _, l := range lone {
			l.Release()
		}
	}()
	for _, p := range ps {
		l, err := backend.New(backend.Config{Name: "gpu", Params: p, Context: ctx})
		if err != nil {
			return err
		}
		lone = append(lone, l)
		if err := l.Step(3); err != nil {
			return err
		}
	}
	inTurn := func(k int) error {
		for _, l := range lone {
			if err := l.Step(k); err != nil {
				return err
			}
		}
		return nil
	}
	last := func() error { _, err := lone[len(lone)-1].Measures(); return err }
	if err := last(); err != nil {
		return err
	}
	steps, elapsed, err := timeSteps(inTurn, last, budget)
	if err != nil {
		return err
	}
	row.InTurn = float64(len(ps)*steps) / elapsed.Seconds()
	return nil
}

// benchOneBatch returns the network-steps per second of ps as one batch.
// The batch is released before the lone networks are made, so the two
// never hold the GPU's memory at once.
func benchOneBatch(ctx *gpu.Context, ps []cpuref.Params, budget time.Duration) (float64, error) {
	b, err := backend.NewGPUBatch(ctx, ps, nil)
	if err != nil {
		return 0, err
	}
	defer b.Release()
	wait := func() error { _, err := b.Net(0).Measures(); return err }
	// Warm up: the driver's compilation, first touches of memory.
	if err := b.Step(3); err != nil {
		return 0, err
	}
	if err := wait(); err != nil {
		return 0, err
	}
	steps, elapsed, err := timeSteps(b.Step, wait, budget)
	if err != nil {
		return 0, err
	}
	return float64(len(ps)*steps) / elapsed.Seconds(), nil
}
