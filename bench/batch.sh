#!/bin/bash
# Networks × steps per second: one process with -batch B against B separate
# processes started together, alternated, for n = 32, 64, 128, B = 1, 8, 64
# on the cpu and gpu backends. Rates are B × steps over the wall clock from
# the shell (process start to end: start-up, GL context and shader
# compilation included). Run it in a scratch directory; $SPIKECAST names
# the binary (default: spikecast on PATH).
bin=${SPIKECAST:-spikecast}
now() { date +%s.%N; }
for n in 32 64 128; do
  for backend in cpu gpu; do
    if [ $backend = cpu ]; then S=2000; else S=600; fi
    for B in 1 8 64; do
      t0=$(now); $bin -headless -backend $backend -n $n -steps $S -batch $B -quiet > batch.out 2>/dev/null; t1=$(now)
      tb=$(echo "$B*$S/($t1-$t0)" | bc -l)
      t0=$(now)
      for i in $(seq 1 $B); do $bin -headless -quiet -backend $backend -n $n -steps $S -seed $i > sep.$i.out 2>/dev/null & done
      wait; t1=$(now)
      ts=$(echo "$B*$S/($t1-$t0)" | bc -l)
      printf "n=%d %s B=%d steps=%d batch %.0f separate %.0f load %s\n" $n $backend $B $S $tb $ts "$(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done
