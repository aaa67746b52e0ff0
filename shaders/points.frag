// points: a soft round spot, added to what is below it.

in vec4 tint;
out vec4 colour;

void main() {
    vec2 d = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(d, d);
    if (r2 > 1.0) {
        discard;
    }
    float a = 1.0 - r2 * 0.7;
    colour = vec4(tint.rgb * a, a * tint.a);
}
