package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/checkpoint"
)

// TestRecordWithSaveLoadMetrics: a headless recording resumed from a
// checkpoint, with -save and -metrics, writes the same checkpoint and
// the same metrics rows, byte for byte, as the same run without
// -record, on either backend; and records ⌊steps/steps_per_frame⌋
// frames.
func TestRecordWithSaveLoadMetrics(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	runOK(t, "-headless", "-quiet", "-backend", "cpu", "-n", "16", "-seed", "4", "-steps", "150", "-save", f("a.ckpt"))
	for _, backend := range []string{"gpu", "cpu"} {
		t.Run(backend, func(t *testing.T) {
			g := func(name string) string { return f(backend + "-" + name) }
			s := runOK(t, "-headless", "-quiet", "-backend", backend, "-record", g("frames")+"/", "-width", "320", "-height", "240",
				"-steps", "90", "-steps_per_frame", "4", "-load", f("a.ckpt"), "-metrics", g("rec.csv"), "-metrics_every", "7", "-save", g("rec.ckpt"))
			if s.Frames != 90/4 || s.Steps != 90 {
				t.Errorf("summary: %d frames, %d steps; want %d frames, 90 steps", s.Frames, s.Steps, 90/4)
			}
			runOK(t, "-headless", "-quiet", "-backend", backend, "-steps", "90", "-load", f("a.ckpt"),
				"-metrics", g("plain.csv"), "-metrics_every", "7", "-save", g("plain.ckpt"))
			if !bytes.Equal(readFile(t, g("rec.ckpt")), readFile(t, g("plain.ckpt"))) {
				_, a, _ := checkpoint.Read(g("rec.ckpt"))
				_, b, _ := checkpoint.Read(g("plain.ckpt"))
				t.Errorf("the recorded run's checkpoint differs from the plain run's: %v", firstDiff(a, b))
			}
			if a, b := readFile(t, g("rec.csv")), readFile(t, g("plain.csv")); !bytes.Equal(a, b) || len(a) == 0 {
				t.Errorf("metrics differ:\n%s\n---\n%s", head(a), head(b))
			}
			frames, _ := filepath.Glob(filepath.Join(g("frames"), "frame_*.png"))
			if len(frames) != 90/4 {
				t.Errorf("%d frames recorded, want %d", len(frames), 90/4)
			}
			// The first frame is 4 steps after the checkpoint's step 150.
			if first := readFile(t, frames[0]); !bytes.Contains(first, []byte("tEXtspikecast:step\x00154")) {
				t.Error("first frame is not at step 154")
			}
		})
	}
	if b, c := readFile(t, f("gpu-rec.ckpt")), readFile(t, f("cpu-rec.ckpt")); !bytes.Equal(b, c) {
		t.Error("the backends' recorded runs end in different checkpoints")
	}
}

// TestRecordProgressLine: a headless recording shows the progress line
// of any headless run, and none with -quiet.
func TestRecordProgressLine(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-headless", "-backend", "cpu", "-workers", "1", "-n", "48", "-steps", "1500", "-steps_per_frame", "5",
		"-width", "320", "-height", "240", "-record", filepath.Join(dir, "a") + "/"}
	code, _, stderr := runCmd(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stderr, "step ") || !strings.Contains(stderr, "steps/s  F1 ") {
		t.Errorf("no progress line: %q", stderr)
	}
	args[len(args)-1] = filepath.Join(dir, "b") + "/"
	code, _, stderr = runCmd(t, append(args, "-quiet")...)
	if code != exitOK || stderr != "" {
		t.Errorf("-quiet: exit %d, stderr %q", code, stderr)
	}
}

// TestBenchWithSaveLoadMetrics: -bench -load benchmarks the checkpoint's
// network, and -save and -metrics observe the steps/s run: the
// checkpoint goes on from the loaded one, and the rows continue its
// step count.
func TestBenchWithSaveLoadMetrics(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	runOK(t, "-headless", "-quiet", "-n", "16", "-steps", "100", "-save", f("a.ckpt"))
	code, stdout, stderr := runCmd(t, "-bench", "-bench_seconds", "0.1", "-width", "320", "-height", "240",
		"-load", f("a.ckpt"), "-save", f("b.ckpt"), "-metrics", f("m.csv"), "-metrics_every", "5")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"n":16`) || strings.Contains(stdout, `"n":64`) {
		t.Errorf("the benchmark did not run the checkpoint's n=16 alone: %s", stdout)
	}
	_, st, err := checkpoint.Read(f("b.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if st.T <= 100 {
		t.Errorf("-save after -bench: step %d, want beyond the loaded 100", st.T)
	}
	lines := strings.Split(strings.TrimSpace(string(readFile(t, f("m.csv")))), "\n")
	if len(lines) < 2 {
		t.Fatalf("metrics: %q", lines)
	}
	for i, l := range lines[1:] {
		step, _ := strconv.Atoi(strings.Split(l, ",")[0])
		if want := 105 + 5*i; step != want {
			t.Fatalf("row %d at step %d, want %d", i, step, want)
		}
		if int64(step) > st.T {
			t.Errorf("row at step %d after the checkpoint's %d", step, st.T)
		}
	}
	code, _, stderr = runCmd(t, "-bench", "-bench_n", "32", "-load", f("a.ckpt"))
	if code != exitUsage || !strings.Contains(stderr, "invalid -bench_n 32 with -load: the benchmark runs the checkpoint's network, which has n=16") {
		t.Errorf("-bench_n 32 -load (n=16): exit %d, %q", code, stderr)
	}
}

// TestBenchBatch: -bench -batch B measures B networks as one GPU batch
// and as B lone simulations in turn at each -bench_n, and prints both
// rates, in the table and in the JSON line.
func TestBenchBatch(t *testing.T) {
	code, stdout, stderr := runCmd(t, "-bench", "-batch", "3", "-bench_n", "16,24", "-bench_seconds", "0.1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var out struct {
		Batch int `json:"batch"`
		Rows  []struct {
			N        int     `json:"n"`
			Networks int     `json:"networks"`
			Batch    float64 `json:"network_steps_per_s"`
			InTurn   float64 `json:"in_turn_network_steps_per_s"`
			Note     string  `json:"note"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil {
		t.Fatal(err)
	}
	if out.Batch != 3 || len(out.Rows) != 2 || len(lines) != 5 {
		t.Fatalf("got %s", stdout)
	}
	for i, r := range out.Rows {
		if r.N != []int{16, 24}[i] || r.Networks != 3 || r.Batch <= 0 || r.InTurn <= 0 || r.Note != "" {
			t.Errorf("row %+v", r)
		}
	}
}

// TestChangesInMetrics: live parameter changes (here replayed from
// -changes in a headless recording) appear in the -metrics row after
// them, "step flag value", so a run can be repeated from its metrics.
func TestChangesInMetrics(t *testing.T) {
	dir := t.TempDir()
	changes := filepath.Join(dir, "changes.txt")
	if err := os.WriteFile(changes, []byte("15 eta 0.02\n25 target_rate 0.05\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	metrics := filepath.Join(dir, "m.csv")
	runOK(t, "-headless", "-quiet", "-backend", "cpu", "-n", "16", "-steps", "40", "-steps_per_frame", "10",
		"-width", "320", "-height", "240", "-record", filepath.Join(dir, "frames")+"/",
		"-changes", changes, "-metrics", metrics, "-metrics_every", "10")
	b, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 || !strings.HasSuffix(lines[0], ",changes") {
		t.Fatalf("metrics:\n%s", b)
	}
	want := []string{"", "", "15 eta 0.02", "25 target_rate 0.05", ""}
	for i, l := range lines[1:] {
		cells := strings.Split(l, ",")
		if got := cells[len(cells)-1]; got != want[i+1] {
			t.Errorf("row %d (%s): changes %q, want %q", i+1, cells[0], got, want[i+1])
		}
	}
}

// TestHeadlessChanges: -changes works in a plain headless run, and ends
// in the same checkpoint, byte for byte, as the same run recorded (which
// applies them in the window's frame loop), a change falling inside a
// frame's steps too; with -sweep it is refused.
func TestHeadlessChanges(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	if err := os.WriteFile(f("changes.txt"), []byte("# tuned by hand\n15 eta 0.02\n25 target_rate 0.05\n25 -sigma_noise 0.03\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	common := []string{"-headless", "-quiet", "-backend", "cpu", "-n", "16", "-steps", "40", "-changes", f("changes.txt")}
	runOK(t, append(common, "-save", f("plain.ckpt"))...)
	runOK(t, append(common, "-save", f("recorded.ckpt"), "-steps_per_frame", "10",
		"-width", "320", "-height", "240", "-record", f("frames")+"/")...)
	runOK(t, "-headless", "-quiet", "-backend", "cpu", "-n", "16", "-steps", "40", "-save", f("unchanged.ckpt"))
	plain, recorded := readFile(t, f("plain.ckpt")), readFile(t, f("recorded.ckpt"))
	if !bytes.Equal(plain, recorded) {
		t.Error("the headless run with -changes ends in another checkpoint than the recorded one")
	}
	if bytes.Equal(plain, readFile(t, f("unchanged.ckpt"))) {
		t.Error("the changes changed nothing")
	}
	code, _, stderr := runCmd(t, "-headless", "-sweep", "seed=1,2", "-steps", "10", "-n", "8", "-changes", f("changes.txt"))
	if code != exitUsage || !strings.Contains(stderr, "-changes") {
		t.Errorf("-changes with -sweep: exit %d: %s", code, stderr)
	}
}
