package sweep

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
)

func TestParse(t *testing.T) {
	base := cpuref.Defaults()
	axes, err := Parse("rho=0.8,0.85,0.9 eta=0.005..0.02:4 seed=1..5 rule=stdp,rstdp", base)
	if err != nil {
		t.Fatal(err)
	}
	want := []Axis{
		{"rho", []string{"0.8", "0.85", "0.9"}},
		{"eta", []string{"0.005", "0.01", "0.015", "0.02"}},
		{"seed", []string{"1", "2", "3", "4", "5"}},
		{"rule", []string{"stdp", "rstdp"}},
	}
	if len(axes) != len(want) {
		t.Fatalf("axes %v", axes)
	}
	for i := range want {
		if axes[i].Flag != want[i].Flag || !slices.Equal(axes[i].Values, want[i].Values) {
			t.Errorf("axis %d: %v, want %v", i, axes[i], want[i])
		}
	}
	if Size(axes) != 120 {
		t.Errorf("size %d", Size(axes))
	}
	if axes, err := Parse("n=16..64:3", base); err != nil || !slices.Equal(axes[0].Values, []string{"16", "40", "64"}) {
		t.Errorf("integer lo..hi:k: %v, %v", axes, err)
	}
}

// TestParseRejects: each bad axis is one error naming what is wrong.
func TestParseRejects(t *testing.T) {
	base := cpuref.Defaults()
	for spec, want := range map[string]string{
		"":                    "no axes",
		"foo=1,2":             "no parameter -foo",
		"preset=rich":         "-preset is not a parameter: give it as -preset NAME",
		"frames=a.mp4,b.mp4":  "a sweep reads one source",
		"rho":                 "want flag=values",
		"eta=0.02..0.005:4":   "empty range",
		"seed=5..1":           "empty range",
		"eta=0.1..0.2:0":      "empty range",
		"rho=0.5,,0.9":        "empty value",
		"rho=0.5,1.5":         "invalid -rho 1.5: want a number in [0, 1]",
		"n=0,16":              "invalid -n 0",
		"rule=stdp,oja":       `invalid -rule "oja"`,
		"rho=abc":             "not a number",
		"rho=0.1 rho=0.2":     "swept twice",
		"n=16..17:3":          "takes integers",
		"rho=0.1..0.9":        "lo..hi takes integers",
		"theta0=0.01,1":       "invalid -theta0 0.01: want a number in [theta_min=0.05, 1000]",
		"seed=1..99999999999": "at most a million",
	} {
		_, err := Parse(spec, base)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v, want %q", spec, err, want)
		}
	}
}

// TestRunsAndShards: the first axis varies slowest; the shards are
// disjoint and cover the product; a joint constraint fails the run.
func TestRunsAndShards(t *testing.T) {
	base := cpuref.Defaults()
	axes, _ := Parse("rho=0.8,0.9 seed=1..3", base)
	runs, err := Runs(axes, base)
	if err != nil || len(runs) != 6 {
		t.Fatal(runs, err)
	}
	if runs[1].Params.Rho != 0.8 || runs[1].Params.Seed != 2 || runs[3].Params.Rho != 0.9 || runs[3].Params.Seed != 1 {
		t.Errorf("order: %+v %+v", runs[1].Params, runs[3].Params)
	}
	seen := map[int]bool{}
	for i := range 4 {
		for _, r := range (Shard{i, 4}).Of(runs) {
			if seen[r.Index] || r.Index%4 != i {
				t.Errorf("shard %d/4 has run %d", i, r.Index)
			}
			seen[r.Index] = true
		}
	}
	if len(seen) != 6 {
		t.Errorf("shards cover %d of 6 runs", len(seen))
	}
	for _, bad := range []string{"3/2", "2/2", "-1/2", "1/0", "x", "1/2/3"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) passed", bad)
		}
	}
	base.LearnRec = true
	axes, _ = Parse("wrec0=0.1,0.5 wrec_max=0.2", base)
	if _, err := Runs(axes, base); err == nil || !strings.Contains(err.Error(), "run 1 (wrec_max=0.2 wrec0=0.5)") {
		t.Errorf("joint constraint: %v", err)
	}
}

// TestResults: lines written as runs finish read back with their keys; a
// cut-off last line is dropped; merging keeps each run once, in order.
func TestResults(t *testing.T) {
	dir := t.TempDir()
	base := cpuref.Defaults()
	axes, _ := Parse("rho=0.8,0.9 seed=1..2", base)
	runs, _ := Runs(axes, base)
	res := func(r Run) Result {
		return Result{Run: r.Index, Settings: Settings(r.Params), Steps: 100, F1: 0.5, Backend: "cpu"}
	}
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	for _, f := range []struct {
		path string
		runs []Run
	}{{a, []Run{runs[2], runs[0]}}, {b, []Run{runs[3], runs[0], runs[1]}}} {
		w, err := Append(f.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range f.runs {
			if err := w.Add(res(r)); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
	}
	// A run killed while writing its line.
	fb, _ := os.OpenFile(b, os.O_APPEND|os.O_WRONLY, 0)
	fb.WriteString(`{"run":9,"settings":{"n":`)
	fb.Close()
	rs, err := Read(b)
	if err != nil || len(rs) != 3 {
		t.Fatalf("read %d results: %v", len(rs), err)
	}
	if k, _ := rs[0].Key(); k != Key(runs[3].Params, 100) {
		t.Errorf("key %q", k)
	}
	// A run its -frames source ended early is keyed by the steps asked.
	early := Result{Settings: Settings(runs[3].Params), Steps: 58, StepsAsked: 100}
	if k, _ := early.Key(); k != Key(runs[3].Params, 100) {
		t.Errorf("a run ended at step 58 of 100: key %q", k)
	}
	all, err := Merge([]string{a, b})
	if err != nil || len(all) != 4 {
		t.Fatalf("merged %d: %v", len(all), err)
	}
	for i, r := range all {
		if r.Run != i {
			t.Errorf("merged[%d] is run %d", i, r.Run)
		}
	}
	out := filepath.Join(dir, "all.jsonl")
	if err := WriteAll(out, all); err != nil {
		t.Fatal(err)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "all.csv"))
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "run,steps,f1,precision,recall,hidden_rate,steps_per_s,backend,n,rho,") || !strings.HasPrefix(lines[4], "3,100,0.5,") {
		t.Errorf("csv:\n%s", csv)
	}
	// A bad line that is not the last is an error.
	os.WriteFile(a, []byte("{bad\n{\"run\":1}\n"), 0o644)
	if _, err := Read(a); err == nil || !strings.Contains(err.Error(), "a.jsonl:1") {
		t.Errorf("bad middle line: %v", err)
	}
}

// TestSettingsRoundTrip: settings read back as the parameters they came
// from, so a resumed sweep recognises its runs.
func TestSettingsRoundTrip(t *testing.T) {
	p := cpuref.Defaults()
	p.Rho, p.Seed, p.Rule, p.Eta, p.LearnRec = 0.85, 4000000000, cpuref.RuleRSTDP, 0.015, true
	got, err := ParamsOf(Settings(p))
	if err != nil || got != p {
		t.Fatalf("%+v, %v", got, err)
	}
	if _, err := ParamsOf([]byte(`{"nope":1}`)); err == nil {
		t.Error("an unknown parameter passed")
	}
}
