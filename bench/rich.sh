#!/bin/bash
# The figures of -preset rich in README.md and docs/MODEL.md: F1 after the
# issue's steps, seeds 1–3 (one -batch 3 run each), on Life 48×48, three
# bouncing dots, the border walk and four dots with -ccw, for the seed
# model, the preset, and the preset with one part taken away (the
# ablation). Run it in a scratch directory; $SPIKECAST names the binary
# (default: spikecast on PATH), $BACKEND the backend (default cpu). It
# makes life.npy with bench/life.sh (beside this script) when it is missing.
set -euo pipefail
bin=${SPIKECAST:-spikecast}
backend=${BACKEND:-cpu}
here=$(cd "$(dirname "$0")" && pwd)
[ -f life.npy ] || "$here/life.sh" life.npy >/dev/null
declare -A world=(
  [life]="-frames life.npy -loop -threshold 0.5 -n 48 -steps 12000"
  [bounce3]="-env bounce -dots 3 -n 32 -steps 6000"
  [border]="-env border -n 48 -steps 3000"
  [dots4ccw]="-env dots -dots 4 -ccw -n 48 -steps 3000"
)
# f1s ARGS: the three seeds' F1 and their mean, from the runs' JSON lines.
f1s() {
  "$bin" -headless -quiet -backend "$backend" -batch 3 "$@" 2>/dev/null | python3 -c '
import json, sys
runs, mean = {}, None
for line in sys.stdin:
    d = json.loads(line)
    if isinstance(d.get("run"), int):
        runs[d["run"]] = d["f1"]
    elif "networks" in d:
        mean = d["f1"]
print(" ".join("%.4f" % runs[k] for k in sorted(runs)), "mean %.4f" % mean)'
}
row() { name=$1; w=$2; shift 2; printf '%-28s %-9s %s\n' "$name" "$w" "$(f1s ${world[$w]} "$@")"; }
for w in life bounce3 border dots4ccw; do
  row "seed model" $w
  row "-preset rich" $w -preset rich
done
# The ablation: the preset with one part changed, on Life (and on the
# bouncing dots where the part is the direct path).
row "rich -k 1" life -preset rich -k 1
row "rich -k 4 -drate 0.14" life -preset rich -k 4 -drate 0.14
row "rich -k 16 -drate 0.028" life -preset rich -k 16 -drate 0.028
row "rich -gap 0" life -preset rich -gap 0
row "rich -anneal 0" life -preset rich -anneal 0
row "rich -drate 0 -target_rate 0.2" life -preset rich -drate 0 -target_rate 0.2
row "rich -compete kwta" life -preset rich -compete kwta
row "rich -compete level" life -preset rich -compete level
row "rich -direct 0" life -preset rich -direct 0
row "rich -direct 1" life -preset rich -direct 1
row "rich -eta_bias 0" life -preset rich -eta_bias 0
row "rich -rout 1" life -preset rich -rout 1
row "rich -rule stdp" life -preset rich -rule stdp
row "rich -rho 0.9" life -preset rich -rho 0.9
row "rich -direct 0" bounce3 -preset rich -direct 0
row "rich -direct 1" bounce3 -preset rich -direct 1
row "rich -rdirect 1" bounce3 -preset rich -rdirect 1
