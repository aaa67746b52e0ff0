// uses: SCUR THETA S2 THETA2
// homeostasis: step 8, θ ← max(θ + η_θ·(s − target_rate), θ_min).

uniform float uEtaTheta;
uniform float uTargetRate;
uniform float uThetaMin;
uniform bool uLayer2; // the second hidden layer adapts too

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int i = c.y * uN + c.x;
    precise float d = uEtaTheta * (float(sCur[i]) - uTargetRate);
    precise float t = theta[i] + d;
    theta[i] = max(t, uThetaMin);
    if (uLayer2) {
        precise float d2 = uEtaTheta * (float(s2[i]) - uTargetRate);
        precise float t2 = theta2[i] + d2;
        theta2[i] = max(t2, uThetaMin);
    }
}
