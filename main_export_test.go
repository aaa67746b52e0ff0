package main

import (
	"bytes"
	"crypto/sha256"
	le "encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/session"
)

// numpy runs a Python script with NumPy, the way a user reads the files,
// and returns its standard output. Without /usr/bin/python3 and NumPy
// the test fails (make setup installs python3-numpy); only
// SPIKECAST_SKIP_NUMPY=1 turns that into a loud skip.
func numpy(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	if os.Getenv("SPIKECAST_SKIP_NUMPY") == "1" {
		t.Skip("SPIKECAST_SKIP_NUMPY=1: the -spikes and -state files are not read with NumPy")
	}
	cmd := exec.Command("/usr/bin/python3", append([]string{"-c", script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 with NumPy could not read the files (apt-get install python3-numpy; SPIKECAST_SKIP_NUMPY=1 skips): %v\n%s", err, stderr.String())
	}
	return out
}

// readFiles is what the test asks NumPy about the two files.
const readFiles = `
import sys, json, hashlib, numpy as np
s = np.load(sys.argv[1])
z = np.load(sys.argv[2])
steps = int(z["step"])
counts = np.zeros((steps, 4), dtype=np.int64)
np.add.at(counts, (s["step"].astype(np.int64), s["layer"].astype(np.int64)), 1)
last = s[s["step"] == steps - 1]
print(json.dumps({
    "names": list(s.dtype.names),
    "descr": [list(d) for d in s.dtype.descr],
    "itemsize": s.dtype.itemsize,
    "ordered": bool(np.all(np.diff(s["step"].astype(np.int64)) >= 0)),
    "counts": counts.tolist(),
    "last": [(last["cell"].astype(np.int64) + last["c"].astype(np.int64) * int(json.loads(str(z["meta"]))["n"]) ** 2)[last["layer"] == l].tolist()
             for l in range(4)],
    "arrays": {k: [z[k].dtype.str, list(z[k].shape), hashlib.sha256(np.ascontiguousarray(z[k]).tobytes()).hexdigest()]
               for k in z.files if k != "meta"},
    "meta": json.loads(str(z["meta"])),
}))
`

type numpyView struct {
	Names    []string
	Descr    [][]string
	Itemsize int
	Ordered  bool
	Counts   [][4]int
	Last     [4][]uint32
	Arrays   map[string][3]any
	Meta     struct {
		Step    int64
		N       int
		Version string
		Params  map[string]any
	}
}

// TestSpikesAndStateReadByNumPy runs each backend with -spikes, -state,
// -save and -metrics, and reads the files with NumPy: the records'
// dtype; every step present, in order; the spikes of each step against
// the metrics (ŷ: tp+fp; X: the target's tp+fn, -horizon steps earlier)
// and the ring of measures (hidden spikes of the last 100 steps); the
// last step's cells against the state; and every array of the .npz,
// dtype, shape and bytes, against the checkpoint.
func TestSpikesAndStateReadByNumPy(t *testing.T) {
	for _, c := range []struct {
		backend string
		extra   []string
	}{
		{"gpu", []string{"-horizon", "2"}},                         // a second hidden layer: four layers
		{"cpu", []string{"-wout", "dense", "-rule", "rstdp"}},      // dense W_out, eligibility
		{"gpu", []string{"-spikes_layers", "hidden,0", "-n", "7"}}, // a subset, odd n
	} {
		t.Run(c.backend+strings.Join(c.extra, ""), func(t *testing.T) {
			dir := t.TempDir()
			spikes, state := filepath.Join(dir, "s.npy"), filepath.Join(dir, "st.npz")
			ckpt, metrics := filepath.Join(dir, "c.ckpt"), filepath.Join(dir, "m.csv")
			const steps = 260
			args := append([]string{"-headless", "-quiet", "-backend", c.backend, "-n", "20", "-steps", strconv.Itoa(steps),
				"-target_rate", "0.2", "-spikes", spikes, "-state", state, "-save", ckpt, "-metrics", metrics}, c.extra...)
			runOK(t, args...)
			p, st, err := checkpoint.Read(ckpt)
			if err != nil {
				t.Fatal(err)
			}
			var v numpyView
			out := numpy(t, readFiles, spikes, state)
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if fmt.Sprint(v.Descr) != "[[step <u4] [layer |u1] [cell <u4] [c |u1]]" || v.Itemsize != 10 || !v.Ordered {
				t.Errorf("spikes: dtype %v, itemsize %d, in step order %v", v.Descr, v.Itemsize, v.Ordered)
			}
			if len(v.Counts) != steps || v.Meta.Step != steps || v.Meta.N != p.N || v.Meta.Version == "" || v.Meta.Params["seed"] != float64(p.Seed) {
				t.Fatalf("%d steps of counts, meta %+v", len(v.Counts), v.Meta)
			}
			want, _ := parseLayers(flagValue(args, "spikes_layers", "input,hidden,output,hidden2"))
			rows := metricsRows(t, metrics)
			for step, n := range v.Counts {
				row := rows[step+1]
				if want[2] && n[2] != row[1]+row[2] {
					t.Fatalf("step %d: %d output spikes, metrics tp+fp %d", step, n[2], row[1]+row[2])
				}
				if k := p.Horizon; want[0] && step >= k && n[0] != rows[step-k+1][1]+rows[step-k+1][3] {
					t.Fatalf("step %d: %d input spikes, metrics tp+fn of step %d: %d", step, n[0], step-k, rows[step-k+1][1]+rows[step-k+1][3])
				}
				if want[1] && step >= steps-cpuref.Window && uint32(n[1]) != st.Ring[step%cpuref.Window*cpuref.RingFields+cpuref.RingSpikes] {
					t.Fatalf("step %d: %d hidden spikes, the ring %d", step, n[1], st.Ring[step%cpuref.Window*cpuref.RingFields+cpuref.RingSpikes])
				}
				for code := range want {
					if !want[code] && n[code] != 0 {
						t.Fatalf("step %d: layer %d was not asked for, has %d records", step, code, n[code])
					}
				}
			}
			total := 0
			for code, layer := range [][]uint32{st.X, st.S, st.YHat, st.S2} {
				var cells []uint32
				for i, x := range layer {
					if x != 0 && want[code] {
						cells = append(cells, uint32(i))
					}
				}
				total += len(cells)
				if fmt.Sprint(cells) != fmt.Sprint(v.Last[code]) {
					t.Errorf("last step, layer %d: -spikes has %v, the state %v", code, v.Last[code], cells)
				}
			}
			if total == 0 {
				t.Error("no spikes in the last step: the test checks nothing")
			}
			for _, f := range st.Fields() {
				name := session.ArrayName(f.Name)
				got, ok := v.Arrays[name]
				if !ok {
					t.Errorf("-state has no %s", name)
					continue
				}
				dtype, shape, sum := fieldBytes(f, p)
				if got[0] != dtype || fmt.Sprint(got[1]) != fmt.Sprint(shape) || got[2] != sum {
					t.Errorf("%s: numpy sees %v %v, the checkpoint %s %v (bytes equal: %v)", name, got[0], got[1], dtype, shape, got[2] == sum)
				}
			}
		})
	}
}

// flagValue is the value of -name in args, or def.
func flagValue(args []string, name, def string) string {
	for i, a := range args {
		if a == "-"+name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return def
}

// metricsRows reads a -metrics file: by step, the integer columns
// step, tp, fp, fn.
func metricsRows(t *testing.T, path string) map[int][4]int {
	t.Helper()
	rows := map[int][4]int{}
	for i, line := range strings.Split(strings.TrimSpace(string(readFile(t, path))), "\n") {
		if i == 0 {
			continue
		}
		var r [4]int
		for j, f := range strings.SplitN(line, ",", 5)[:4] {
			r[j], _ = strconv.Atoi(f)
		}
		rows[r[0]] = r
	}
	return rows
}

// fieldBytes is what NumPy should see of a checkpoint's buffer: dtype,
// shape (the natural one) and the SHA-256 of its little-endian bytes.
func fieldBytes(f cpuref.Field, p cpuref.Params) (string, []int, string) {
	var b []byte
	dtype := ""
	switch {
	case f.F32 != nil:
		dtype = "<f4"
		for _, x := range *f.F32 {
			b = le.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	case f.U32 != nil:
		dtype = "<u4"
		for _, x := range *f.U32 {
			b = le.LittleEndian.AppendUint32(b, x)
		}
	default:
		dtype = "<i4"
		for _, x := range *f.I32 {
			b = le.LittleEndian.AppendUint32(b, uint32(x))
		}
	}
	n, per := p.N, f.PerCell(p)
	var shape []int
	switch {
	case f.Len() == 0:
		shape = []int{0}
	case f.Size == "ring":
		shape = []int{cpuref.Window, cpuref.RingFields}
	case f.Size == "out" && p.OutLayout == cpuref.Dense:
		shape = []int{n * n, n * n}
	case per == 1:
		shape = []int{n, n}
	default:
		side := int(math.Sqrt(float64(per)))
		shape = []int{n, n, side, side}
	}
	sum := sha256.Sum256(b)
	return dtype, shape, hex.EncodeToString(sum[:])
}

// spikeFile parses a -spikes file the long way: the header's dtype and
// count against the file's size, and the records' steps.
func spikeFile(t *testing.T, path string) (count int64, steps []uint32) {
	t.Helper()
	b := readFile(t, path)
	if len(b) < 10 || string(b[:8]) != "\x93NUMPY\x01\x00" {
		t.Fatalf("%s: not a .npy file", path)
	}
	hlen := int(le.LittleEndian.Uint16(b[8:10]))
	head := string(b[10 : 10+hlen])
	if !strings.HasPrefix(head, "{'descr': [('step', '<u4'), ('layer', '|u1'), ('cell', '<u4'), ('c', '|u1')], 'fortran_order': False, 'shape': (") ||
		(10+hlen)%64 != 0 || !strings.HasSuffix(head, "\n") {
		t.Fatalf("%s: header %q", path, head)
	}
	m := regexp.MustCompile(`'shape': \((\d+),\)`).FindStringSubmatch(head)
	count, _ = strconv.ParseInt(m[1], 10, 64)
	data := b[10+hlen:]
	if int64(len(data)) != 10*count {
		t.Fatalf("%s: header says %d records, the file holds %d bytes of data", path, count, len(data))
	}
	for i := 0; i < len(data); i += 10 {
		steps = append(steps, le.LittleEndian.Uint32(data[i:]))
	}
	return count, steps
}

// TestSpikesSurviveSignals: SIGINT or SIGTERM mid-run leaves a whole
// -spikes file with every step up to the last one the summary counts
// (the input dot spikes at every step, so each step has records), and
// the -state file of that step.
func TestSpikesSurviveSignals(t *testing.T) {
	for _, c := range []struct {
		sig     syscall.Signal
		code    int
		backend string
	}{
		{syscall.SIGINT, exitInterrupt, "gpu"},
		{syscall.SIGTERM, exitTerm, "cpu"},
	} {
		t.Run(fmt.Sprintf("%v/%s", c.sig, c.backend), func(t *testing.T) {
			dir := t.TempDir()
			spikes, state := filepath.Join(dir, "s.npy"), filepath.Join(dir, "st.npz")
			cmd, wait := startBinary(t, os.Environ(), "steps/s",
				"-headless", "-n", "32", "-steps", "10000000", "-backend", c.backend, "-spikes", spikes, "-state", state)
			time.Sleep(300 * time.Millisecond)
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := wait()
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.code, stderr)
			}
			s := summary(t, stdout)
			count, steps := spikeFile(t, spikes)
			if count == 0 || int64(steps[len(steps)-1]) != s.Steps-1 {
				t.Fatalf("%d records, last step %d; the summary counts %d steps", count, steps[len(steps)-1], s.Steps)
			}
			want := uint32(0)
			for _, st := range steps {
				if st != want && st != want+1 {
					t.Fatalf("records jump from step %d to %d", want, st)
				}
				want = st
			}
			if _, err := os.Stat(state); err != nil {
				t.Errorf("-state after %v: %v", c.sig, err)
			}
			left, _ := filepath.Glob(filepath.Join(dir, ".*"))
			if len(left) > 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
}

// TestConfigRepeatsRun: a run's own summary, given back as -config,
// repeats it bit for bit: the same results and the same checkpoint, on
// both backends, from a fresh start and from -load.
func TestConfigRepeatsRun(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.ckpt")
	runOK(t, "-headless", "-quiet", "-backend", "cpu", "-n", "16", "-steps", "100", "-save", first)
	for _, c := range [][]string{
		{"-backend", "gpu", "-n", "24", "-steps", "300", "-seed", "9", "-rho", "0.85", "-env", "dots", "-dots", "2", "-rule", "hebbian"},
		{"-backend", "cpu", "-load", first, "-steps", "150", "-horizon", "1"},
	} {
		t.Run(c[1], func(t *testing.T) {
			a, b := filepath.Join(dir, c[1]+"a.ckpt"), filepath.Join(dir, c[1]+"b.ckpt")
			code, stdout, stderr := runCmd(t, append([]string{"-headless", "-quiet", "-save", a}, c...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			cfg := filepath.Join(dir, c[1]+"summary.json")
			os.WriteFile(cfg, []byte(lines[len(lines)-1]), 0o644)
			s1 := summary(t, stdout)
			s2 := runOK(t, "-config", cfg, "-quiet", "-save", b)
			s1.StepsPerS, s2.StepsPerS = 0, 0
			if s1 != s2 {
				t.Errorf("summaries differ:\n%+v\n%+v", s1, s2)
			}
			if !bytes.Equal(readFile(t, a), readFile(t, b)) {
				t.Error("the checkpoints differ")
			}
			// The command line overrides the file.
			s3 := runOK(t, "-config", cfg, "-quiet", "-steps", "10")
			if s3.Steps != 10 || s3.Run.Steps != 10 {
				t.Errorf("-steps 10 after -config: %d steps", s3.Steps)
			}
		})
	}
}

// TestConfigRefusesWhatItCannotRead: unknown keys and bad values exit 2
// with one line naming the key.
func TestConfigRefusesWhatItCannotRead(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ json, want string }{
		{`{"n": 8, "frobnicate": 1}`, `unknown key "frobnicate"`},
		{`{"rho": "abc"}`, `key "rho": invalid value "abc": not a number`},
		{`{"rho": 1.5}`, `invalid -rho 1.5: want a number in [0, 1]`},
		{`{"params": {"n": 8, "nope": 2}}`, `unknown key "params.nope"`},
		{`{"params": {"n": 8}, "f1": 1, "extra": 2}`, `unknown key "extra"`},
		{`{"run": {"steps": [1]}}`, `key "run.steps": want a string, number or boolean`},
		{`{"config": "x.json"}`, `key "config"`},
		{`[1, 2]`, `not a JSON object`},
		{`{"spikes": "x.csv"}`, `invalid -spikes "x.csv": want a path ending in .npy`},
	} {
		path := filepath.Join(dir, "c.json")
		os.WriteFile(path, []byte(c.json), 0o644)
		code, stdout, stderr := runCmd(t, "-headless", "-config", path)
		if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line saying %q", c.json, code, stderr, c.want)
		}
	}
	code, _, stderr := runCmd(t, "-headless", "-config", filepath.Join(dir, "missing.json"))
	if code != exitUsage || !strings.Contains(stderr, "missing.json") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}
