// uses: V2 THETA2 S2 W12 BITS BITS2
// integrate2: the second hidden layer (-horizon > 1, one cell a pixel),
// cascaded after the first. Current from the 3×3 patch over each plane of
// the first layer's spikes of this step through W12, plus bias and its
// own noise stream; leak with its own, slower ρ₂, through the same cell
// update (common.glsl) as integrate, with the step's η_θ(t) and the first
// plane's target rate r*. As cpuref's integrate2.

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    loadNetwork();
    int i = cellIndex(c);
    // One running sum over the first layer's planes h ascending, each
    // plane's patch slots ascending; the patch over plane h is at
    // (i·K + h)·9.
    precise float inp = 0.0;
    for (int h = 0, m = wrow(i) * K * PATCH_SLOTS; h < K; h++) {
        for (int dy = -1; dy <= 1; dy++, m += 3) {
            for (uint b = curWindow(h, c.y + dy, c.x, 1); b != 0u; b &= b - 1u) {
                inp = inp + w12[m + findLSB(b)];
            }
        }
    }
    precise float noise = uSigmaNoise * normalKeyed(noiseKey(1), uint(localIndex(c)));
    precise float current = (inp + uBias) + noise;
    // The same cell update as integrate's, with the layer's own leak ρ₂.
    float vi = v2[i];
    float th = theta2[i];
    uint s = updateCell(current, uRho2, etaTheta(), uTargetRate, vi, th);
    v2[i] = vi;
    theta2[i] = th;
    s2[i] = s;
    if (s != 0u) {
        setSpike2(0, c);
    }
}
