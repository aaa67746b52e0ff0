// uses: X P Q SCUR SPREV WIN WREC ELIG RING TILES THETA S2 THETA2
// learnInput: step 7 for each hidden cell i. The rule's change of W_in,
// clipped to [0, win_max]; STDP reads p after this step's update (done by
// the stimulus pass) and q before this step's spike, which is folded in
// last: q ← λ_post·q + s. Under rstdp the STDP term feeds the eligibility
// trace and the step's reward converts it; with learn_rec the cell's
// W_rec learns by one-step pair STDP (cpuref.learnRec). It also runs
// cpuref's homeostasis pass for the cell (θ reads only the cell's own
// spike), so a step is one dispatch shorter; with learning off
// (uLearn false) only that part runs.

uniform int uRule; // RULE_STDP, RULE_HEBBIAN or RULE_RSTDP
uniform float uEta;
uniform float uAPlus;
uniform float uAMinus;
uniform float uLambdaPost;
uniform float uWinMax;
uniform float uLambdaElig;
uniform bool uLearnRec;
uniform float uEtaRec;
uniform float uWrecMax;
uniform int uRRec;
uniform bool uLearn;
uniform float uEtaTheta;
uniform float uTargetRate;
uniform float uThetaMin;
uniform bool uLayer2; // the second hidden layer adapts too

// reward is cpuref's Sim.reward: 1 when this step's hits outnumber its
// misses and false alarms together, else 0, from the counts the output
// pass left in the ring.
float reward() {
    int b = uSlot * RING_FIELDS;
    int d = int(ring[b + RING_TP]) - int(ring[b + RING_FP]) - int(ring[b + RING_FN]);
    return d > 0 ? 1.0 : 0.0;
}

void main() {
    // Where no cell of the tile spiked and none has a lit input pixel in
    // its patch, every ΔW_in of STDP and hebbian is 0 (each term has a
    // factor s_i or x_j). Eligibility traces decay everywhere: no skip.
    int t = tileIndex(ivec2(gl_WorkGroupID.xy));
    bool busy = uRule == RULE_RSTDP || tiles[uParity * tileCount() + t] != 0u || tiles[2 * tileCount() + t] != 0u;
    float r = uRule == RULE_RSTDP ? reward() : 0.0;
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int i = c.y * uN + c.x;
    float si = float(sCur[i]);

    // Homeostasis: θ ← max(θ + η_θ·(s − target_rate), θ_min).
    precise float dt = uEtaTheta * (si - uTargetRate);
    precise float th = theta[i] + dt;
    theta[i] = max(th, uThetaMin);
    if (uLayer2) {
        precise float d2 = uEtaTheta * (float(s2[i]) - uTargetRate);
        precise float t2 = theta2[i] + d2;
        theta2[i] = max(t2, uThetaMin);
    }
    if (!uLearn) {
        return;
    }

    float qi = q[i];
    int m = 0;
    for (int dy = -1; busy && dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++, m++) {
            ivec2 o = c + ivec2(dx, dy);
            if (!inGrid(o)) {
                continue;
            }
            int j = o.y * uN + o.x;
            float xj = float(x[j]);
            int k = i * WIN_SLOTS + m;
            precise float dw;
            if (uRule == RULE_HEBBIAN) {
                dw = (uEta * si) * xj;
            } else {
                precise float pot = (uAPlus * si) * p[j];
                precise float dep = (uAMinus * qi) * xj;
                if (uRule == RULE_STDP) {
                    dw = uEta * (pot - dep);
                } else {
                    precise float e = (uLambdaElig * elig[k]) + (pot - dep);
                    elig[k] = e;
                    dw = (uEta * r) * e;
                }
            }
            precise float w = wIn[k] + dw;
            wIn[k] = clamp(w, 0.0, uWinMax);
        }
    }
    precise float decayed = uLambdaPost * qi;
    precise float qn = decayed + si;
    q[i] = qn;

    float siPrev = float(sPrev[i]);
    if (uLearnRec && (si != 0.0 || siPrev != 0.0)) {
        int nrec = (2 * uRRec + 1) * (2 * uRRec + 1);
        m = 0;
        for (int dy = -uRRec; dy <= uRRec; dy++) {
            for (int dx = -uRRec; dx <= uRRec; dx++, m++) {
                ivec2 o = c + ivec2(dx, dy);
                if ((dx == 0 && dy == 0) || !inGrid(o)) {
                    continue;
                }
                int j = o.y * uN + o.x;
                precise float pot = (uAPlus * si) * float(sPrev[j]);
                precise float dep = (uAMinus * siPrev) * float(sCur[j]);
                precise float dw = uEtaRec * (pot - dep);
                int k = i * nrec + m;
                precise float w = wRec[k] + dw;
                wRec[k] = clamp(w, -uWrecMax, uWrecMax);
            }
        }
    }
}
