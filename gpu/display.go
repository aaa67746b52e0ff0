package gpu

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// VirtualDisplay is an Xvfb server started for a headless run.
type VirtualDisplay struct {
	Name string // e.g. ":3"
	cmd  *exec.Cmd
	done chan struct{} // closed when the server has exited
	pipe *os.File      // read end of -displayfd, open while the server runs
	prev string        // DISPLAY before the server started, restored by Stop
}

// EnsureDisplay makes sure DISPLAY names an X server. When it is unset and
// Xvfb is installed, it starts one, sets DISPLAY for this process and
// returns it (Stop it when done); when DISPLAY is already set it returns
// nil and does nothing. Xvfb picks a free display number itself
// (-displayfd), so processes starting side by side never race for one.
func EnsureDisplay() (*VirtualDisplay, error) {
	if os.Getenv("DISPLAY") != "" {
		return nil, nil
	}
	return StartDisplay()
}

// StartDisplay starts a private Xvfb whether or not DISPLAY is set, and
// points DISPLAY at it until Stop, which restores the previous value.
func StartDisplay() (*VirtualDisplay, error) {
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, fmt.Errorf("gpu: no display and no Xvfb to start one: set DISPLAY, or apt-get install xvfb libgl1-mesa-dri")
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("gpu: start Xvfb: %w", err)
	}
	// The child's fd 3 is ExtraFiles[0]: Xvfb writes its display number
	// there once it accepts connections.
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "1920x1200x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	// Its own process group: a terminal's Ctrl-C goes to the whole
	// foreground group, and the server must outlive it long enough for
	// us to finish cleanly (we stop it ourselves).
	cmd.SysProcAttr = ownProcessGroup()
	// No Pdeathsig: Linux sends it when the starting *thread* exits, and
	// Go may retire threads at will, which would end the server mid-run.
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("gpu: start Xvfb: %w", err)
	}
	w.Close()
	d := &VirtualDisplay{cmd: cmd, done: make(chan struct{}), pipe: r, prev: os.Getenv("DISPLAY")}
	go func() { cmd.Wait(); close(d.done) }()
	got := make(chan string, 1)
	go func() {
		// Xvfb may write the number and its newline separately, and dies
		// if the second write fails: read the whole line, and keep the
		// pipe open while the server runs (Stop closes it).
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case num := <-got:
		if _, err := strconv.Atoi(num); err != nil {
			d.Stop()
			return nil, fmt.Errorf("gpu: Xvfb did not start (it reported display %q)", num)
		}
		d.Name = ":" + num
		// Xvfb may report its number a moment before it accepts clients:
		// wait until its socket answers.
		sock := "/tmp/.X11-unix/X" + num
		for deadline := time.Now().Add(10 * time.Second); ; {
			if c, err := net.Dial("unix", sock); err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				d.Stop()
				return nil, fmt.Errorf("gpu: Xvfb %s does not accept connections", d.Name)
			}
			time.Sleep(5 * time.Millisecond)
		}
		os.Setenv("DISPLAY", d.Name)
		return d, nil
	case <-time.After(10 * time.Second):
		d.Stop()
		return nil, fmt.Errorf("gpu: Xvfb did not start within 10 s")
	}
}

// Stop ends the server, politely first so that it removes its lock file.
// It is safe on a nil display and safe to call twice.
func (d *VirtualDisplay) Stop() {
	if d == nil || d.cmd == nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(2 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
	}
	d.cmd = nil
	d.pipe.Close()
	if d.Name != "" && os.Getenv("DISPLAY") == d.Name {
		if d.prev != "" {
			os.Setenv("DISPLAY", d.prev)
		} else {
			os.Unsetenv("DISPLAY")
		}
	}
}
