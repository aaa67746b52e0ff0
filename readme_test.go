package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
)

// machineDefaults are flags whose default depends on the machine, which
// the README says in words.
var machineDefaults = map[string]string{"workers": "all CPUs"}

// TestReadmeFlagTable keeps README.md's table of the flags that are not
// model parameters (those have their own generated table, checked in
// cpuref) true: every flag it lists exists with the default it gives,
// and every such flag the program has is listed.
func TestReadmeFlagTable(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "The other flags run, show and keep the simulation:")
	if start < 0 {
		t.Fatal("README.md has no table of the other flags")
	}
	listed := map[string]string{} // flag → default as written
	for _, line := range strings.Split(doc[start:], "\n")[1:] {
		if strings.TrimSpace(line) == "" && len(listed) > 0 {
			break
		}
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`-") {
			continue
		}
		names := strings.Split(strings.TrimSpace(cells[1]), ", ")
		defs := strings.Split(strings.TrimSpace(cells[2]), ", ")
		for i, n := range names {
			d := ""
			if len(defs) == len(names) {
				d = defs[i]
			} else if len(names) == 1 {
				d = strings.TrimSpace(cells[2])
			}
			listed[strings.Trim(n, "`-")] = d
		}
	}
	var c config
	fs, _ := newFlagSet(&c)
	params := map[string]bool{}
	for _, s := range cpuref.ParamSpecs() {
		params[s.Flag] = true
	}
	fs.VisitAll(func(f *flag.Flag) {
		if params[f.Name] {
			if _, ok := listed[f.Name]; ok {
				t.Errorf("-%s is a model parameter: its row belongs in the generated table, not the other flags'", f.Name)
			}
			return
		}
		d, ok := listed[f.Name]
		if !ok {
			t.Errorf("-%s (default %q) is missing from README.md's table of the other flags", f.Name, f.DefValue)
			return
		}
		want := f.DefValue
		if w, ok := machineDefaults[f.Name]; ok {
			want = w
		}
		if d != want && !(d == "" && want == "") {
			t.Errorf("README.md gives -%s the default %q; the program's is %q", f.Name, d, want)
		}
	})
	for name := range listed {
		if fs.Lookup(name) == nil && name != "version" { // parse declares -version
			t.Errorf("README.md lists -%s, which the program does not have", name)
		}
	}
}
