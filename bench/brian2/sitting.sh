#!/bin/bash
# One sitting of the CPU comparison in BENCHMARKS.md: spikecast's cpu
# backend (cpufast) and Brian2 in its two modes (bench/brian2/
# spikecast_brian2.py: float32, spikecast's arithmetic; double, the first
# version) at n=256 and n=1024, alternated ROUNDS times, so that the
# machine's drift falls on all alike. Prints one line per run: who, n,
# steps/s (cpufast also its CPU time a step, both cores together), and
# the load average before each round.
#
#   bench/brian2/sitting.sh [ROUNDS] [BUILD_DIR]
#
# ROUNDS defaults to 3. BUILD_DIR holds the Brian2 builds, made there first
# when missing (minutes each; their build time is not measured). Each
# Brian2 run is its kept binary's ./main, timed by Brian2 around its
# network loop only (not the synapse creation before it).
#
# Optional, by environment: CPUREF=1 adds the plain reference (cpuref; 20
# steps at n=1024 take it seconds); PASSIVE=1 adds each Brian2 binary again
# under OMP_WAIT_POLICY=passive (an idle OpenMP thread sleeps rather than
# spins at the barrier after each code object: slower on a quiet machine,
# faster on a busy one). SPIKECAST_VECTOR=off runs cpufast on its plain
# loop. cpufast is built with GOEXPERIMENT=simd (its vector loop) unless
# the environment sets GOEXPERIMENT.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
b2=${2:-/tmp/spikecast_brian2}
export PATH=$PATH:/usr/local/go/bin
export GOEXPERIMENT=${GOEXPERIMENT-simd} # cpufast's vector loop, as make builds it

# steps a run: n=256 and n=1024, the same for every engine
s256=2000
s1024=300

for prec in float32 double; do
	for n in 256 1024; do
		d="$b2/$prec/n$n"
		if [ ! -x "$d/main" ] || [ "$(cat "$d/steps.txt" 2>/dev/null)" != "$([ $n = 256 ] && echo $s256 || echo $s1024)" ]; then
			mkdir -p "$b2/$prec"
			/usr/bin/python3 bench/brian2/spikecast_brian2.py --precision $prec --n $n \
				--steps "$([ $n = 256 ] && echo $s256 || echo $s1024)" --keep "$b2/$prec" 2>/dev/null
		fi
	done
done
go test -c -o "$b2/cpufast.test" ./cpufast
[ "${CPUREF:-0}" = 1 ] && go test -c -o "$b2/cpuref.test" ./cpuref

# go_bench runs a test binary's BenchmarkStep at n for a fixed number of
# steps and prints its steps/s (and cpu-µs/step where it reports it).
go_bench() { # binary n steps
	"$1" -test.run '^$' -test.bench "^BenchmarkStep\$/^n=$2\$" -test.benchtime "${3}x" |
		awk -v who="$(basename "$1" .test)" -v n="$2" '/steps\/s/ {
			for (i = 1; i <= NF; i++) {
				if ($i == "steps/s") sps = $(i-1)
				if ($i == "cpu-µs/step") cpu = $(i-1)
			}
			printf "%-14s n=%-5s %10.1f steps/s", who, n, sps
			if (cpu != "") printf "   %8.1f cpu-µs/step", cpu
			printf "\n"
		}'
}
# brian2 reruns a kept standalone build; its own timer covers the network's
# run loop only.
brian2() { # precision n policy
	(cd "$b2/$1/n$2" && OMP_WAIT_POLICY=$3 ./main >/dev/null &&
		awk -v who="brian2-$1$([ "$3" = passive ] && echo -p)" -v n="$2" -v s="$(cat steps.txt)" \
			'{ printf "%-14s n=%-5s %10.1f steps/s\n", who, n, s / $1 }' results/last_run_info.txt)
}

for r in $(seq "$rounds"); do
	echo "# round $r, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	for n in 256 1024; do
		steps=$([ $n = 256 ] && echo $s256 || echo $s1024)
		go_bench "$b2/cpufast.test" $n $steps
		brian2 float32 $n active
		brian2 double $n active
		if [ "${PASSIVE:-0}" = 1 ]; then
			brian2 float32 $n passive
			brian2 double $n passive
		fi
		if [ "${CPUREF:-0}" = 1 ]; then
			go_bench "$b2/cpuref.test" $n $((steps / 10))
		fi
	done
done
