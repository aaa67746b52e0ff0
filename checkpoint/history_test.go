package checkpoint

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestHistoryRoundTrip: a checkpoint written with a history reads back
// with the same history and the same network; one written without reads
// back with none, as does a version 2 file.
func TestHistoryRoundTrip(t *testing.T) {
	p := small(5)
	st := stepped(t, p, 300)
	h := NewHistory()
	for s := int64(64); s <= 256; s += 64 {
		h.Add(s, float64(s)/1000, 0.01)
	}
	path := filepath.Join(t.TempDir(), "h.ckpt")
	if err := WriteWith(path, p, st, h); err != nil {
		t.Fatal(err)
	}
	gp, gst, gh, err := ReadWith(path)
	if err != nil {
		t.Fatal(err)
	}
	if gp != p || sameState(gst, st) != nil {
		t.Fatal("network differs after a round trip with a history")
	}
	if !reflect.DeepEqual(gh, h) {
		t.Fatalf("history %+v, want %+v", gh, h)
	}
	// Read, which knows nothing of histories, reads the same network.
	if _, st2, err := Read(path); err != nil || sameState(st2, st) != nil {
		t.Fatalf("Read of a file with a history: %v", err)
	}
	if err := Write(path, p, st); err != nil {
		t.Fatal(err)
	}
	if _, _, gh, err := ReadWith(path); err != nil || gh != nil {
		t.Fatalf("file without a history: history %v, %v", gh, err)
	}
	if _, _, gh, err := ReadWith(filepath.Join("testdata", "v2_n9.ckpt")); err != nil || gh != nil {
		t.Fatalf("version 2 file: history %v, %v", gh, err)
	}
}

// TestHistorySkipsUnknownSection: a section this build does not know is
// skipped, so a later build may add one without a new version.
func TestHistorySkipsUnknownSection(t *testing.T) {
	p := small(3)
	st := stepped(t, p, 10)
	b := encode(t, p, st)
	sec := append([]byte{5}, "later"...)
	sec = binary.LittleEndian.AppendUint64(sec, 3)
	sec = append(sec, 1, 2, 3)
	nb := append(append(append([]byte(nil), b[:len(b)-4]...), sec...), 0, 0, 0, 0)
	binary.LittleEndian.PutUint64(nb[len(Magic)+4:], uint64(len(nb)))
	nb = reseal(nb)
	_, got, h, err := DecodeWith(bytes.NewReader(nb), int64(len(nb)))
	if err != nil || h != nil || sameState(got, st) != nil {
		t.Fatalf("unknown section: history %v, %v", h, err)
	}
}

// TestHistoryRejected: a history Read would refuse is not written, and a
// resealed file with a bad one is refused with the reason.
func TestHistoryRejected(t *testing.T) {
	p := small(3)
	st := stepped(t, p, 100)
	bad := map[string]*History{
		"stride":     {Every: 0},
		"after T":    {Every: 64, Steps: []int64{128}, F1: []float32{0.5}, Rate: []float32{0}},
		"decreasing": {Every: 1, Steps: []int64{5, 4}, F1: []float32{0, 0}, Rate: []float32{0, 0}},
		"F1 above 1": {Every: 1, Steps: []int64{5}, F1: []float32{2}, Rate: []float32{0}},
		"lengths":    {Every: 1, Steps: []int64{5}, F1: []float32{0.1}},
	}
	for name, h := range bad {
		var b bytes.Buffer
		if err := EncodeWith(&b, p, st, h); err == nil || !strings.Contains(err.Error(), "history") {
			t.Errorf("%s: written (%v)", name, err)
		}
	}
	// A good history whose step is moved past T in the file.
	h := &History{Every: 1, Steps: []int64{50}, F1: []float32{0.5}, Rate: []float32{0.1}}
	var b bytes.Buffer
	if err := EncodeWith(&b, p, st, h); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	binary.LittleEndian.PutUint64(data[len(data)-4-16:], 1000)
	data = reseal(data)
	if _, _, _, err := DecodeWith(bytes.NewReader(data), int64(len(data))); err == nil || !strings.Contains(err.Error(), "history") {
		t.Fatalf("sample past T accepted: %v", err)
	}
}

// TestHistoryAdd: the history halves when full, keeping the whole run,
// and a rewind drops the samples it undoes.
func TestHistoryAdd(t *testing.T) {
	h := NewHistory()
	for s := int64(HistoryEvery); s <= HistoryEvery*MaxHistory*3; s += h.Every {
		if h.Due(s) {
			h.Add(s, 0.5, 0.1)
		}
	}
	if len(h.Steps) >= MaxHistory || h.Steps[len(h.Steps)-1] != HistoryEvery*MaxHistory*3 || h.Every != 4*HistoryEvery {
		t.Fatalf("%d samples, last %d, stride %d", len(h.Steps), h.Steps[len(h.Steps)-1], h.Every)
	}
	for _, s := range h.Steps {
		if s%h.Every != 0 {
			t.Fatalf("sample at %d, stride %d", s, h.Every)
		}
	}
	h.Add(h.Every*10, 0, 0)
	if len(h.Steps) != 10 || h.Steps[9] != h.Every*10 {
		t.Fatalf("after a rewind: %d samples, last %d", len(h.Steps), h.Steps[len(h.Steps)-1])
	}
}
