#!/bin/bash
# One sitting of the CPU comparison in BENCHMARKS.md: cpufast, cpuref and
# Brian2 at n=256 and n=1024, alternated ROUNDS times, so that the machine's
# drift falls on all three alike. Prints one line per run: who, n, steps/s.
#
#   bench/brian2/sitting.sh [ROUNDS] [BUILD_DIR]
#
# Also prints the load average before each round.
#
# BUILD_DIR holds the Brian2 builds (made here first when missing, which
# takes minutes; their build time is not measured).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
b2=${2:-/tmp/spikecast_brian2}
export PATH=$PATH:/usr/local/go/bin

if [ ! -x "$b2/n256/main" ] || [ ! -x "$b2/n1024/main" ]; then
	mkdir -p "$b2"
	/usr/bin/python3 bench/brian2/spikecast_brian2.py --n 256 --steps 1000 --keep "$b2" 2>/dev/null
	/usr/bin/python3 bench/brian2/spikecast_brian2.py --n 1024 --steps 100 --keep "$b2" 2>/dev/null
fi
go test -c -o "$b2/cpufast.test" ./cpufast
go test -c -o "$b2/cpuref.test" ./cpuref

# go runs a test binary's benchmark for a fixed number of steps and prints
# its steps/s.
go_bench() { # binary n steps
	"$1" -test.run '^$' -test.bench "^BenchmarkStep\$/^n=$2\$" -test.benchtime "${3}x" |
		awk -v who="$(basename "$1" .test)" -v n="$2" '/steps\/s/ { for (i = 1; i <= NF; i++) if ($i == "steps/s") printf "%-8s n=%-5s %10.1f steps/s\n", who, n, $(i-1) }'
}
# brian2 reruns a kept standalone build; its own timer covers the network's
# run loop only.
# OMP_WAIT_POLICY=passive (brian2p) makes an idle OpenMP thread sleep rather
# than spin at the barrier after each code object: on a machine shared with
# other work a spinning thread holds a core the other thread needs.
brian2() { # n policy
	(cd "$b2/n$1" && OMP_WAIT_POLICY=$2 ./main >/dev/null &&
		awk -v who="brian2$([ "$2" = passive ] && echo p)" -v n="$1" -v s="$(cat steps.txt)" '{ printf "%-8s n=%-5s %10.1f steps/s\n", who, n, s / $1 }' results/last_run_info.txt)
}

for r in $(seq "$rounds"); do
	echo "# round $r, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	go_bench "$b2/cpufast.test" 256 2000
	brian2 256 active
	brian2 256 passive
	go_bench "$b2/cpuref.test" 256 200
	go_bench "$b2/cpufast.test" 1024 200
	brian2 1024 active
	brian2 1024 passive
	go_bench "$b2/cpuref.test" 1024 20
done
