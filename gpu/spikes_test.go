package gpu

import (
	"math/rand"
	"testing"
)

// TestDecodeBitsInvertsPacking: decodeBits lists exactly the cells the
// packers set, for plain and overlapping spike bit sets, at sizes that
// are and are not multiples of a word.
func TestDecodeBitsInvertsPacking(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{1, 5, 16, 17, 32, 33, 70} {
		cells := make([]uint32, n*n)
		var want []uint32
		for i := range cells {
			if r.Intn(4) == 0 {
				cells[i] = 1
				want = append(want, uint32(i))
			}
		}
		for _, plain := range []bool{true, false} {
			words := bitsOf(cells, n)
			if plain {
				words = plainBitsOf(cells, n)
			}
			// As the third plane of a layer of several cells a pixel:
			// every cell offset by 2·n².
			base := 2 * n * n
			got := decodeBits(words, n, base, plain, nil)
			if len(got) != len(want) {
				t.Fatalf("n=%d plain=%v: %d cells decoded, want %d", n, plain, len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i]+uint32(base) {
					t.Fatalf("n=%d plain=%v: cell %d decoded as %d, want %d", n, plain, i, got[i], want[i]+uint32(base))
				}
			}
		}
	}
}

// BenchmarkDecodeBits: the host's cost a step of -spikes at n=256 with
// a hidden rate of 0.1 (the spike bit set, 6,500 cells).
func BenchmarkDecodeBits(b *testing.B) {
	const n = 256
	r := rand.New(rand.NewSource(1))
	cells := make([]uint32, n*n)
	for i := range cells {
		if r.Intn(10) == 0 {
			cells[i] = 1
		}
	}
	words := bitsOf(cells, n)
	dst := make([]uint32, 0, n*n)
	for b.Loop() {
		dst = decodeBits(words, n, 0, false, dst[:0])
	}
}
