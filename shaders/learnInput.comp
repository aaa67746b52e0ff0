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
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int i = c.y * uN + c.x;
    float si = float(sCur[i]);
    float qi = q[i];
    for (int m = 0; m < WIN_SLOTS; m++) {
        int j;
        if (!neighbour(c, 1, m, j)) {
            continue;
        }
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
    precise float decayed = uLambdaPost * qi;
    precise float qn = decayed + si;
    q[i] = qn;
}
