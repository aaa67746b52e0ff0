// Package atomicfile writes files that are whole or absent: the bytes go
// to a temporary file beside the target, which is renamed over it only
// when everything was written and synced. A run that fails or is
// interrupted leaves the old file (or none), never half of a new one.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File is a file being written under a temporary name in its target's
// directory; Commit renames it into place, Discard removes it.
type File struct {
	path string
	f    *os.File
	w    *bufio.Writer
	done bool
}

// Create starts a file that Commit will rename to path. The temporary
// file is named ".<base>.<random>.tmp", in path's directory (a rename
// does not cross file systems), with mode 0644.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	// CreateTemp makes the file 0600; what we write is for sharing.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &File{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// Write buffers p.
func (a *File) Write(p []byte) (int, error) { return a.w.Write(p) }

// WriteAt flushes what Write buffered, then writes p at offset off of
// the temporary file: for formats whose header is rewritten once the
// length is known (a .npy of records). Later Writes still append.
func (a *File) WriteAt(p []byte, off int64) (int, error) {
	if err := a.w.Flush(); err != nil {
		return 0, err
	}
	return a.f.WriteAt(p, off)
}

// Name is the temporary file's name, for a writer that needs a path (a
// child process); what it writes there is committed like the rest.
func (a *File) Name() string { return a.f.Name() }

// Commit flushes, syncs and closes the file, renames it to the target
// and syncs the directory, so the rename survives a crash. On error the
// temporary file is removed.
func (a *File) Commit() error {
	if a.done {
		return fmt.Errorf("write %s: already committed or discarded", a.path)
	}
	a.done = true
	err := a.w.Flush()
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	// Some file systems refuse to sync a directory; that costs nothing
	// worse than an unsynced rename.
	if d, err := os.Open(filepath.Dir(a.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Discard closes and removes the temporary file. Safe after Commit and
// safe to call twice.
func (a *File) Discard() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.f.Name())
}

// Write writes path atomically with what write puts in w.
func Write(path string, write func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Discard()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}
