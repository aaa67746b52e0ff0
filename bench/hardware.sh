#!/bin/bash
# The hardware rows of BENCHMARKS.md in one run, on a machine with a
# hardware GPU: no display is needed (EGL). Each command's stdout and
# stderr go to $OUT (default ./hw-out), with a log of what ran, its exit
# status and its time. Every command has a time limit, and one that fails
# does not stop the others; the whole script takes at most about 12
# minutes. $SPIKECAST names the binary (default: ./spikecast, built first
# when Go is installed). Run it from the repository's root.
set -u
out=${OUT:-hw-out}
mkdir -p "$out"
bin=${SPIKECAST:-./spikecast}
if [ -z "${SPIKECAST:-}" ] && command -v go >/dev/null; then
  go build -o ./spikecast . || exit 1
fi
log() { echo "$*" | tee -a "$out/log"; }
run() { # name, time limit in seconds, command…
  local name=$1 limit=$2 start rc
  shift 2
  log "== $name: $*"
  start=$(date +%s)
  timeout "$limit" "$@" >"$out/$name.out" 2>"$out/$name.err"
  rc=$?
  log "   exit $rc after $(($(date +%s) - start)) s"
}
log "$(date -u +%FT%TZ) $(uname -srm)"
command -v nvidia-smi >/dev/null && nvidia-smi -L >"$out/nvidia-smi.out" 2>&1
run list_gpus 60 "$bin" -list_gpus
run bench 240 "$bin" -bench -bench_seconds 1 -bench_n 256,1024,2048,4096,8192
run batch 120 "$bin" -bench -batch 64 -bench_n 32,128 -bench_seconds 1
run record 120 "$bin" -headless -quiet -backend gpu -n 2048 -steps 600 -width 1920 -height 1080 -record "$out/hw.mp4"
if command -v go >/dev/null; then
  # GPU against the reference, in the hardware tolerance mode: its log
  # says when the first difference came and how large they grew.
  run cpuref 180 go test -count=1 -v -run 'GPUMatchesReference' ./cpuref
fi
log "done: $out"
