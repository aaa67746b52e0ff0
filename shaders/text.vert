// text: glyph quads and solid rectangles, placed in framebuffer pixels
// with the origin at the top-left, as package viz lays them out.

layout(location = 0) in vec2 aPos;   // framebuffer pixels, y down
layout(location = 1) in vec2 aUV;    // atlas coordinates
layout(location = 2) in vec4 aColor; // straight (not premultiplied) RGBA

uniform vec2 uViewport; // framebuffer size in pixels

out vec2 vUV;
out vec4 vColor;

void main() {
    vec2 ndc = aPos / uViewport * 2.0 - 1.0;
    // GL's y points up; the layout's points down.
    gl_Position = vec4(ndc.x, -ndc.y, 0.0, 1.0);
    vUV = aUV;
    vColor = aColor;
}
