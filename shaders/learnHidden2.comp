// uses: Q S2 Q2 W12 BITS
// learnHidden2: STDP on W12, the weights from the first hidden layer (K
// planes) to the second. The pre-synaptic trace is the first layer's q,
// already advanced by learnInput; the second layer's q₂ is folded in
// last. As cpuref's learnHidden2.


void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    loadNetwork();
    int i = cellIndex(c);
    float si = float(s2[i]);
    float qi = q2[i];
    // Planes h ascending, each plane's patch slots ascending; the patch
    // over plane h is at (i·K + h)·9, its pre-synaptic trace the first
    // layer's q of cell h.
    for (int h = 0, m = 0; h < K; h++) {
        for (int dy = -1; dy <= 1; dy++) {
            uint row = curWindow(h, c.y + dy, c.x, 1); // the first layer's spikes
            for (int dx = -1; dx <= 1; dx++, m++) {
                ivec2 o = c + ivec2(dx, dy);
                if (!inGrid(o)) {
                    continue;
                }
                precise float pot = (uAPlus * si) * q[hiddenIndex(h, o)];
                precise float dep = (uAMinus * qi) * float((row >> uint(dx + 1)) & 1u);
                precise float dw = uEta * (pot - dep);
                int k = wrow(i) * K * PATCH_SLOTS + m;
                precise float w = w12[k] + dw;
                w12[k] = clamp(w, 0.0, uWinMax);
            }
        }
    }
    precise float decayed = uLambdaPost * qi;
    precise float qn = decayed + si;
    q2[i] = qn;
}
