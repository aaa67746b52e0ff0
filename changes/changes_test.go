package changes

import (
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
)

func TestParse(t *testing.T) {
	p := cpuref.Defaults()
	got, err := Parse("# a comment\n10 eta 0.05\n\n23 -sigma_noise 0.02\n23 target_rate 0.2\n", p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1] != (Change{23, "sigma_noise", "0.02"}) || got[0].String() != "10 eta 0.05" {
		t.Errorf("got %v", got)
	}
	for _, c := range []struct{ text, want string }{
		{"5 rule hebbian\n", "cannot change while the network runs"},
		{"5 n 32\n", "cannot change"},
		{"9 eta 0.1\n5 eta 0.2\n", "line 2: step 5 before step 9"},
		{"x eta 0.1\n", "bad step"},
		{"-1 eta 0.1\n", "bad step"},
		{"1 eta\n", "want \"step flag value\""},
		{"1 nosuch 1\n", "no parameter"},
		{"1 eta -5\n", "eta"},
	} {
		if _, err := Parse(c.text, p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q): %v, want %q", c.text, err, c.want)
		}
	}
}

// fakeStepper records the parameters each step ran with.
type fakeStepper struct {
	t   int64
	p   cpuref.Params
	eta []float32 // η of each step
}

func (f *fakeStepper) T() int64                        { return f.t }
func (f *fakeStepper) Params() cpuref.Params           { return f.p }
func (f *fakeStepper) SetParams(p cpuref.Params) error { f.p = p; return nil }
func (f *fakeStepper) Step(k int) error {
	for range k {
		f.eta = append(f.eta, f.p.Eta)
		f.t++
	}
	return nil
}

// TestStep: each change applies before the step it names, whatever the
// batches the steps are asked for in.
func TestStep(t *testing.T) {
	p := cpuref.Defaults()
	list, err := Parse("3 eta 0.5\n7 eta 0.25\n7 eta 0.125\n50 eta 1\n", p)
	if err != nil {
		t.Fatal(err)
	}
	b := &fakeStepper{p: p}
	var seen []string
	pending := list
	for _, k := range []int{2, 4, 1, 5} {
		if pending, err = Step(b, pending, k, func(c Change) { seen = append(seen, c.String()) }); err != nil {
			t.Fatal(err)
		}
	}
	if len(pending) != 1 || len(seen) != 3 || b.t != 12 {
		t.Fatalf("pending %v, seen %v at step %d", pending, seen, b.t)
	}
	for i, eta := range b.eta {
		want := p.Eta
		switch {
		case i >= 7:
			want = 0.125
		case i >= 3:
			want = 0.5
		}
		if eta != want {
			t.Errorf("step %d ran with η %v, want %v", i, eta, want)
		}
	}
}

// FuzzParse: any text is changes or a one-line error, never a panic;
// what is taken is in step order and applies to the parameters.
func FuzzParse(f *testing.F) {
	f.Add("# a comment\n10 eta 0.05\n\n23 -sigma_noise 0.02\n23 target_rate 0.2\n")
	f.Add("5 rule hebbian\n")
	f.Add("9 eta 0.1\n5 eta 0.2\n")
	f.Add("1 eta NaN\n2 theta0 1e40\n3 -- x\n")
	p := cpuref.Defaults()
	f.Fuzz(func(t *testing.T, text string) {
		list, err := Parse(text, p)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of several lines: %q", err)
			}
			return
		}
		q := p
		for i, c := range list {
			if i > 0 && c.Step < list[i-1].Step {
				t.Fatalf("change %d (%v) before its predecessor", i, c)
			}
			if q, err = Apply(q, c); err != nil {
				t.Fatalf("change %v taken but does not apply: %v", c, err)
			}
		}
	})
}
