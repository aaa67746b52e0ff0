// learnInput: step 7 for each hidden cell i. ΔW_in by the chosen rule,
// clipped to [0, win_max]; STDP reads p after this step's update (done by
// the stimulus pass) and q before this step's spike, which is folded in
// last: q ← λ_post·q + s.

uniform int uRule; // RULE_STDP or RULE_HEBBIAN
uniform float uEta;
uniform float uAPlus;
uniform float uAMinus;
uniform float uLambdaPost;
uniform float uWinMax;

void main() {
    // Where no cell of the tile spiked and none has a lit input pixel in
    // its patch, every ΔW_in is 0 (each term has a factor s_i or x_j).
    int t = tileIndex(ivec2(gl_WorkGroupID.xy));
    bool busy = tiles[uParity * tileCount() + t] != 0u || tiles[2 * tileCount() + t] != 0u;
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int i = c.y * uN + c.x;
    float si = float(sCur[i]);
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
            precise float dw;
            if (uRule == RULE_STDP) {
                precise float pot = (uAPlus * si) * p[j];
                precise float dep = (uAMinus * qi) * xj;
                dw = uEta * (pot - dep);
            } else {
                dw = (uEta * si) * xj;
            }
            int k = i * WIN_SLOTS + m;
            precise float w = wIn[k] + dw;
            wIn[k] = clamp(w, 0.0, uWinMax);
        }
    }
    precise float decayed = uLambdaPost * qi;
    precise float qn = decayed + si;
    q[i] = qn;
}
