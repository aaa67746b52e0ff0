#!/bin/bash
# Conway's Life as frames: 20 runs of 100 generations of ffmpeg's life
# source on a 48×48 torus (seeds 1–20, a random start with 35 % alive),
# one after another in one .npy of shape (2000, 48, 48), uint8 0/255.
# Needs ffmpeg and python3 (standard library only). Usage: life.sh [OUT]
set -euo pipefail
out=${1:-life.npy}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for s in $(seq 1 20); do
  ffmpeg -v error -f lavfi -i "life=s=48x48:mold=0:ratio=0.35:seed=$s" \
    -frames:v 100 -f rawvideo -pix_fmt gray - >> "$tmp"
done
python3 - "$tmp" "$out" <<'PY'
import struct, sys
raw = open(sys.argv[1], 'rb').read()
t = len(raw) // (48 * 48)
assert t * 48 * 48 == len(raw)
hdr = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, 48, 48), }" % t
hdr += ' ' * (64 - (10 + len(hdr) + 1) % 64) + '\n'
with open(sys.argv[2], 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode() + raw)
PY
echo "$out: Life, 2000 frames of 48×48"
