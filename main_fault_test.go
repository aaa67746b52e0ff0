package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/gpu"
)

// The tests here run the built command as a subprocess: the environment
// (GL version, DISPLAY) and signals are the process's own, so they cannot
// be tested in-process.

var binary struct {
	once sync.Once
	path string
	err  error
}

// spikecastBinary builds the command once per test binary, into a
// directory removed when the process's tests end.
func spikecastBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "spikecast-test-")
		if err != nil {
			binary.err = err
			return
		}
		binaryDir = dir
		binary.path = filepath.Join(dir, "spikecast")
		out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

var binaryDir string

func TestMain(m *testing.M) {
	// -backend auto (the default) caches its measurements in the user
	// cache dir: the tests keep theirs apart from the user's.
	cache, err := os.MkdirTemp("", "spikecast-cache-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(cache)
	os.Setenv("XDG_CACHE_HOME", cache)
	code := m.Run()
	os.RemoveAll(cache)
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// envWithout returns the environment without the named variables, plus
// extra ("K=V").
func envWithout(names []string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// runBinary runs the built command to its end and returns its exit code,
// stdout and stderr.
func runBinary(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(spikecastBinary(t), args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// oneLine fails t unless stderr is one line starting "spikecast: " that
// says every one of want.
func oneLine(t *testing.T, stderr string, want ...string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "spikecast: ") {
		t.Errorf("stderr is not one line starting \"spikecast: \": %q", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not say %q", stderr, w)
		}
	}
}

// TestOldGLRefused: where the driver offers only OpenGL 3.3 (Mesa told to
// pretend), the gpu backend exits 1 with one line naming the version and
// renderer it found, what it needs, and how to get it.
func TestOldGLRefused(t *testing.T) {
	env := envWithout([]string{"MESA_GL_VERSION_OVERRIDE", "MESA_GLSL_VERSION_OVERRIDE"},
		"MESA_GL_VERSION_OVERRIDE=3.3", "MESA_GLSL_VERSION_OVERRIDE=330")
	stdout, stderr := brokenGLRun(t, env, "MESA_GL_VERSION_OVERRIDE cannot make it old")
	if stdout != "" {
		t.Errorf("wrote to stdout: %q", stdout)
	}
	oneLine(t, stderr, "need OpenGL 4.3", "have 3.3", "llvmpipe", "LIBGL_ALWAYS_SOFTWARE=1", "MESA_GL_VERSION_OVERRIDE", "-backend cpu")
}

// TestNoGLDriverSaysWhatToDo: where no OpenGL context can be made at all
// (Mesa finds no driver), the gpu backend exits 1 and its last line says
// so and how to get one. GLFW's Go binding prints two lines of its own
// before it, which the command cannot stop.
func TestNoGLDriverSaysWhatToDo(t *testing.T) {
	env := envWithout([]string{"LIBGL_DRIVERS_PATH"}, "LIBGL_DRIVERS_PATH=/nonexistent")
	_, stderr := brokenGLRun(t, env, "LIBGL_DRIVERS_PATH cannot take its driver away")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	oneLine(t, lines[len(lines)-1]+"\n", "no OpenGL context could be made", "LIBGL_ALWAYS_SOFTWARE=1", "-backend cpu")
}

// TestNoDisplaySaysHowToRunHeadless: the window without a display exits 1
// with one line saying how to run without one.
func TestNoDisplaySaysHowToRunHeadless(t *testing.T) {
	code, stdout, stderr := runBinary(t, envWithout([]string{"DISPLAY", "WAYLAND_DISPLAY"}), "-steps", "10")
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	if stdout != "" {
		t.Errorf("wrote to stdout: %q", stdout)
	}
	oneLine(t, stderr, "no display", "-headless", "xvfb-run")
}

// brokenGLRun runs a short headless run in env, which breaks Mesa's GL in
// the way how says. Where the run succeeds anyway the GL is not Mesa's and
// the test skips, loudly; otherwise it checks the run exited 1 and returns
// its output.
func brokenGLRun(t *testing.T, env []string, how string) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := runBinary(t, env, "-headless", "-backend", "gpu", "-steps", "10", "-quiet")
	t.Logf("exit %d: %s", code, stderr)
	if code == exitOK {
		t.Skipf("SKIPPED: this GL is not Mesa's (%s), so %s", summary(t, stdout).Renderer, how)
	}
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	return stdout, stderr
}

// startBinary starts the built command and returns once its stderr has
// shown a line containing ready (so the run is under way), with the
// process and a function that waits for it and returns exit code, stdout
// and stderr.
func startBinary(t *testing.T, env []string, ready string, args ...string) (*exec.Cmd, func() (int, string, string)) {
	t.Helper()
	cmd := exec.Command(spikecastBinary(t), args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	seen := make(chan struct{})
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		r := bufio.NewReader(pr)
		once := sync.Once{}
		for {
			line, err := r.ReadString('\n')
			errb.WriteString(line)
			if strings.Contains(line, ready) {
				once.Do(func() { close(seen) })
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-seen:
	case <-copied:
		cmd.Wait()
		t.Fatalf("%v ended before saying %q: %s", args, ready, errb.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%v did not say %q within 60 s", args, ready)
	}
	wait := func() (int, string, string) {
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("%v did not end within 60 s of the signal", args)
		}
		<-copied
		return cmd.ProcessState.ExitCode(), out.String(), errb.String()
	}
	return cmd, wait
}

// TestSignalsEndHeadlessRunCleanly: SIGINT and SIGTERM mid-run end a
// headless run with 130 and 143, the summary of the steps done as the last
// line of stdout, and the -save checkpoint written, at that step.
func TestSignalsEndHeadlessRunCleanly(t *testing.T) {
	for _, c := range []struct {
		sig     syscall.Signal
		code    int
		backend string
	}{
		{syscall.SIGINT, exitInterrupt, "gpu"},
		{syscall.SIGTERM, exitTerm, "gpu"},
		{syscall.SIGTERM, exitTerm, "cpu"},
	} {
		t.Run(fmt.Sprintf("%v/%s", c.sig, c.backend), func(t *testing.T) {
			save := filepath.Join(t.TempDir(), "net.ckpt")
			// The progress line (on stderr, at most twice a second) shows
			// the run has stepped.
			cmd, wait := startBinary(t, os.Environ(), "steps/s",
				"-headless", "-n", "32", "-steps", "10000000", "-backend", c.backend, "-save", save)
			time.Sleep(200 * time.Millisecond)
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := wait()
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.code, stderr)
			}
			s := summary(t, stdout)
			t.Logf("%+v", s)
			if s.Steps <= 0 || s.Steps >= 10000000 || s.Backend != c.backend {
				t.Errorf("summary %+v: want the steps done before the signal", s)
			}
			p, st, err := checkpoint.Read(save)
			if err != nil {
				t.Fatalf("-save after %v: %v", c.sig, err)
			}
			if st.T != s.Steps || p.N != 32 {
				t.Errorf("checkpoint at step %d, n=%d; want step %d, n=32", st.T, p.N, s.Steps)
			}
		})
	}
}

// TestSignalEndsWindowRun: SIGTERM ends a window run (on a private Xvfb)
// with 143 and the summary, frames/s included.
func TestSignalEndsWindowRun(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		d, err := gpu.EnsureDisplay()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Stop)
	}
	save := filepath.Join(t.TempDir(), "win.ckpt")
	// The window prints nothing while it runs: wait on a file instead.
	cmd := exec.Command(spikecastBinary(t), "-n", "32", "-vsync=false", "-width", "640", "-height", "400", "-save", save)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		t.Fatalf("the window run ended by itself: exit %d: %s", cmd.ProcessState.ExitCode(), errb.String())
	case <-time.After(4 * time.Second):
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("the window did not end within 60 s of SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitTerm {
		t.Errorf("exit %d, want %d; stderr: %s", code, exitTerm, errb.String())
	}
	s := summary(t, out.String())
	t.Logf("%+v", s)
	if s.Steps <= 0 || s.FPS <= 0 {
		t.Errorf("summary %+v: want steps and frames/s of the run", s)
	}
	if _, st, err := checkpoint.Read(save); err != nil {
		t.Errorf("-save after SIGTERM: %v", err)
	} else if st.T != s.Steps {
		t.Errorf("checkpoint at step %d, summary says %d", st.T, s.Steps)
	}
}
