// Command capi is spikecast as a C shared library, for programs in other
// languages: the Python package (python/spikecast) loads it with ctypes.
// Build it with
//
//	go build -buildmode=c-shared -o libspikecast.so ./capi
//
// A network is a handle (an int64 above 0). Every function returns an
// error kind (0: none, 1: bad input, 2: a failure of the engine or GL,
// 3: the end of the frames) and, when it is not 0, a message in *err;
// results other than bulk arrays come as JSON strings in *out. Strings
// the library returns are freed with sc_free. Bulk arrays are copied
// into memory the caller owns. No call panics across the boundary: a Go
// panic becomes an error of kind 2.
//
// Threads: any thread may call; the calls on one network take turns. A
// gpu backend runs its GL work on its context's own locked OS thread
// (gpu.Context), never on the caller's, so a caller needs no GL of its
// own and may release the GIL around every call.
package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"sync"
	"unsafe"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/version"
)

func main() {}

// The networks of the process, by handle.
var (
	netsMu sync.Mutex
	nets   = map[int64]*network{}
	lastID int64
)

// lookup returns the network of handle h, locked; unlock when done.
func lookup(h int64) (*network, error) {
	netsMu.Lock()
	nt := nets[h]
	netsMu.Unlock()
	if nt == nil {
		return nil, inputf("the network is closed")
	}
	nt.mu.Lock()
	if nt.b == nil {
		nt.mu.Unlock()
		return nil, inputf("the network is closed")
	}
	return nt, nil
}

// finish stores err (with its kind) for the caller and returns the kind;
// a panic becomes a runtime error.
func finish(errOut **C.char, err *error) C.int {
	if r := recover(); r != nil {
		*err = fmt.Errorf("capi: internal error: %v", r)
	}
	if *err == nil {
		return kindOK
	}
	if errOut != nil {
		*errOut = C.CString((*err).Error())
	}
	return C.int(kindOf(*err))
}

// withNet runs f on the locked network of handle h, on a goroutine of
// its own: a call from C runs on a goroutine locked to the caller's
// thread, and every time such a goroutine waits (for the CPU engine's
// workers, several times a step) waking it means waking that very
// thread, which made a step of the cpu backend several times slower
// than in the command. The caller's goroutine waits once per call.
func withNet(h C.int64_t, errOut **C.char, f func(nt *network) error) (kind C.int) {
	var err error
	defer func() { kind = finish(errOut, &err) }()
	nt, err := lookup(int64(h))
	if err != nil {
		return
	}
	defer nt.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("capi: internal error: %v", r)
			}
		}()
		done <- f(nt)
	}()
	err = <-done
	return
}

// bytesAt is n bytes of the caller's memory at p.
func bytesAt(p unsafe.Pointer, n C.int64_t) []byte {
	if n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), int(n))
}

// fieldBytes is a state buffer's memory as bytes (little-endian hosts).
func fieldBytes(f cpuref.Field) []byte {
	var p unsafe.Pointer
	n := f.Len()
	if n == 0 {
		return nil
	}
	switch {
	case f.F32 != nil:
		p = unsafe.Pointer(&(*f.F32)[0])
	case f.U32 != nil:
		p = unsafe.Pointer(&(*f.U32)[0])
	default:
		p = unsafe.Pointer(&(*f.I32)[0])
	}
	return unsafe.Slice((*byte)(p), 4*n)
}

//export sc_free
func sc_free(s *C.char) { C.free(unsafe.Pointer(s)) }

//export sc_version
func sc_version() *C.char { return C.CString(version.String()) }

//export sc_list_gpus
func sc_list_gpus(out, errOut **C.char) (kind C.int) {
	var err error
	defer func() { kind = finish(errOut, &err) }()
	devices, err := gpu.ListDevices()
	if err != nil {
		return
	}
	type dev struct {
		gpu.DeviceInfo
		Text string `json:"text"`
	}
	list := make([]dev, len(devices))
	for i, d := range devices {
		list[i] = dev{d, d.String()}
	}
	b, _ := json.Marshal(list)
	*out = C.CString(string(b))
	return
}

//export sc_new
func sc_new(settingsJSON *C.char, handle *C.int64_t, errOut **C.char) (kind C.int) {
	var err error
	defer func() { kind = finish(errOut, &err) }()
	var s settings
	if err = json.Unmarshal([]byte(C.GoString(settingsJSON)), &s); err != nil {
		err = fmt.Errorf("capi: settings: %w", err)
		return
	}
	nt, err := newNetwork(s)
	if err != nil {
		return
	}
	netsMu.Lock()
	lastID++
	nets[lastID] = nt
	*handle = C.int64_t(lastID)
	netsMu.Unlock()
	return
}

//export sc_close
func sc_close(h C.int64_t) {
	defer func() { recover() }()
	netsMu.Lock()
	nt := nets[int64(h)]
	delete(nets, int64(h))
	netsMu.Unlock()
	if nt != nil {
		nt.mu.Lock()
		defer nt.mu.Unlock()
		nt.release()
	}
}

//export sc_step
func sc_step(h C.int64_t, k C.int64_t, t *C.int64_t, errOut **C.char) C.int {
	return withNet(h, errOut, func(nt *network) error {
		err := nt.step(int(k))
		*t = C.int64_t(nt.b.T())
		return err
	})
}

//export sc_feed
func sc_feed(h C.int64_t, descr *C.char, shape *C.int64_t, rank C.int, data unsafe.Pointer, nbytes C.int64_t, k *C.int64_t, errOut **C.char) C.int {
	return withNet(h, errOut, func(nt *network) error {
		sh := make([]int64, int(rank))
		for i, v := range unsafe.Slice((*C.int64_t)(shape), int(rank)) {
			sh[i] = int64(v)
		}
		steps, err := nt.feedFrames(C.GoString(descr), sh, bytesAt(data, nbytes), int64(*k))
		*k = C.int64_t(steps)
		return err
	})
}

//export sc_measures
func sc_measures(h C.int64_t, out, errOut **C.char) C.int {
	return withNet(h, errOut, func(nt *network) error {
		s, err := nt.measuresJSON()
		if err == nil {
			*out = C.CString(s)
		}
		return err
	})
}

//export sc_info
func sc_info(h C.int64_t, out, errOut **C.char) C.int {
	return withNet(h, errOut, func(nt *network) error {
		*out = C.CString(nt.infoJSON())
		return nil
	})
}

//export sc_set
func sc_set(h C.int64_t, paramsJSON *C.char, errOut **C.char) C.int {
	return withNet(h, errOut, func(nt *network) error {
		var m map[string]string
		if err := json.Unmarshal([]byte(C.GoString(paramsJSON)), &m); err != nil {
			return fmt.Errorf("capi: parameters: %w", err)
		}
		return nt.set(m)
	})
}

//export sc_save
func sc_save(h C.int64_t, path *C.char, errOut **C.char) C.int {
	return withNet(h, errOut, func(nt *network) error { return nt.save(C.GoString(path)) })
}

//export sc_state
func sc_state(h C.int64_t, out, errOut **C.char) C.int {
	return withNet(h, errOut, func(nt *network) error {
		s, err := nt.readState()
		if err == nil {
			*out = C.CString(s)
		}
		return err
	})
}

//export sc_state_copy
func sc_state_copy(h C.int64_t, i C.int, dst unsafe.Pointer, nbytes C.int64_t, errOut **C.char) C.int {
	return withNet(h, errOut, func(nt *network) error {
		b, err := nt.stateBytes(int(i))
		if err != nil {
			return err
		}
		if int64(len(b)) != int64(nbytes) {
			return fmt.Errorf("capi: array %d has %d bytes, not %d", int(i), len(b), int64(nbytes))
		}
		copy(bytesAt(dst, nbytes), b)
		return nil
	})
}

//export sc_picture
func sc_picture(h C.int64_t, w, hgt C.int, layout, views *C.char, dst unsafe.Pointer, nbytes C.int64_t, errOut **C.char) C.int {
	return withNet(h, errOut, func(nt *network) error {
		rgb, err := nt.picture(int(w), int(hgt), C.GoString(layout), C.GoString(views))
		if err != nil {
			return err
		}
		if int64(len(rgb)) != int64(nbytes) {
			return fmt.Errorf("capi: picture of %d bytes, not %d", len(rgb), int64(nbytes))
		}
		copy(bytesAt(dst, nbytes), rgb)
		return nil
	})
}
