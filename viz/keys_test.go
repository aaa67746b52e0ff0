package viz

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestReadmeKeyTable: the README's key table lists the key table's keys,
// in its order (the help overlay's), and no others.
func TestReadmeKeyTable(t *testing.T) {
	text, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(text), "\n")
	i := slices.Index(lines, "| key | |")
	if i < 0 {
		t.Fatal(`README.md has no "| key | |" table`)
	}
	var readme []string
	for _, l := range lines[i+2:] {
		if !strings.HasPrefix(l, "|") {
			break
		}
		cells := strings.Split(l, "|")
		if len(cells) != 4 || strings.TrimSpace(cells[2]) == "" {
			t.Errorf("README key row %q: want | key | what it does |", l)
			continue
		}
		readme = append(readme, strings.TrimSpace(cells[1]))
	}
	var want []string
	for _, b := range keyTable {
		if b.label != "" {
			want = append(want, b.label)
		}
	}
	if !slices.Equal(readme, want) {
		t.Errorf("README key table lists\n%q\nthe key table\n%q", readme, want)
	}
}

// TestKeyTableBindsOnce: no key or character is bound twice, and every
// row that does something is bound to something.
func TestKeyTableBindsOnce(t *testing.T) {
	seenKey := map[any]string{}
	for _, b := range keyTable {
		if b.do != nil && len(b.keys) == 0 && len(b.chars) == 0 {
			t.Errorf("%q has an action and no key", b.label)
		}
		for _, k := range b.keys {
			if o, ok := seenKey[k]; ok {
				t.Errorf("key %d bound by %q and %q", k, o, b.label)
			}
			seenKey[k] = b.label
		}
		for _, r := range b.chars {
			if o, ok := seenKey[r]; ok {
				t.Errorf("character %q bound by %q and %q", r, o, b.label)
			}
			seenKey[r] = b.label
		}
	}
}
