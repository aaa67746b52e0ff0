#!/bin/bash
# The CPU engine's figures in BENCHMARKS.md ("The CPU engine's vector
# loop"), alternated ROUNDS times (default 3) in one sitting: the dense
# loop alone and a whole default step, each on the plain and on the vector
# loop, one worker, n = 256 and 1024; then a default step beside one of
# -preset rich at n = 256 on every CPU. Prints the benchmark lines and the
# load average before each round. About a minute a round on a 2-core VM.
#
#   bench/cpu.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
export GOEXPERIMENT=${GOEXPERIMENT-simd} # the vector loop is built only with it
rounds=${1:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go test -c -o "$dir/cpufast.test" ./cpufast
bench() { # pattern steps
	"$dir/cpufast.test" -test.run '^$' -test.bench "$1" -test.benchtime "$2" | grep '^Bench'
}
for r in $(seq "$rounds"); do
	echo "# round $r, load $(cut -d' ' -f1 /proc/loadavg)"
	bench '^BenchmarkDenseLoop$' 300x
	bench '^BenchmarkStepLoops$' 300x
	bench '^BenchmarkStep$/^n=256$' 3000x
	bench '^BenchmarkStepRich$/^n=256$' 300x
done
