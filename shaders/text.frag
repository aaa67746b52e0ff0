// text: the atlas holds glyph coverage in its red channel. Solid
// rectangles sample a reserved block of full coverage, so one program and
// one draw call serve both.

in vec2 vUV;
in vec4 vColor;

uniform sampler2D uAtlas;

layout(location = 0) out vec4 fragColor;

void main() {
    float coverage = texture(uAtlas, vUV).r;
    fragColor = vec4(vColor.rgb, vColor.a * coverage);
}
