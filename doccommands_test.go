//go:build doccommands

package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spikecast/spikecast/gpu"
)

// notRun are commands of the documents this check does not run, each with
// the reason.
var notRun = map[string]string{
	"make test":                        "the whole suite: run it on its own",
	"make long":                        "minutes of n=256 learning: run it on its own",
	"make fuzz":                        "minutes of fuzzing: run it on its own",
	"make soak":                        "an hour: run it on its own",
	"make doc-commands":                "this check itself",
	"for i in":                         "one process per GPU: needs a machine with several",
	"hw.mp4":                           "the hardware rows: needs a hardware GPU",
	"8192":                             "the hardware rows: needs a hardware GPU (n=8192)",
	"bench/hardware.sh":                "the hardware rows: needs a hardware GPU",
	"-bench -batch 64 -bench_n 32,128": "the hardware rows: needs a hardware GPU",
	"GPUMatchesReference":              "the hardware rows: run by bench/hardware.sh",
	"go test -bench . ./cpuref ./gpu":  "minutes of benchmarks: run it on its own",
}

// TestDocCommands runs every command shown in README.md and BENCHMARKS.md,
// in order, in a scratch directory with the freshly built spikecast on
// PATH (and as ./spikecast), and fails for each that exits non-zero. A
// window command (no -headless, -bench, -list_gpus or -version) runs on a
// private Xvfb for a few seconds and passes if it is still running then.
// It is not part of make test: make doc-commands runs it (many minutes).
func TestDocCommands(t *testing.T) {
	root, _ := os.Getwd()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "spikecast"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if err := os.Symlink(filepath.Join(bin, "spikecast"), filepath.Join(dir, "spikecast")); err != nil {
		t.Fatal(err)
	}
	// make targets run against the clone, and bench/ scripts from it.
	for _, f := range []string{"Makefile", "go.mod", "go.sum", "bench"} {
		os.Symlink(filepath.Join(root, f), filepath.Join(dir, f))
	}
	display, err := gpu.StartDisplay()
	if err != nil {
		t.Fatalf("Xvfb for the window commands: %v", err)
	}
	defer display.Stop()

	for _, doc := range []string{"README.md", "BENCHMARKS.md"} {
		for _, line := range commands(t, filepath.Join(root, doc)) {
			if why := skipped(line); why != "" {
				t.Logf("%s: not run: %s (%s)", doc, line, why)
				continue
			}
			runDoc(t, doc, line, dir, root, bin)
		}
	}
}

// skipped returns why line is not run: a notRun key that begins it, or
// for keys that are not commands, that it contains.
func skipped(line string) string {
	for k, why := range notRun {
		if strings.HasPrefix(line, k+" ") || line == k {
			return why
		}
	}
	for k, why := range notRun {
		if !strings.HasPrefix(k, "make ") && !strings.HasPrefix(k, "go ") && strings.Contains(line, k) {
			return why
		}
	}
	return ""
}

// runDoc runs one command line with bash.
func runDoc(t *testing.T, doc, line, dir, root, bin string) {
	t.Helper()
	window := strings.HasPrefix(strings.TrimPrefix(line, "./"), "spikecast") &&
		!strings.Contains(line, "-headless") && !strings.Contains(line, "-bench") &&
		!strings.Contains(line, "-list_gpus") && !strings.Contains(line, "-version") &&
		!strings.Contains(line, "xvfb-run")
	limit := 20 * time.Minute
	if window {
		limit = 8 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Dir = dir
	if strings.HasPrefix(line, "go ") || strings.HasPrefix(line, "make ") {
		cmd.Dir = root
	}
	// /usr/bin before the rest: the distribution's python3 has NumPy
	// (python3-numpy), which a python3 of a version manager may lack.
	cmd.Env = append(os.Environ(), "PATH="+bin+":/usr/bin:"+os.Getenv("PATH"))
	if strings.HasPrefix(line, "make run") {
		// Where there is no display make run is headless, and ends.
		cmd.Env = append(cmd.Env, "DISPLAY=")
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case window && errors.Is(ctx.Err(), context.DeadlineExceeded):
		t.Logf("%s: ok (window, still running after %v): %s", doc, limit, line)
	case err != nil:
		t.Errorf("%s: %s\n  failed after %v: %v\n%s", doc, line, took, err, tail(string(out), 20))
	default:
		t.Logf("%s: ok in %v: %s", doc, took, line)
	}
}

// commands returns the command lines of a document: the lines of its
// ```sh blocks, and those of its indented blocks that start with a
// command.
func commands(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	inSh, inFence := false, false
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			inSh = inFence && strings.TrimPrefix(line, "```") == "sh"
			continue
		}
		cmd := ""
		switch {
		case inSh:
			cmd = strings.TrimSpace(line)
		case !inFence && strings.HasPrefix(line, "    "):
			c := strings.TrimSpace(line)
			for _, p := range []string{"spikecast ", "./spikecast ", "go ", "make ", "xvfb-run "} {
				if strings.HasPrefix(c, p) {
					cmd = c
				}
			}
		}
		if cmd != "" && !strings.HasPrefix(cmd, "#") {
			out = append(out, cmd)
		}
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ")
}
