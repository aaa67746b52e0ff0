// uses: X Y P V THETA WIN WREC RING BITSPREV BITS FRAMES
// integrate: cpuref's integrate, line for line. First the cell's own pixel: X_t and its target X_{t+k} from the frames'
// lit rectangles, and the pre-synaptic trace p ← λ_pre·p + x. Then steps
// 1–3 for its hidden cell: current from the 3×3 input patch and the
// recurrent window (last step's spikes), plus bias and noise; then
// updateCell (common.glsl): leak and integrate, spike and reset, and
// homeostasis (step 8), which reads only the cell's own spike. The
// patch's pixels are tested against the rectangles directly (they may
// not be written yet: other work groups write them), so no barrier is
// needed. Terms whose input is 0 are skipped, as in cpuref: it leaves
// the float sum unchanged.

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    loadNetwork();
    int i = cellIndex(c);
    uint xi = litIn(c, uNumNow, false) ? 1u : 0u;
    if (xi != 0u) {
        setX(c);
    }
    if (litIn(c, uNumNext, true)) {
        setY(c);
    }
    precise float decayed = uLambdaPre * p[i];
    precise float pi = decayed + float(xi);
    p[i] = pi;

    // Input: the patch's lit slots in ascending order, as cpuref.
    uint lit = patchMask(c);
    precise float inp = 0.0;
    for (uint rest = lit; rest != 0u; rest &= rest - 1u) {
        inp = inp + wIn[wrow(i) * PATCH_SLOTS + findLSB(rest)];
    }
    // Recurrence: last step's spikes in the window (RREC, a #define),
    // slots ascending (row-major, as cpuref's numbering); the centre is no
    // synapse. A window of at most 32 slots is gathered into one slot mask
    // first, so one loop walks it.
    precise float rec = 0.0;
#if RREC > 0
    int base = wrow(i) * REC_SLOTS;
#if REC_SLOTS <= 32
    uint slots = 0u;
    for (int dy = -RREC; dy <= RREC; dy++) {
        slots |= prevWindow(c.y + dy, c.x, RREC) << uint((dy + RREC) * REC_SIDE);
    }
    slots &= ~(1u << uint(REC_SLOTS / 2));
    for (; slots != 0u; slots &= slots - 1u) {
        rec = rec + wRec[base + findLSB(slots)];
    }
#else
    for (int dy = -RREC; dy <= RREC; dy++, base += REC_SIDE) {
        uint row = prevWindow(c.y + dy, c.x, RREC);
        if (dy == 0) {
            row &= ~(1u << uint(RREC));
        }
        for (; row != 0u; row &= row - 1u) {
            rec = rec + wRec[base + findLSB(row)];
        }
    }
#endif
#endif
    precise float noise = uSigmaNoise * normalKeyed(noiseKey(0), uint(localIndex(c)));
    precise float current = ((inp + rec) + uBias) + noise;
    // Leak, spike and reset, and homeostasis (step 8, here because it
    // reads only the cell's own spike and no later pass reads θ).
    float vi = v[i];
    float th = theta[i];
    uint s = updateCell(current, uRho, vi, th);
    v[i] = vi;
    theta[i] = th;
    if (s != 0u) {
        // Spikes are rare: the bit set (cleared by Sim.step) and the
        // ring's count are written only by the cells that fire; S is the
        // bit set.
        setSpike(c);
        atomicAdd(ring[ringAt(RING_SPIKES)], 1u);
    }
}
