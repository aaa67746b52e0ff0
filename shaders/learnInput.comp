// uses: P Q WIN WREC ELIG RING BITSPREV BITS FRAMES
// learnInput: step 7 for each hidden cell, run only when learning is on:
// one invocation a pixel, for its K cells in turn.
// The rule's change of W_in, clipped to [0, win_max]; STDP reads p after
// this step's update (done by integrate) and q before this step's
// spike, which is folded in last: q ← λ_post·q + s. Under rstdp the STDP
// term feeds the eligibility trace and the step's reward converts it; with
// learn_rec the cell's W_rec learns by one-step pair STDP
// (cpuref.learnRec).
//
// The rule (RULE) and -learn_rec (LEARN_REC) are #defines fixed when Go
// builds the program, not uniforms: a software renderer runs every side of
// an if for every group of invocations (the untaken side with its lanes
// masked off), so code a configuration never takes must not be there.

// reward is cpuref's Sim.reward: 1 when this step's hits outnumber its
// misses and false alarms together, else 0, from the counts the output
// pass left in the ring.
float reward() {
    int d = int(ring[ringAt(RING_TP)]) - int(ring[ringAt(RING_FP)]) - int(ring[ringAt(RING_FN)]);
    return d > 0 ? 1.0 : 0.0;
}

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    loadNetwork();
    int i = cellIndex(c); // the pixel: p is per pixel

    // The slots whose weight can change, as a mask over the 3×3 patch:
    // with s_i = 0 every term of STDP but the depression of a lit pixel is
    // +0 (p, q ≥ 0), and hebbian changes only lit pixels of a spiking cell,
    // so leaving the other slots alone leaves them bit for bit as the
    // reference does; eligibility traces decay at every on-grid slot.
    uint lit = patchMask(c); // bit m: x_j of slot m
    uint onGrid = patchBox(c, ivec4(0, 0, uN, uN));
#if RULE == RULE_RSTDP
    float r = reward();
#endif
    // The pixel's K cells (planes, common.glsl), each with its own patch,
    // trace q and recurrent windows.
    for (int h = 0; h < K; h++) {
        int ci = hiddenIndex(h, c);
        float si = float(curWindow(h, c.y, c.x, 0)); // s_ci(t)
#if RULE == RULE_RSTDP
        uint slots = onGrid;
#elif RULE == RULE_STDP
        uint slots = si != 0.0 ? onGrid : lit;
#else
        uint slots = si != 0.0 ? lit : 0u;
#endif
        float qi = q[ci];
        for (; slots != 0u; slots &= slots - 1u) {
            int m = findLSB(slots);
            int dy = (m * 11) >> 5; // m / 3 for m < 9
            int j = i + (dy - 1) * uN + (m - 3 * dy - 1);
            float xj = float((lit >> uint(m)) & 1u);
            int k = hrow(ci) * PATCH_SLOTS + m;
#if RULE == RULE_HEBBIAN
            precise float dw = (uEta * si) * xj;
#else
            precise float pot = (uAPlus * si) * p[j];
            precise float dep = (uAMinus * qi) * xj;
#if RULE == RULE_STDP
            precise float dw = uEta * (pot - dep);
#else
            precise float e = (uLambdaElig * elig[k]) + (pot - dep);
            elig[k] = e;
            precise float dw = (uEta * r) * e;
#endif
#endif
            precise float w = wIn[k] + dw;
            wIn[k] = clamp(w, 0.0, uWinMax);
        }
        precise float decayed = uLambdaPost * qi;
        precise float qn = decayed + si;
        q[ci] = qn;

#if LEARN_REC
        // W_rec of cell ci over each plane g: pair STDP against the
        // neighbours of plane g, only when ci fired now or before.
        float siPrev = float(prevWindow(h, c.y, c.x, 0));
        if (si == 0.0 && siPrev == 0.0) {
            continue;
        }
        for (int g = 0; g < K; g++) {
            int m = 0;
            for (int dy = -RREC; dy <= RREC; dy++) {
                uint before = prevWindow(g, c.y + dy, c.x, RREC); // s(t−1)
                uint now = curWindow(g, c.y + dy, c.x, RREC);     // s(t)
                for (int dx = -RREC; dx <= RREC; dx++, m++) {
                    ivec2 o = c + ivec2(dx, dy);
                    if ((dx == 0 && dy == 0) || !inGrid(o)) {
                        continue;
                    }
                    uint bit = uint(dx + RREC);
                    precise float pot = (uAPlus * si) * float((before >> bit) & 1u);
                    precise float dep = (uAMinus * siPrev) * float((now >> bit) & 1u);
                    precise float dw = uEtaRec * (pot - dep);
                    int k = (hrow(ci) * K + g) * REC_SLOTS + m;
                    precise float w = wRec[k] + dw;
                    wRec[k] = clamp(w, -uWrecMax, uWrecMax);
                }
            }
        }
#endif
    }
}
