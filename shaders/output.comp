// uses: X XPREV YHAT WOUT WDIRECT BIAS RING BITS FRAMES
// output: steps 4–6 for each output cell k. Prediction ŷ = [u > τ_out],
// u summed from this step's spikes, then the direct path's input bits,
// then the bias; error e = y − ŷ, and the delta rule on row k of W_out
// and of the direct path, and on β_k, which only this invocation
// touches. Local W_out reads the spike window of each plane a row of bits
// at a time; dense W_out walks every hidden cell's bit in index order,
// the order cpuref uses. With -horizon > 1 the second hidden layer's bit
// set (one plane) is bound in place of the first's. WOUT, LAYER2, DIRECT,
// RDIRECT and OUT_BIAS are #defines fixed when the program is built (see
// learnInput).

uniform bool uLearn;

// The planes of the spikes the output reads (cpuref.Params.OutPlanes),
// and row k's W_out: a window over each plane of the first hidden layer
// (K of them), or over the second layer's one; dense, every cell of them.
#if LAYER2
#define OUT_PLANES 1
#else
#define OUT_PLANES K
#endif
#if WOUT == WOUT_DENSE
#define OUT_ROW (OUT_PLANES * uN * uN)
#else
#define OUT_ROW (OUT_PLANES * OUT_SLOTS)
#endif
WINDOW_BITS(outWindow, bits, OUT_PLANES)

// FOR_SPIKES runs BODY with J = the weight slot in row k of every spike
// in reach, planes ascending, each plane's slots ascending; the two loops
// differ only in what they do with a weight.
#if WOUT == WOUT_DENSE
#define FOR_SPIKES(J, BODY)                                         \
    {                                                               \
        int wpr = wordsPerRow();                                    \
        for (int h = 0; h < OUT_PLANES; h++) {                      \
            int w = (net() * OUT_PLANES + h) * uN * wpr;            \
            for (int row = 0; row < uN; row++) {                    \
                for (int wc = 0; wc < wpr; wc++, w++) {             \
                    /* bits 8–23: columns 16·wc … 16·wc+15, each once */ \
                    for (uint b = bits[w] & 0xffff00u; b != 0u; b &= b - 1u) { \
                        int J = (h * uN + row) * uN + wc * 16 + findLSB(b) - 8; \
                        BODY                                        \
                    }                                               \
                }                                                   \
            }                                                       \
        }                                                           \
    }
#elif OUT_SLOTS <= 32
// Each plane's window gathered into one slot mask (outSlots, below).
#define FOR_SPIKES(J, BODY)                                         \
    for (int h = 0; h < OUT_PLANES; h++) {                          \
        for (uint b = outSlots[h]; b != 0u; b &= b - 1u) {          \
            int J = h * OUT_SLOTS + findLSB(b);                     \
            BODY                                                    \
        }                                                           \
    }
#else
#define FOR_SPIKES(J, BODY)                                         \
    for (int h = 0, m = 0; h < OUT_PLANES; h++) {                   \
        for (int dy = -ROUT; dy <= ROUT; dy++, m += OUT_SIDE) {     \
            for (uint b = outWindow(h, c.y + dy, c.x, ROUT); b != 0u; b &= b - 1u) { \
                int J = m + findLSB(b);                             \
                BODY                                                \
            }                                                       \
        }                                                           \
    }
#endif

// The direct path (-direct D): a window of radius RDIRECT over X(t)
// (d = 0) and X(t−1) (d = 1), plain bit sets, row k's weights d·S_dir + m.
// FOR_DIRECT runs BODY with J = the weight slot of every lit pixel in
// reach, d ascending, slots ascending.
#if DIRECT > 0
#define DIR_SIDE (2 * RDIRECT + 1)
#define DIR_SLOTS (DIR_SIDE * DIR_SIDE)
#define DIR_ROW (DIRECT * DIR_SLOTS)
uint directRow(int d, int row, int col) {
#if DIRECT > 1
    if (d == 1) {
        return xPrevWindow(row, col, RDIRECT);
    }
#endif
    return xWindow(row, col, RDIRECT);
}
#if DIR_SLOTS <= 32
#define FOR_DIRECT(J, BODY)                                         \
    for (int d = 0; d < DIRECT; d++) {                              \
        for (uint b = dirSlots[d]; b != 0u; b &= b - 1u) {          \
            int J = d * DIR_SLOTS + findLSB(b);                     \
            BODY                                                    \
        }                                                           \
    }
#else
#define FOR_DIRECT(J, BODY)                                         \
    for (int d = 0, m = 0; d < DIRECT; d++) {                       \
        for (int dy = -RDIRECT; dy <= RDIRECT; dy++, m += DIR_SIDE) { \
            for (uint b = directRow(d, c.y + dy, c.x); b != 0u; b &= b - 1u) { \
                int J = m + findLSB(b);                             \
                BODY                                                \
            }                                                       \
        }                                                           \
    }
#endif
#endif

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    loadNetwork();
    // No spike anywhere (dense) leaves the hidden sum +0 without a walk.
    // (The ring counts the first layer's spikes only.)
    bool any = WOUT != WOUT_DENSE || LAYER2 == 1 || ring[ringAt(RING_SPIKES)] != 0u;
    int k = cellIndex(c);
#if WOUT != WOUT_DENSE && OUT_SLOTS <= 32
    uint outSlots[OUT_PLANES];
    for (int h = 0; h < OUT_PLANES; h++) {
        uint slots = 0u;
        for (int dy = -ROUT; dy <= ROUT; dy++) {
            slots |= outWindow(h, c.y + dy, c.x, ROUT) << uint((dy + ROUT) * OUT_SIDE);
        }
        outSlots[h] = slots;
    }
#endif
    int base = wrow(k) * OUT_ROW;
    precise float u = 0.0;
    if (any) {
        FOR_SPIKES(j, { u = u + wOut[base + j]; })
    }
#if DIRECT > 0
#if DIR_SLOTS <= 32
    uint dirSlots[DIRECT];
    for (int d = 0; d < DIRECT; d++) {
        uint slots = 0u;
        for (int dy = -RDIRECT; dy <= RDIRECT; dy++) {
            slots |= directRow(d, c.y + dy, c.x) << uint((dy + RDIRECT) * DIR_SIDE);
        }
        dirSlots[d] = slots;
    }
#endif
    int dbase = wrow(k) * DIR_ROW;
    FOR_DIRECT(j, { u = u + wDirect[dbase + j]; })
#endif
#if OUT_BIAS
    float beta = bias[k];
    u = u + beta;
#endif
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
    if (e == 0 || !uLearn) {
        return;
    }
    precise float delta = uEtaOut * float(e);
    if (any) {
        FOR_SPIKES(j, {
            precise float w = wOut[base + j] + delta;
            wOut[base + j] = clamp(w, -uWoutMax, uWoutMax);
        })
    }
#if DIRECT > 0
    FOR_DIRECT(j, {
        precise float w = wDirect[dbase + j] + delta;
        wDirect[dbase + j] = clamp(w, -uWoutMax, uWoutMax);
    })
#endif
#if OUT_BIAS
    precise float db = uEtaBias * float(e);
    precise float nb = beta + db;
    bias[k] = clamp(nb, -uWoutMax, uWoutMax);
#endif
}
