// uses: YHAT WOUT RING BITS FRAMES
// output: steps 4–6 for each output cell k. Prediction ŷ = [u > τ_out]
// from this step's spikes, error e = y − ŷ, and the delta rule on row k of
// W_out, which only this invocation touches. Local W_out reads the spike
// window a row of bits at a time; dense W_out walks every hidden cell's
// bit in index order, the order cpuref uses. With -horizon > 1 the second
// hidden layer's bit set is bound in place of the first's. WOUT and
// LAYER2 are #defines fixed when the program is built (see learnInput).

uniform bool uLearn;

// FOR_SPIKES runs BODY with J = the weight slot of every spike in reach,
// ascending; the two loops differ only in what they do with a weight.
#if WOUT == WOUT_DENSE
#define FOR_SPIKES(J, BODY)                                         \
    {                                                               \
        int wpr = wordsPerRow();                                    \
        for (int row = 0, w = netRow(0) * wpr; row < uN; row++) {  \
            for (int wc = 0; wc < wpr; wc++, w++) {                 \
                /* bits 8–23: columns 16·wc … 16·wc+15, each once */ \
                for (uint b = bits[w] & 0xffff00u; b != 0u; b &= b - 1u) { \
                    int J = row * uN + wc * 16 + findLSB(b) - 8;    \
                    BODY                                            \
                }                                                   \
            }                                                       \
        }                                                           \
    }
#elif OUT_SLOTS <= 32
// The window's spikes gathered into one slot mask (outSlots, below).
#define FOR_SPIKES(J, BODY)                                         \
    for (uint b = outSlots; b != 0u; b &= b - 1u) {                 \
        int J = findLSB(b);                                         \
        BODY                                                        \
    }
#else
#define FOR_SPIKES(J, BODY)                                         \
    for (int dy = -ROUT, m = 0; dy <= ROUT; dy++, m += OUT_SIDE) {  \
        for (uint b = curWindow(c.y + dy, c.x, ROUT); b != 0u; b &= b - 1u) { \
            int J = m + findLSB(b);                                 \
            BODY                                                    \
        }                                                           \
    }
#endif

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    loadNetwork();
    // No spike anywhere (dense) leaves u = 0 without a walk. (The ring
    // counts the first layer's spikes only.)
    bool any = WOUT != WOUT_DENSE || LAYER2 == 1 || ring[ringAt(RING_SPIKES)] != 0u;
    int k = cellIndex(c);
    int width = WOUT == WOUT_DENSE ? uN * uN : OUT_SLOTS;
#if WOUT != WOUT_DENSE && OUT_SLOTS <= 32
    uint outSlots = 0u;
    for (int dy = -ROUT; dy <= ROUT; dy++) {
        outSlots |= curWindow(c.y + dy, c.x, ROUT) << uint((dy + ROUT) * OUT_SIDE);
    }
#endif
    int base = wrow(k) * width;
    precise float u = 0.0;
    if (any) {
        FOR_SPIKES(j, { u = u + wOut[base + j]; })
    }
    uint yh = u > uTauOut ? 1u : 0u;
    int e = (litIn(c, uNumNext, true) ? 1 : 0) - int(yh);
    if (yh != 0u) {
        setYHat(c); // cleared by Sim.step; e = y − ŷ is not stored
    }
    // Global atomics: predictions and targets are rare.
    if (yh == 1u && e == 0) {
        atomicAdd(ring[ringAt(RING_TP)], 1u);
    } else if (e < 0) {
        atomicAdd(ring[ringAt(RING_FP)], 1u);
    } else if (e > 0) {
        atomicAdd(ring[ringAt(RING_FN)], 1u);
    }
    if (e != 0 && uLearn && any) {
        precise float d = uEtaOut * float(e);
        FOR_SPIKES(j, {
            precise float w = wOut[base + j] + d;
            wOut[base + j] = clamp(w, -uWoutMax, uWoutMax);
        })
    }
}
