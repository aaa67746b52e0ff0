// Command spikecast runs a layer of leaky integrate-and-fire neurons that
// learns, with local rules only, to predict the next frame of a moving dot.
// The network runs on OpenGL 4.3 compute shaders (-backend gpu), on a fast
// Go engine (-backend cpu) or on the pure-Go reference (-backend ref);
// -backend auto, the default, picks one. docs/MODEL.md defines the model.
//
// Usage:
//
//	spikecast [flags]
//
// Run spikecast -h for the flags. The last line of standard output is a
// one-line JSON summary of the run.
//
// This package parses and checks the command line and hands the checked
// session.Config to package session, which runs it. The model parameters'
// flags come from their declarations (cpuref.AddFlags); every other
// concern's flags are declared and checked together in a file of their
// own: persistflags.go, framesflags.go, sweepflags.go, runflags.go,
// windowflags.go, benchflags.go, recordflags.go, glflags.go,
// exportflags.go, configflags.go and presetflags.go.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"github.com/spikecast/spikecast/cpufast"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/session"
	"github.com/spikecast/spikecast/version"
)

// Exit codes: session's.
const (
	exitOK        = session.ExitOK
	exitFailure   = session.ExitFailure
	exitUsage     = session.ExitUsage
	exitInterrupt = session.ExitInterrupt
	exitTerm      = session.ExitTerm
)

// Summary is the JSON summary a run prints last.
type Summary = session.Summary

// config is everything the command line sets.
type config = session.Config

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args and runs them; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return exitUsage
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return session.Run(c, sigs, stdout, stderr)
}

// check is a flag check run after parsing; checks run in the order of
// newFlagSet's list.
type check func(fs *flag.FlagSet, args []string) error

// newFlagSet declares every flag, each concern's with its check.
func newFlagSet(c *config) (*flag.FlagSet, []check) {
	fs := flag.NewFlagSet("spikecast", flag.ContinueOnError)
	c.Params = cpuref.Defaults()
	cpuref.AddFlags(fs, &c.Params) // every model parameter, from its declaration
	var checks []check
	for _, add := range []func(*flag.FlagSet, *config) check{
		addPersistFlags, // first: -load replaces the parameters the others check
		addFramesFlags,  // then: -frames is probed, or checked against -load's
		addSweepFlags,   // before the run flags: a batch is headless
		addRunFlags,
		addWindowFlags,
		addBenchFlags,
		addRecordFlags,
		addGLFlags,
		addExportFlags,
		addConfigFlags,
		addPresetFlags,
	} {
		checks = append(checks, add(fs, c))
	}
	return fs, checks
}

// usageError is a bad command line: exit code 2, one line on stderr.
type usageError struct{ msg string }

// Error returns the message on one line: control characters (a newline
// in a file name, say) are escaped as in a Go string literal.
func (e *usageError) Error() string { return escapeControls(e.msg) }

// usagef makes a usageError.
func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// escapeControls escapes the control characters of s, so that it prints as one
// line whatever a user typed.
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// parse reads the command line into a checked config. -h and -version
// print and return flag.ErrHelp.
func parse(args []string, stdout io.Writer) (*config, error) {
	c := &config{Args: args}
	// -config's settings, as flags before the command line's; then
	// -preset's, before both.
	args, err := withConfig(args)
	if err != nil {
		return nil, err
	}
	if args, err = withPreset(args); err != nil {
		return nil, err
	}
	fs, checks := newFlagSet(c)
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, stdout)
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	if *showVersion {
		fmt.Fprintf(stdout, "spikecast %s, cpu dense loop: %s\n", version.String(), cpufast.VectorPath())
		return nil, flag.ErrHelp
	}
	if fs.NArg() > 0 && !isSet(fs, "merge") { // -merge's files may follow the flags
		return nil, usagef("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	for i, chk := range checks {
		if err := chk(fs, args); err != nil {
			return nil, err
		}
		if i == 0 {
			// The parameters, the file's with -load, before any check
			// that reads them.
			if err := c.Params.Validate(); err != nil {
				return nil, &usageError{err.Error()}
			}
		}
	}
	return c, nil
}

func printUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "Usage: spikecast [flags]\n\nA spiking network that learns to predict the next frame of a moving dot.\nThe last line of output is a JSON summary of the run.\n\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// checkWritableDir checks, before a run starts, that a file can be created
// in path's directory, so nothing asked for is lost at the end of a run.
func checkWritableDir(path string) error {
	if strings.HasSuffix(path, "/") {
		return fmt.Errorf("%s is a directory, not a file", path)
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is not a regular file", path)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".spikecast-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s", dir)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
