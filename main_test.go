package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpufast"
)

// runCmd runs the command in-process and returns its exit code, stdout
// and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// summary parses the JSON summary on the last line of stdout.
func summary(t *testing.T, stdout string) Summary {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var s Summary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatalf("last line of stdout is not the JSON summary: %q: %v", lines[len(lines)-1], err)
	}
	return s
}

func TestBadFlagsExit2WithOneLine(t *testing.T) {
	cases := []struct {
		args []string
		want string // in the message
	}{
		{[]string{"-n", "0"}, "-n 0: want an integer in [1, 8192]"},
		{[]string{"-n", "9000"}, "-n 9000"},
		{[]string{"-rho", "1.5"}, "-rho 1.5: want a number in [0, 1]"},
		{[]string{"-rho", "NaN"}, "-rho NaN"},
		{[]string{"-sigma_noise", "Inf"}, "-sigma_noise +Inf"},
		{[]string{"-eta", "-1"}, "-eta -1"},
		{[]string{"-theta0", "0.01"}, "-theta0 0.01: want a number in [theta_min=0.05, 1000]"},
		{[]string{"-rule", "backprop"}, `-rule "backprop": want one of "stdp", "hebbian"`},
		{[]string{"-wout", "sparse"}, `-wout "sparse"`},
		{[]string{"-backend", "tpu"}, `-backend "tpu": want one of "gpu", "cpu", "ref", "auto"`},
		{[]string{"-wout", "dense", "-n", "256"}, "17179869184 bytes (16.0 GiB)"},
		{[]string{"-seed", "-3"}, "want an integer in [0, 4294967295]"},
		{[]string{"-rho", "abc"}, "not a number"},
		{[]string{"-steps", "-5"}, "-steps -5"},
		{[]string{"-workers", "0"}, "-workers 0"},
		{[]string{"-frobnicate"}, "flag provided but not defined: -frobnicate"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-headless", "-save", os.TempDir()}, "is not a regular file"},
		{[]string{"-headless", "-metrics", os.TempDir() + "/"}, "is a directory"},
		{[]string{"-headless", "-steps", "5", "-steps_per_frame", "10", "-record", os.TempDir() + "/x.gif"}, "no frame would be recorded"},
		{[]string{"-bench", "-backend", "cpu"}, "invalid -backend cpu with -bench"},
		{[]string{"-bench", "-bench_n", "16,0"}, "invalid -bench_n"},
		{[]string{"-n", "8192", "-rrec", "8", "-rout", "8"}, "of memory"},
		{[]string{"-sweep", "foo=1,2"}, `invalid -sweep: axis "foo=1,2": no parameter -foo`},
		{[]string{"-sweep", "eta=0.02..0.005:4"}, "empty range"},
		{[]string{"-sweep", "rho=0.5,1.5"}, "invalid -rho 1.5: want a number in [0, 1]"},
		{[]string{"-sweep", "seed=1..4", "-shard", "3/2"}, "invalid -shard 3/2: want 0 ≤ i < N"},
		{[]string{"-shard", "0/2"}, "invalid -shard 0/2 without -sweep"},
		{[]string{"-batch", "0"}, "invalid -batch 0"},
		{[]string{"-bench", "-batch", "4", "-metrics", "m.csv"}, "invalid -metrics with -bench -batch"},
		{[]string{"-bench", "-sweep", "seed=1..3"}, "invalid -bench with -batch or -sweep"},
		{[]string{"-batch", "4096", "-n", "4096"}, "invalid -batch 4096: 4096 networks at n=4096 need about"},
		{[]string{"-batch", "2", "-save", "x.ckpt"}, "invalid -save with -batch or -sweep"},
		{[]string{"-batch", "2", "-resume"}, "invalid -resume without -sweep_out"},
		{[]string{"-batch", "2", "-sweep_out", "x.csv"}, "want a .jsonl path"},
		{[]string{"-sweep_out", "x.jsonl"}, "invalid -sweep_out without -sweep or -batch"},
		{[]string{"-merge", "/nonexistent/*.jsonl", "-sweep_out", "x.jsonl"}, "no such file"},
		{[]string{"-merge", "a.jsonl"}, "invalid -merge without -sweep_out"},
	}
	for _, c := range cases {
		code, stdout, stderr := runCmd(t, c.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d", c.args, code, exitUsage)
		}
		if stdout != "" {
			t.Errorf("%v: wrote to stdout: %q", c.args, stdout)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "spikecast: ") {
			t.Errorf("%v: stderr is not one line starting with \"spikecast: \": %q", c.args, stderr)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%v: stderr %q does not say %q", c.args, stderr, c.want)
		}
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	code, stdout, _ := runCmd(t, "-h")
	if code != exitOK {
		t.Fatalf("-h: exit %d", code)
	}
	for _, f := range []string{"n", "rho", "bias", "sigma_noise", "target_rate", "tau_out", "rule", "a_plus", "a_minus",
		"lambda_pre", "lambda_post", "wout", "rout", "rrec", "eta", "eta_out", "eta_theta", "theta0", "theta_min",
		"win0", "win_max", "wout_max", "wrec0", "seed", "backend", "steps", "headless"} {
		if !strings.Contains(stdout, "  -"+f+" ") && !strings.Contains(stdout, "  -"+f+"\n") {
			t.Errorf("-h does not list -%s", f)
		}
	}
}

// TestLearnsAtN48 is the original toy's claim, on both backends: rolling F1 ≥ 0.99
// after 3,000 steps at n=48 with default parameters.
func TestLearnsAtN48(t *testing.T) {
	for _, backend := range []string{"cpu", "gpu"} {
		t.Run(backend, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "-headless", "-n", "48", "-steps", "3000", "-backend", backend)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			s := summary(t, stdout)
			t.Logf("%+v", s)
			if s.Steps != 3000 || s.N != 48 || s.Backend != backend || s.Renderer == "" {
				t.Errorf("summary fields wrong: %+v", s)
			}
			if s.F1 < 0.99 {
				t.Errorf("rolling F1 after 3000 steps = %.4f, want ≥ 0.99", s.F1)
			}
			if s.HiddenRate <= 0 || s.HiddenRate >= 0.1 {
				t.Errorf("hidden rate %.4f, want sparse activity in (0, 0.1)", s.HiddenRate)
			}
		})
	}
}

// TestBackendsAgreeOnSummary: the same run on both backends gives the same
// measures (the lockstep tests in cpuref check every buffer).
func TestBackendsAgreeOnSummary(t *testing.T) {
	var got [2]Summary
	for i, backend := range []string{"cpu", "gpu"} {
		code, stdout, stderr := runCmd(t, "-headless", "-n", "20", "-steps", "500", "-backend", backend, "-seed", "9")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", backend, code, stderr)
		}
		got[i] = summary(t, stdout)
	}
	a, b := got[0], got[1]
	if a.F1 != b.F1 || a.Precision != b.Precision || a.Recall != b.Recall || a.HiddenRate != b.HiddenRate {
		t.Errorf("cpu %+v\ngpu %+v", a, b)
	}
}

// TestVersion: -version prints one line naming the build and exits 0; the
// summary carries the same version.
func TestVersion(t *testing.T) {
	code, stdout, stderr := runCmd(t, "-version")
	if code != exitOK || stderr != "" || !strings.HasPrefix(stdout, "spikecast ") || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("-version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	s := runOK(t, "-headless", "-quiet", "-backend", "cpu", "-n", "8", "-steps", "5")
	want, loop, _ := strings.Cut(strings.TrimPrefix(stdout, "spikecast "), ", cpu dense loop: ")
	if loop != cpufast.VectorPath()+"\n" {
		t.Errorf("-version %q does not name the dense loop %q", stdout, cpufast.VectorPath())
	}
	if s.Version != want {
		t.Errorf("summary version %q, -version says %q", s.Version, want)
	}
}

// TestBackendAuto: the default -backend auto says on one line which
// backend it chose and why, the summary names what ran and why, and a
// second run reads the cached measurement.
func TestBackendAuto(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // a cache of this test's own
	for i, how := range []string{"(measured)", "(measured, cached)"} {
		code, stdout, stderr := runCmd(t, "-headless", "-quiet", "-n", "24", "-seed", "3", "-steps", "40")
		if code != exitOK {
			t.Fatalf("run %d: exit %d: %s", i, code, stderr)
		}
		s := summary(t, stdout)
		line := strings.TrimSpace(stderr)
		if strings.Count(line, "\n") != 0 || line != "spikecast: -backend auto: "+s.BackendAuto || !strings.HasSuffix(line, how) {
			t.Fatalf("run %d: stderr %q, summary's backend_auto %q", i, stderr, s.BackendAuto)
		}
		if (s.Backend != "cpu" && s.Backend != "gpu") || !strings.HasPrefix(s.BackendAuto, s.Backend) || s.Run.Backend != "auto" || s.Steps != 40 {
			t.Fatalf("run %d: summary %+v", i, s)
		}
	}
}

// TestSweepCommand: a sweep in two shards, each writing its results
// file, merged into one table; every run appears once.
func TestSweepCommand(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	sweepArgs := []string{"-backend", "cpu", "-n", "8", "-steps", "60", "-sweep", "rho=0.8,0.9 seed=1..3", "-batch", "2"}
	for i := range 2 {
		code, stdout, stderr := runCmd(t, append(sweepArgs, "-shard", fmt.Sprintf("%d/2", i), "-sweep_out", f(fmt.Sprintf("out-%d.jsonl", i)))...)
		if code != exitOK {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if s := summary(t, stdout); len(lines) != 4 || s.Networks != 3 || s.Backend != "cpu" {
			t.Fatalf("shard %d: %d lines, summary %+v", i, len(lines), s)
		}
	}
	// A shard run again without -resume would overwrite its file.
	if code, _, stderr := runCmd(t, append(sweepArgs, "-shard", "0/2", "-sweep_out", f("out-0.jsonl"))...); code != exitUsage || !strings.Contains(stderr, "add -resume") {
		t.Errorf("rerun without -resume: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCmd(t, "-sweep_out", f("all.jsonl"), "-merge", f("out-0.jsonl"), f("out-1.jsonl"))
	if code != exitOK || !strings.Contains(stdout, `"runs":6,"files":2`) {
		t.Fatalf("merge: exit %d: %s %s", code, stdout, stderr)
	}
	csv, _ := os.ReadFile(f("all.csv"))
	rows := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(rows) != 7 {
		t.Fatalf("merged CSV has %d lines:\n%s", len(rows), csv)
	}
	for i, row := range rows[1:] {
		if !strings.HasPrefix(row, fmt.Sprintf("%d,60,", i)) {
			t.Errorf("row %d: %s", i, row)
		}
	}
}
