// uses: X Y P V THETA WIN WREC RING BITSPREV BITS FRAMES
// integrate: cpuref's integrate, line for line. One invocation a pixel:
// first the pixel itself, X_t and its target X_{t+k} from the frames' lit
// rectangles, and the pre-synaptic trace p ← λ_pre·p + x. Then steps 1–3
// for each of its K hidden cells (planes, common.glsl): current from the
// 3×3 input patch and the recurrent window over every plane (last step's
// spikes), plus bias and noise, and the candidate half of the cell
// update (common.glsl); then the competition among the pixel's
// candidates (COMPETE, a #define), local to the invocation; then the
// commit half, reset and homeostasis (step 8), which reads only the
// cell's own spike. The patch's pixels are tested against the rectangles
// directly (they may not be written yet: other work groups write them),
// so no barrier is needed. Terms whose input is 0 are skipped, as in
// cpuref: it leaves the float sum unchanged. With -direct 2 the step has
// swapped the bindings of X and X(t−1) (gpu.Sim.clearStep), so X(t−1)
// holds the frame before without a copy.

// targetRate is r*_h = r* + Δr·h, cpuref.Params.TargetRateOf.
float targetRate(int h) {
    precise float step = uDRate * float(h);
    precise float rate = uTargetRate + step;
    return rate;
}

// competeMask returns the cells of a pixel that fire, as bits h, given
// the candidates cand (bit h: v̂_h ≥ θ_h): with no competition all of
// them; under kwta and level, a candidate fires when fewer than WINNERS
// others rank above it, ranked by the margin v̂ − θ (kwta) or by θ
// (level), ties to the lower cell.
uint competeMask(uint cand, float vhat[K], float th[K]) {
#if COMPETE == COMPETE_NONE
    return cand;
#else
    float mu[K];
    for (int h = 0; h < K; h++) {
#if COMPETE == COMPETE_KWTA
        precise float margin = vhat[h] - th[h];
        mu[h] = margin;
#else
        mu[h] = th[h];
#endif
    }
    uint fired = 0u;
    for (uint rest = cand; rest != 0u; rest &= rest - 1u) {
        int h = findLSB(rest);
        int rank = 0;
        for (uint o = cand & ~(1u << uint(h)); o != 0u; o &= o - 1u) {
            int g = findLSB(o);
            if (mu[g] > mu[h] || (mu[g] == mu[h] && g < h)) {
                rank++;
            }
        }
        if (rank < WINNERS) {
            fired |= 1u << uint(h);
        }
    }
    return fired;
#endif
}

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

    uint lit = patchMask(c);
    // Recurrence reads last step's spikes in the window (RREC, a
    // #define) of every plane, slots ascending (row-major, as cpuref's
    // numbering); the centre is no synapse. A window of at most 32 slots
    // is gathered into one slot mask a plane first, once for the pixel's
    // K cells, so one loop walks it.
#if RREC > 0 && REC_SLOTS <= 32
    uint recSlots[K];
    for (int g = 0; g < K; g++) {
        uint slots = 0u;
        for (int dy = -RREC; dy <= RREC; dy++) {
            slots |= prevWindow(g, c.y + dy, c.x, RREC) << uint((dy + RREC) * REC_SIDE);
        }
        recSlots[g] = slots & ~(1u << uint(REC_SLOTS / 2));
    }
#endif
    float vhat[K];
    float th[K];
    uint cand = 0u;
    for (int h = 0; h < K; h++) {
        int ci = hiddenIndex(h, c);
        // Input: the patch's lit slots in ascending order, as cpuref.
        precise float inp = 0.0;
        for (uint rest = lit; rest != 0u; rest &= rest - 1u) {
            inp = inp + wIn[hrow(ci) * PATCH_SLOTS + findLSB(rest)];
        }
        // Recurrence: one running sum over the planes g ascending, each
        // plane's slots ascending; cell ci's window over plane g is at
        // (ci·K + g)·S_rec.
        precise float rec = 0.0;
#if RREC > 0
        int base = hrow(ci) * K * REC_SLOTS;
        for (int g = 0; g < K; g++, base += REC_SLOTS) {
#if REC_SLOTS <= 32
            for (uint slots = recSlots[g]; slots != 0u; slots &= slots - 1u) {
                rec = rec + wRec[base + findLSB(slots)];
            }
#else
            for (int dy = -RREC, m = base; dy <= RREC; dy++, m += REC_SIDE) {
                uint row = prevWindow(g, c.y + dy, c.x, RREC);
                if (dy == 0) {
                    row &= ~(1u << uint(RREC));
                }
                for (; row != 0u; row &= row - 1u) {
                    rec = rec + wRec[m + findLSB(row)];
                }
            }
#endif
        }
#endif
        precise float noise = uSigmaNoise * normalKeyed(noiseKey(0), uint(localHidden(h, c)));
        precise float current = ((inp + rec) + uBias) + noise;
        th[h] = theta[ci];
        vhat[h] = cellCandidate(current, uRho, v[ci]);
        if (vhat[h] >= th[h]) {
            cand |= 1u << uint(h);
        }
    }
    uint fired = competeMask(cand, vhat, th);
    // Reset and homeostasis (step 8, here because it reads only the
    // cell's own spike and no later pass reads θ). A loser of the
    // competition keeps v̂.
    float eta = etaTheta();
    for (int h = 0; h < K; h++) {
        int ci = hiddenIndex(h, c);
        uint s = (fired >> uint(h)) & 1u;
        float vi;
        float thi = th[h];
        cellCommit(s, vhat[h], eta, targetRate(h), vi, thi);
        v[ci] = vi;
        theta[ci] = thi;
        if (s != 0u) {
            // Spikes are rare: the bit set (cleared by Sim.step) is
            // written only by the cells that fire; S is the bit set.
            setSpike(h, c);
        }
    }
    if (fired != 0u) {
        atomicAdd(ring[ringAt(RING_SPIKES)], uint(bitCount(fired)));
    }
}
