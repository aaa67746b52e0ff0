package cpuref

import (
	"errors"
	"flag"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestEveryParamRange checks every declared parameter against its own
// range tags, so a parameter added later is covered without a change
// here: its bounds are accepted, values just outside them, NaN and ±Inf
// are refused with a *RangeError naming its flag, and an enum refuses a
// value not in its list. (TestValidate checks the ranges of the
// parameters there were then against numbers typed by hand.)
func TestEveryParamRange(t *testing.T) {
	for _, s := range ParamSpecs() {
		p := Defaults()
		refused := func(what string) {
			t.Helper()
			err := p.Validate()
			var re *RangeError
			if !errors.As(err, &re) || re.Flag != s.Flag {
				t.Errorf("-%s %s: Validate = %v, want a *RangeError naming -%s", s.Flag, what, err, s.Flag)
			}
		}
		accepted := func(what string) {
			t.Helper()
			err := p.Validate()
			var re *RangeError
			if errors.As(err, &re) && re.Flag != s.Flag {
				// A parameter whose range names this one may now be out
				// of it (theta0 below a raised theta_min): fine.
				if o, _ := ParamByFlag(re.Flag); o.Min == s.Flag || o.Max == s.Flag {
					return
				}
			}
			if err != nil {
				t.Errorf("-%s %s: %v", s.Flag, what, err)
			}
		}
		switch {
		case s.Enum != nil:
			for _, e := range s.Enum {
				p = Defaults()
				if s.Flag == "env" && e == "mouse" {
					continue // valid parameters; -headless refuses it elsewhere
				}
				s.set(&p, e)
				accepted(e)
			}
			p = Defaults()
			s.set(&p, "no-such-"+s.Flag)
			refused("no-such-" + s.Flag)
		case s.kind.String() == "float32":
			lo, _ := s.bound(s.Min, p)
			hi, _ := s.bound(s.Max, p)
			for _, v := range []float64{lo, hi} {
				p = Defaults()
				s.set(&p, strconv.FormatFloat(v, 'g', -1, 32))
				accepted(strconv.FormatFloat(v, 'g', -1, 32))
			}
			for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), lo - 1e-3*max(1, math.Abs(lo)), hi + 1e-3*max(1, math.Abs(hi))} {
				p = Defaults()
				reflectSetFloat(&p, s, v)
				refused(strconv.FormatFloat(v, 'g', -1, 64))
			}
		case s.kind.String() == "int":
			lo, _ := s.bound(s.Min, p)
			hi, _ := s.bound(s.Max, p)
			for _, v := range []int{int(lo) - 1, int(hi) + 1} {
				p = Defaults()
				s.set(&p, strconv.Itoa(v))
				refused(strconv.Itoa(v))
			}
		}
	}
}

// reflectSetFloat sets the parameter's field to v, which the flag's
// parser would refuse (NaN, ±Inf) or round.
func reflectSetFloat(p *Params, s ParamSpec, v float64) {
	reflect.ValueOf(p).Elem().Field(s.index).SetFloat(v)
}

// TestFlagsFromDeclarations: every parameter has a flag with its default
// and a help line naming its range, and setting the flag sets the field.
func TestFlagsFromDeclarations(t *testing.T) {
	var p Params
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	AddFlags(fs, &p)
	if p != Defaults() {
		t.Fatalf("AddFlags left %+v, want the defaults", p)
	}
	for _, s := range ParamSpecs() {
		f := fs.Lookup(s.Flag)
		if f == nil {
			t.Errorf("no flag -%s", s.Flag)
			continue
		}
		if f.DefValue != s.Default && !(s.kind.String() == "float32" && f.DefValue == strconv.FormatFloat(mustFloat(t, s.Default), 'g', -1, 32)) {
			t.Errorf("-%s default %q, declared %q", s.Flag, f.DefValue, s.Default)
		}
		if r := strings.ReplaceAll(s.RangeText(), "`", ""); r != "" && !strings.Contains(f.Usage, r) {
			t.Errorf("-%s help %q does not give its range %q", s.Flag, f.Usage, r)
		}
	}
	if err := fs.Parse([]string{"-eta_theta", "0.25", "-rule", "hebbian", "-rrec", "3", "-learn_rec", "-seed", "7"}); err != nil {
		t.Fatal(err)
	}
	if p.EtaTheta != 0.25 || p.Rule != RuleHebbian || p.RRec != 3 || !p.LearnRec || p.Seed != 7 {
		t.Errorf("parsed %+v", p)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	f, err := strconv.ParseFloat(s, 32)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
