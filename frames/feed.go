package frames

import (
	"fmt"
	"sync"

	"github.com/spikecast/spikecast/cpuref"
)

// FeedSource is the -frames value of a network whose frames are handed
// over from memory (a Feed) rather than read from a file: a program that
// embeds spikecast (the Python module) appends arrays as it goes.
const FeedSource = "numpy:"

// Feed is a cpuref.FrameSource fed from memory: frames are appended as
// arrays of the element types a .npy source takes, and each is scaled and
// made binary exactly as a -frames source's frame is (the same scaler and
// binariser, the event rule running on across appends as it runs across
// a file's frames). Frame t of the run is the t-th frame appended after
// the first frame t0 the feed was made for. A Feed keeps the frames from
// the oldest a step may still ask for (Drop) to the last appended.
type Feed struct {
	mu     sync.Mutex
	bin    *binariser
	base   int64      // frame index of bits[0]
	bits   [][]uint32 // binary frames base, base+1, …
	events bool
}

// NewFeed makes an empty feed for a network of parameters p whose next
// step reads frame t0.
func NewFeed(p cpuref.Params, t0 int64) *Feed {
	set := SettingsOf(p)
	return &Feed{bin: newBinariser(set), base: t0, events: set.Events > 0}
}

// Append adds frames given as a C-ordered (T, H, W) array: shape, its
// NumPy dtype string descr ("|u1", "|b1" or "<f4") and its bytes. It
// checks them as a .npy source is checked and adds nothing when they are
// refused.
func (f *Feed) Append(descr string, shape []int64, data []byte) error {
	item := npyItem(descr)
	if item == 0 {
		return fmt.Errorf("frames of dtype %q: want uint8 (|u1), bool (|b1) or float32 (<f4)", descr)
	}
	if len(shape) != 3 {
		return fmt.Errorf("frames of shape %v (rank %d): want (T, H, W), rank 3", shape, len(shape))
	}
	if shape[0] < 0 || shape[1] <= 0 || shape[2] <= 0 || shape[1] > 1<<16 || shape[2] > 1<<16 {
		return fmt.Errorf("frames of shape %v: frames of %d×%d pixels", shape, shape[2], shape[1])
	}
	frame := int(shape[1] * shape[2] * int64(item))
	if int64(len(data)) != shape[0]*int64(frame) {
		return fmt.Errorf("frames of shape %v: %d bytes, want %d", shape, len(data), shape[0]*int64(frame))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range int(shape[0]) {
		g := greyOfNPY(descr, data[i*frame:(i+1)*frame], int(shape[2]), int(shape[1]))
		f.bits = append(f.bits, f.bin.frame(g))
	}
	return nil
}

// End is the index of the frame after the last appended: a step t needs
// t + horizon < End.
func (f *Feed) End() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.base + int64(len(f.bits))
}

// Drop forgets the frames before t, which no later step reads.
func (f *Feed) Drop(t int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := min(max(t-f.base, 0), int64(len(f.bits)))
	f.bits = append(f.bits[:0], f.bits[k:]...)
	f.base += k
}

// Frame implements cpuref.Stimulus: a feed has no rectangles.
func (f *Feed) Frame(t int64, dst []cpuref.Rect) []cpuref.Rect { return dst }

// FrameBits implements cpuref.FrameSource. A frame not appended yet, or
// dropped, is the end of the source.
func (f *Feed) FrameBits(t int64, dst []uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t < f.base || t >= f.base+int64(len(f.bits)) {
		return &EndError{Source: FeedSource, Frames: f.base + int64(len(f.bits))}
	}
	copy(dst, f.bits[t-f.base])
	return nil
}
