package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// runOK runs the command and fails the test unless it exits 0.
func runOK(t *testing.T, args ...string) Summary {
	t.Helper()
	code, stdout, stderr := runCmd(t, args...)
	if code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return summary(t, stdout)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSaveLoadResumeAcrossBackends is the acceptance test of -save and
// -load: a run saved at step 2000 and resumed for 1000 more ends in the
// same bytes as an uninterrupted 3000-step run, whichever backend saved
// and whichever resumed.
func TestSaveLoadResumeAcrossBackends(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	common := []string{"-headless", "-quiet", "-n", "32", "-seed", "7"}
	run := func(backend string, extra ...string) Summary {
		return runOK(t, append(append(append([]string{}, common...), "-backend", backend), extra...)...)
	}
	run("cpu", "-steps", "3000", "-save", f("full-cpu"))
	run("gpu", "-steps", "2000", "-save", f("half-gpu"))
	run("cpu", "-steps", "2000", "-save", f("half-cpu"))
	// Resumed: parameters come from the file; repeating a model flag with
	// the file's value is allowed.
	s := runOK(t, "-headless", "-quiet", "-backend", "cpu", "-load", f("half-gpu"), "-steps", "1000", "-n", "32", "-save", f("gpu-then-cpu"))
	if s.Steps != 1000 || s.N != 32 {
		t.Errorf("resumed summary %+v: want 1000 steps at n=32", s)
	}
	runOK(t, "-headless", "-quiet", "-backend", "gpu", "-load", f("half-cpu"), "-steps", "1000", "-save", f("cpu-then-gpu"))

	want := readFile(t, f("full-cpu"))
	if !bytes.Equal(readFile(t, f("half-gpu")), readFile(t, f("half-cpu"))) {
		t.Error("the backends' checkpoints at step 2000 differ")
	}
	for _, name := range []string{"gpu-then-cpu", "cpu-then-gpu"} {
		if got := readFile(t, f(name)); !bytes.Equal(got, want) {
			_, a, _ := checkpoint.Read(f(name))
			_, b, _ := checkpoint.Read(f("full-cpu"))
			t.Errorf("%s: checkpoint after 2000+1000 steps differs from the 3000-step run: %v", name, firstDiff(a, b))
		}
	}
	_, st, err := checkpoint.Read(f("gpu-then-cpu"))
	if err != nil || st.T != 3000 {
		t.Errorf("resumed checkpoint: T=%v, %v", st, err)
	}
}

// firstDiff names the first buffer element where a and b differ.
func firstDiff(a, b *cpuref.State) string {
	if a == nil || b == nil {
		return "unreadable"
	}
	if a.T != b.T {
		return fmt.Sprintf("T %d vs %d", a.T, b.T)
	}
	fb := b.Fields()
	for i, f := range a.Fields() {
		g := fb[i]
		var x, y []uint32
		switch {
		case f.F32 != nil:
			for j := range *f.F32 {
				if (*f.F32)[j] != (*g.F32)[j] {
					return fmt.Sprintf("%s[%d]: %v vs %v", f.Name, j, (*f.F32)[j], (*g.F32)[j])
				}
			}
		case f.U32 != nil:
			x, y = *f.U32, *g.U32
		default:
			for j := range *f.I32 {
				if (*f.I32)[j] != (*g.I32)[j] {
					return fmt.Sprintf("%s[%d]: %v vs %v", f.Name, j, (*f.I32)[j], (*g.I32)[j])
				}
			}
		}
		for j := range x {
			if x[j] != y[j] {
				return fmt.Sprintf("%s[%d]: %v vs %v", f.Name, j, x[j], y[j])
			}
		}
	}
	return "no element differs (NaN or -0 bits?)"
}

// TestLoadBadFileExit2: a bad -load file, or a model flag that disagrees
// with it, exits 2 with one line naming the file or the flag and the
// reason, before anything runs.
func TestLoadBadFileExit2(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ckpt")
	runOK(t, "-headless", "-quiet", "-backend", "cpu", "-n", "8", "-steps", "20", "-save", good)
	b := readFile(t, good)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := append([]byte(nil), b...)
	flipped[len(flipped)/2] ^= 0x10
	v4 := append([]byte(nil), b...)
	v4[8] = 4
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-load", write("trunc.ckpt", b[:len(b)-7])}, "trunc.ckpt: truncated"},
		{[]string{"-load", write("flip.ckpt", flipped)}, "flip.ckpt: corrupted: checksum mismatch"},
		{[]string{"-load", write("v4.ckpt", v4)}, "v4.ckpt: format version 4; this build reads versions 1 to 3"},
		{[]string{"-load", write("text.ckpt", []byte("n=8\n"))}, "text.ckpt: not a spikecast checkpoint"},
		{[]string{"-load", filepath.Join(dir, "missing.ckpt")}, "missing.ckpt: no such file"},
		{[]string{"-load", dir}, "not a regular file"},
		{[]string{"-load", good, "-n", "9"}, "invalid -n 9 with -load: the checkpoint has -n 8"},
		{[]string{"-load", good, "-rho=0.5"}, "invalid -rho 0.5 with -load: the checkpoint has -rho 0.9"},
		{[]string{"-load", good, "-seed", "2"}, "invalid -seed 2 with -load: the checkpoint has -seed 1"},
		{[]string{"-load", good, "-rule", "hebbian"}, "invalid -rule hebbian with -load"},
		{[]string{"-save", filepath.Join(dir, "no", "such", "dir.ckpt")}, `invalid -save "` + filepath.Join(dir, "no", "such", "dir.ckpt") + `": cannot write in`},
		{[]string{"-metrics", filepath.Join(dir, "no", "m.csv")}, `invalid -metrics`},
		{[]string{"-metrics_every", "0"}, "invalid -metrics_every 0"},
	}
	for _, c := range cases {
		start := time.Now()
		code, stdout, stderr := runCmd(t, append([]string{"-headless", "-backend", "cpu", "-steps", "1"}, c.args...)...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", c.args, code, exitUsage, stderr)
		}
		if stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "spikecast: ") {
			t.Errorf("%v: want one line on stderr and nothing on stdout; got %q, %q", c.args, stdout, stderr)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%v: stderr %q does not say %q", c.args, stderr, c.want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%v: took %v: the run started", c.args, d)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("files left behind: %v", left)
	}
}

// TestMetricsCSV: one row per -metrics_every steps, at multiples of it,
// with the counts of that step's ring slot and the rolling measures; the
// same rows from either backend; a resumed run's rows continue the first
// run's.
func TestMetricsCSV(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	common := []string{"-headless", "-quiet", "-n", "32", "-seed", "3"}
	runOK(t, append(common, "-backend", "cpu", "-steps", "600", "-metrics", f("cpu.csv"), "-metrics_every", "7", "-save", f("cpu.ckpt"))...)
	runOK(t, append(common, "-backend", "gpu", "-steps", "600", "-metrics", f("gpu.csv"), "-metrics_every", "7")...)
	cpuCSV, gpuCSV := readFile(t, f("cpu.csv")), readFile(t, f("gpu.csv"))
	if !bytes.Equal(cpuCSV, gpuCSV) {
		t.Errorf("cpu and gpu metrics differ:\n%s\n---\n%s", head(cpuCSV), head(gpuCSV))
	}
	lines := strings.Split(strings.TrimSpace(string(cpuCSV)), "\n")
	if lines[0] != "step,tp,fp,fn,precision,recall,f1,hidden_rate,mean_theta,mean_abs_wout,changes" {
		t.Fatalf("header %q", lines[0])
	}
	if len(lines) != 1+600/7 {
		t.Errorf("%d rows, want %d", len(lines)-1, 600/7)
	}
	// The last row agrees with the checkpoint at step 595.
	last := strings.Split(lines[len(lines)-1], ",")
	if last[0] != "595" {
		t.Errorf("last row at step %s, want 595", last[0])
	}
	// Rows are what the state says: check the final state's row by
	// recomputing it from the checkpoint of a run that ends on a row.
	runOK(t, append(common, "-backend", "cpu", "-steps", "595", "-save", f("595.ckpt"))...)
	p, st, err := checkpoint.Read(f("595.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	m := cpuref.MeasuresOf(st.Ring, st.T, p.N)
	slot := int((st.T-1)%cpuref.Window) * cpuref.RingFields
	var theta float64
	for _, v := range st.Theta {
		theta += float64(v)
	}
	want := []string{"595", strconv.Itoa(int(st.Ring[slot])), strconv.Itoa(int(st.Ring[slot+1])), strconv.Itoa(int(st.Ring[slot+2])),
		fmtG(m.Precision), fmtG(m.Recall), fmtG(m.F1), fmtG(m.HiddenRate), fmtG(theta / float64(len(st.Theta)))}
	for i, w := range want {
		if last[i] != w {
			t.Errorf("last row column %d = %s, want %s", i, last[i], w)
		}
	}
	if w, _ := strconv.ParseFloat(last[9], 64); !(w > 0 && w < float64(p.WoutMax)) {
		t.Errorf("mean |W_out| %s", last[9])
	}

	// Resumed at 600 for 100 more: rows at 602, 609, …, 700, exactly the
	// tail of an uninterrupted 700-step run's.
	runOK(t, "-headless", "-quiet", "-backend", "gpu", "-load", f("cpu.ckpt"), "-steps", "100", "-metrics", f("resumed.csv"), "-metrics_every", "7")
	runOK(t, append(common, "-backend", "cpu", "-steps", "700", "-metrics", f("full.csv"), "-metrics_every", "7")...)
	full := strings.Split(strings.TrimSpace(string(readFile(t, f("full.csv")))), "\n")
	res := strings.Split(strings.TrimSpace(string(readFile(t, f("resumed.csv")))), "\n")
	if got, want := strings.Join(res[1:], "\n"), strings.Join(full[1+600/7:], "\n"); got != want {
		t.Errorf("resumed rows:\n%s\nwant the full run's tail:\n%s", got, want)
	}
}

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func head(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// TestSaveAndMetricsOnInterrupt: SIGINT ends a long run with exit 130, a
// readable checkpoint of the step it stopped at and a complete metrics
// file.
func TestSaveAndMetricsOnInterrupt(t *testing.T) {
	for _, backend := range []string{"cpu", "gpu"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			ck, csv := filepath.Join(dir, "int.ckpt"), filepath.Join(dir, "int.csv")
			go func() {
				// The metrics file's temporary copy appears after run has
				// taken over SIGINT.
				for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
					if m, _ := filepath.Glob(filepath.Join(dir, ".int.csv.*.tmp")); len(m) > 0 {
						time.Sleep(300 * time.Millisecond)
						syscall.Kill(os.Getpid(), syscall.SIGINT)
						return
					}
				}
			}()
			code, stdout, stderr := runCmd(t, "-headless", "-backend", backend, "-n", "16", "-steps", "100000000",
				"-save", ck, "-metrics", csv, "-metrics_every", "10")
			if code != exitInterrupt {
				t.Fatalf("exit %d, want %d: %s", code, exitInterrupt, stderr)
			}
			s := summary(t, stdout)
			_, st, err := checkpoint.Read(ck)
			if err != nil {
				t.Fatal(err)
			}
			if st.T != s.Steps || s.Steps == 0 {
				t.Errorf("checkpoint at step %d, summary says %d", st.T, s.Steps)
			}
			lines := strings.Split(strings.TrimSpace(string(readFile(t, csv))), "\n")
			if want := 1 + int(s.Steps/10); len(lines) != want {
				t.Errorf("%d lines in the metrics file after %d steps, want %d", len(lines), s.Steps, want)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			t.Logf("interrupted at step %d; stderr %q", s.Steps, stderr)
		})
	}
}

// TestReproducible: the same flags and seed give the same summary (but
// for steps/s), the same metrics bytes and the same checkpoint bytes.
func TestReproducible(t *testing.T) {
	for _, backend := range []string{"cpu", "gpu"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			var sums [2]Summary
			for i := range 2 {
				d := filepath.Join(dir, strconv.Itoa(i))
				os.Mkdir(d, 0o755)
				sums[i] = runOK(t, "-headless", "-quiet", "-backend", backend, "-n", "32", "-steps", "500", "-seed", "11", "-rule", "hebbian",
					"-metrics", filepath.Join(d, "m.csv"), "-metrics_every", "3", "-save", filepath.Join(d, "c.ckpt"))
				sums[i].StepsPerS = 0
			}
			if sums[0] != sums[1] {
				t.Errorf("summaries differ:\n%+v\n%+v", sums[0], sums[1])
			}
			for _, name := range []string{"m.csv", "c.ckpt"} {
				a := readFile(t, filepath.Join(dir, "0", name))
				b := readFile(t, filepath.Join(dir, "1", name))
				if !bytes.Equal(a, b) || len(a) == 0 {
					t.Errorf("%s differs between two identical runs (%d, %d bytes)", name, len(a), len(b))
				}
			}
		})
	}
}

// TestProgressLine: a headless run that lasts over half a second prints
// plain progress lines on a stderr that is not a terminal, and none with
// -quiet.
func TestProgressLine(t *testing.T) {
	code, _, stderr := runCmd(t, "-headless", "-backend", "cpu", "-n", "48", "-steps", "1500", "-workers", "1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr != "" && (!strings.HasPrefix(stderr, "step ") || strings.Contains(stderr, "\r") || !strings.Contains(stderr, "steps/s  F1 ")) {
		t.Errorf("progress %q", stderr)
	}
	t.Logf("progress: %q", stderr)
	code, _, stderr = runCmd(t, "-headless", "-backend", "cpu", "-n", "48", "-steps", "1500", "-workers", "1", "-quiet")
	if code != exitOK || stderr != "" {
		t.Errorf("-quiet: exit %d, stderr %q", code, stderr)
	}
}

// TestWindowSaveLoadMetrics: the window saves at the end of a run, resumes
// from -load with -steps counting the steps after it, and writes the same
// metrics rows as a headless run.
func TestWindowSaveLoadMetrics(t *testing.T) {
	d, err := gpu.EnsureDisplay()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	win := []string{"-width", "320", "-height", "240", "-vsync=false", "-steps_per_frame", "8", "-n", "16"}
	for _, backend := range []string{"gpu", "cpu"} {
		runOK(t, append(win, "-backend", backend, "-steps", "60", "-save", f("w-"+backend), "-metrics", f("w-"+backend+".csv"), "-metrics_every", "5")...)
		runOK(t, append(win, "-backend", backend, "-load", f("w-"+backend), "-steps", "40", "-save", f("w2-"+backend))...)
	}
	runOK(t, "-headless", "-quiet", "-n", "16", "-steps", "60", "-save", f("h"), "-metrics", f("h.csv"), "-metrics_every", "5")
	runOK(t, "-headless", "-quiet", "-n", "16", "-steps", "100", "-save", f("h2"))
	for _, backend := range []string{"gpu", "cpu"} {
		if !bytes.Equal(readFile(t, f("w-"+backend)), readFile(t, f("h"))) {
			t.Errorf("%s: window checkpoint at 60 differs from headless", backend)
		}
		if !bytes.Equal(readFile(t, f("w-"+backend+".csv")), readFile(t, f("h.csv"))) {
			t.Errorf("%s: window metrics differ from headless:\n%s\n---\n%s", backend, head(readFile(t, f("w-"+backend+".csv"))), head(readFile(t, f("h.csv"))))
		}
		if !bytes.Equal(readFile(t, f("w2-"+backend)), readFile(t, f("h2"))) {
			t.Errorf("%s: window resumed for 40 steps differs from a 100-step headless run", backend)
		}
	}
}

// FuzzFlags: any command line built from the real flag names and arbitrary
// values either parses into valid parameters or is a usage error; parse
// never panics.
func FuzzFlags(f *testing.F) {
	var names []string
	fs, _ := newFlagSet(&config{})
	fs.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	f.Add([]byte("\x00n=16\x00rho=0.5"))
	f.Add([]byte("\x05wout\x00dense\x00n\x00128"))
	f.Add([]byte("\x01load\x00/dev/null\x00save\x00/x"))
	f.Add([]byte("\x02seed=-1\x00theta0=1e40\x00metrics_every=0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Tokens separated by 0: a token's first byte picks a flag (and
		// whether the value is joined with = or follows as an argument);
		// the rest is its value.
		var args []string
		for _, tok := range bytes.Split(data, []byte{0}) {
			if len(tok) == 0 {
				continue
			}
			name := names[int(tok[0])%len(names)]
			// Never the side-effecting flags' real targets: -save and
			// -metrics probe a directory, so keep them in a temporary one.
			val := string(tok[1:])
			if name == "save" || name == "metrics" || name == "screenshot" || name == "record" {
				val = filepath.Join(t.TempDir(), filepath.Base(val))
			}
			if tok[0]&0x80 != 0 {
				args = append(args, "-"+name, val)
			} else {
				args = append(args, "-"+name+"="+val)
			}
		}
		c, err := parse(args, io.Discard)
		var ue *usageError
		switch {
		case err == nil:
			if verr := c.Params.Validate(); verr != nil {
				t.Fatalf("%q: accepted, but the parameters are invalid: %v", args, verr)
			}
		case errors.Is(err, flag.ErrHelp):
		case errors.As(err, &ue):
			if strings.Contains(ue.Error(), "\n") {
				t.Fatalf("%q: usage error of several lines: %q", args, ue.Error())
			}
		default:
			t.Fatalf("%q: error %T %v is not a usage error", args, err, err)
		}
	})
}
