package sweep

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/atomicfile"
	"github.com/spikecast/spikecast/cpuref"
)

// Result is one finished network: a line of -sweep_out, and of standard
// output in a -batch run.
type Result struct {
	Run        int             `json:"run"` // index in the sweep's product (in a -batch run without -sweep: the network, 0…B−1)
	Settings   json.RawMessage `json:"settings"`
	Steps      int64           `json:"steps"`
	StepsAsked int64           `json:"steps_asked,omitempty"` // -steps, when the run ended before (at the end of a -frames source)
	F1         float64         `json:"f1"`
	Precision  float64         `json:"precision"`
	Recall     float64         `json:"recall"`
	HiddenRate float64         `json:"hidden_rate"`
	StepsPerS  float64         `json:"steps_per_s"` // this network's steps over its own wall time, shared with the others of its batch
	Backend    string          `json:"backend"`
}

// Key is what identifies a run whatever computed it: its full settings
// and its steps (the backends compute the same bits, so the backend is
// not part of it).
func Key(p cpuref.Params, steps int64) string {
	return string(Settings(p)) + " steps=" + strconv.FormatInt(steps, 10)
}

// Key is r's key; an error when its settings do not read back.
func (r Result) Key() (string, error) {
	p, err := ParamsOf(r.Settings)
	if err != nil {
		return "", err
	}
	if r.StepsAsked > 0 {
		return Key(p, r.StepsAsked), nil
	}
	return Key(p, r.Steps), nil
}

// Read reads a results file. A last line cut short (a run killed while
// writing it) is dropped; any other bad line is an error with its number.
func Read(path string) ([]Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Result
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	var bad error
	for line := 1; sc.Scan(); line++ {
		if bad != nil {
			return nil, bad // the bad line was not the last
		}
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var r Result
		if err := json.Unmarshal([]byte(text), &r); err != nil {
			bad = fmt.Errorf("%s:%d: %v", path, line, err)
			continue
		}
		if _, err := r.Key(); err != nil {
			return nil, fmt.Errorf("%s:%d: settings: %v", path, line, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// Appender adds results to a file as runs finish, each line written
// whole and synced, so that an interrupted sweep keeps every finished run.
type Appender struct{ f *os.File }

// Append opens path for appending, creating it.
func Append(path string) (*Appender, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &Appender{f}, nil
}

// Add writes r as one line and syncs it.
func (a *Appender) Add(r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := a.f.Write(append(b, '\n')); err != nil {
		return err
	}
	return a.f.Sync()
}

// Close closes the file.
func (a *Appender) Close() error { return a.f.Close() }

// CSVPath is the table beside a results file: FILE.csv for FILE.jsonl.
func CSVPath(jsonl string) string {
	return strings.TrimSuffix(jsonl, ".jsonl") + ".csv"
}

// WriteCSV writes the results as a table, one row a run: the results,
// then every parameter by flag name.
func WriteCSV(path string, rs []Result) error {
	specs := cpuref.ParamSpecs()
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		head := []string{"run", "steps", "f1", "precision", "recall", "hidden_rate", "steps_per_s", "backend"}
		for _, s := range specs {
			head = append(head, s.Flag)
		}
		cw.Write(head)
		for _, r := range rs {
			p, err := ParamsOf(r.Settings)
			if err != nil {
				return err
			}
			f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
			row := []string{strconv.Itoa(r.Run), strconv.FormatInt(r.Steps, 10), f(r.F1), f(r.Precision), f(r.Recall), f(r.HiddenRate), f(r.StepsPerS), r.Backend}
			for _, s := range specs {
				row = append(row, s.Format(p))
			}
			cw.Write(row)
		}
		cw.Flush()
		return cw.Error()
	})
}

// Merge reads the results files, keeps each run once (by Key: a run
// finished in two shards, or before and after a resume, is the same bits)
// and returns them ordered by run index, then key.
func Merge(paths []string) ([]Result, error) {
	seen := map[string]bool{}
	type keyed struct {
		r Result
		k string
	}
	var all []keyed
	for _, path := range paths {
		rs, err := Read(path)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			k, _ := r.Key() // Read checked it
			if seen[k] {
				continue
			}
			seen[k] = true
			all = append(all, keyed{r, k})
		}
	}
	slices.SortStableFunc(all, func(a, b keyed) int {
		if a.r.Run != b.r.Run {
			return a.r.Run - b.r.Run
		}
		return strings.Compare(a.k, b.k)
	})
	out := make([]Result, len(all))
	for i, a := range all {
		out[i] = a.r
	}
	return out, nil
}

// WriteAll replaces path with the results, one line each, and writes the
// CSV table beside it.
func WriteAll(path string, rs []Result) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		for _, r := range rs {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return WriteCSV(CSVPath(path), rs)
}
