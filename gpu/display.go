package gpu

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// VirtualDisplay is an Xvfb server started for a headless run.
type VirtualDisplay struct {
	Name string // e.g. ":99"
	cmd  *exec.Cmd
}

// EnsureDisplay makes sure DISPLAY names an X server. When it is unset and
// Xvfb is installed, it starts one on a free display number, sets DISPLAY
// for this process and returns it (Stop it when done); when DISPLAY is
// already set it returns nil and does nothing.
func EnsureDisplay() (*VirtualDisplay, error) {
	if os.Getenv("DISPLAY") != "" {
		return nil, nil
	}
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, fmt.Errorf("gpu: no display and no Xvfb to start one: set DISPLAY, or apt-get install xvfb libgl1-mesa-dri")
	}
	for num := 99; num < 199; num++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", num)); err == nil {
			continue
		}
		d, err := startXvfb(xvfb, num)
		if err != nil {
			return nil, err
		}
		if d != nil {
			os.Setenv("DISPLAY", d.Name)
			return d, nil
		}
		// Lost a race for this display number; try the next.
	}
	return nil, fmt.Errorf("gpu: no free X display number in :99–:198")
}

// startXvfb starts Xvfb on display num and waits for its socket. It
// returns nil, nil when the server exits at once (the number was taken).
func startXvfb(xvfb string, num int) (*VirtualDisplay, error) {
	name := ":" + strconv.Itoa(num)
	cmd := exec.Command(xvfb, name, "-screen", "0", "1920x1200x24", "-nolisten", "tcp", "-noreset")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("gpu: start Xvfb: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	sock := filepath.Join("/tmp/.X11-unix", "X"+strconv.Itoa(num))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			return nil, nil
		default:
		}
		if _, err := os.Stat(sock); err == nil {
			return &VirtualDisplay{Name: name, cmd: cmd}, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("gpu: Xvfb %s did not start within 10 s", name)
}

// Stop ends the server. It is safe on a nil display and safe to call twice.
func (d *VirtualDisplay) Stop() {
	if d == nil || d.cmd == nil {
		return
	}
	d.cmd.Process.Kill()
	d.cmd = nil
	os.Unsetenv("DISPLAY")
}
