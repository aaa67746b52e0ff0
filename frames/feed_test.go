package frames

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
)

// TestFeedMatchesNPY: frames appended to a Feed, in two parts, are the
// bits the same frames read from a .npy source give, with the threshold
// and with the event rule running across the parts.
func TestFeedMatchesNPY(t *testing.T) {
	const tt, h, w, n = 12, 9, 14, 6
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, tt*h*w)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	path := writeNPY(t, t.TempDir(), "|u1", tt, h, w, data)
	for _, events := range []float32{0, 0.3} {
		p := params(path, n)
		p.Events = events
		want := readAll(t, p, tt)
		f := NewFeed(p, 0)
		cut := 5 * h * w
		if err := f.Append("|u1", []int64{5, h, w}, data[:cut]); err != nil {
			t.Fatal(err)
		}
		if err := f.Append("|u1", []int64{tt - 5, h, w}, data[cut:]); err != nil {
			t.Fatal(err)
		}
		dst := make([]uint32, cpuref.PlainWords(n))
		for i := range tt {
			if err := f.FrameBits(int64(i), dst); err != nil {
				t.Fatal(err)
			}
			if got := cellsOf(dst, n); !reflect.DeepEqual(got, want[i]) {
				t.Fatalf("events %g, frame %d: feed %v, .npy %v", events, i, got, want[i])
			}
		}
		f.Drop(tt - 1)
		if err := f.FrameBits(tt-2, dst); !errors.Is(err, cpuref.ErrEndOfSource) {
			t.Errorf("a dropped frame: %v, want the end of the source", err)
		}
		if err := f.FrameBits(tt, dst); !errors.Is(err, cpuref.ErrEndOfSource) {
			t.Errorf("a frame not appended: %v, want the end of the source", err)
		}
	}
}

// TestFeedRefuses: bad arrays are refused whole, with what is wrong.
func TestFeedRefuses(t *testing.T) {
	f := NewFeed(params(FeedSource, 4), 0)
	for _, c := range []struct {
		descr string
		shape []int64
		bytes int
	}{
		{"<i8", []int64{1, 2, 2}, 32},
		{"|u1", []int64{2, 2}, 4},
		{"|u1", []int64{1, 0, 2}, 0},
		{"|u1", []int64{2, 2, 2}, 7},
	} {
		if err := f.Append(c.descr, c.shape, make([]byte, c.bytes)); err == nil {
			t.Errorf("%s %v accepted", c.descr, c.shape)
		}
	}
	if f.End() != 0 {
		t.Errorf("End %d after refusals, want 0", f.End())
	}
}
