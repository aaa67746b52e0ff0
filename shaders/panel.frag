// panel: draws one of the 2-D panels straight from the simulation's
// storage buffers. Each screen pixel covers a rectangle of cells; it shows
// the strongest thing in that rectangle (a dot must not vanish when the
// grid has more cells than the panel has pixels). PANEL_KIND (a #define:
// PANEL_INPUT, PANEL_PREDICTION or PANEL_ERROR) says which panel, so each
// program reads only the buffers its panel shows.

in vec2 uv;
out vec4 colour;

// ŷ, a plain bit set (see common.glsl): bit col & 31 of word
// row·⌈n/32⌉ + col/32. X and Y come as the frames' lit rectangles, which
// cost no memory reads.
layout(std430, binding = B_YHAT) readonly buffer YHatBuf { uint yhat[]; };

#if FRAMES
// A frame source (-frames): X and Y are whole images, read from their
// plain bit sets (the step writes them; -backend cpu uploads them).
layout(std430, binding = B_X) readonly buffer XBuf { uint x[]; };
layout(std430, binding = B_Y) readonly buffer YBuf { uint y[]; };
#endif

uniform int uN;
uniform vec2 uPixels;  // panel size in pixels
uniform vec4 uView;    // grid rectangle shown, shared by the panels: (col0, row0, cols, rows)
uniform ivec2 uPick;   // the inspector's cell (col, row), or (−1, −1)
uniform ivec4 uFrame[MAX_RECTS];   // X_t's lit rectangles: (row0, col0, row1, col1)
uniform int uNumFrame;
uniform ivec4 uTargets[MAX_RECTS]; // the target frame's (Y's)
uniform int uNumTargets;

const vec3 background = vec3(0.055, 0.063, 0.082);
const vec3 gridLine   = vec3(0.10, 0.11, 0.14);
const vec3 dotRed     = vec3(1.00, 0.23, 0.19);
const vec3 predGreen  = vec3(0.20, 0.90, 0.40);
const vec3 missRed    = vec3(1.00, 0.25, 0.20);
const vec3 alarmBlue  = vec3(0.25, 0.55, 1.00);
const vec3 targetRing = vec3(0.95, 0.95, 0.95);

// overlaps reports whether rectangle r (row0, col0, row1, col1) meets
// the cells [c0, c1) (x = column, y = row).
bool overlaps(ivec4 r, ivec2 c0, ivec2 c1) {
    return r.x < c1.y && r.z > c0.y && r.y < c1.x && r.w > c0.x;
}

void main() {
    // The cells this pixel covers: [c0, c1) in x and y.
    vec2 cellPx = uPixels / uView.zw; // pixels per cell
    vec2 pix = floor(uv * uPixels);
    ivec2 c0 = ivec2(floor(uView.xy + pix / cellPx));
    ivec2 c1 = max(ivec2(ceil(uView.xy + (pix + 1.0) / cellPx)), c0 + 1);
    c0 = max(c0, ivec2(0));
    c1 = min(c1, ivec2(uN));
    vec2 g = uView.xy + uv * uPixels / cellPx; // grid position (col, row)

    int lit = 0, target = 0, miss = 0, alarm = 0;
#if PANEL_KIND == PANEL_INPUT && FRAMES
    for (int r = c0.y; r < c1.y; r++) {
        for (int c = c0.x; c < c1.x; c++) {
            lit |= int((x[r * ((uN + 31) >> 5) + (c >> 5)] >> uint(c & 31)) & 1u);
        }
    }
#elif PANEL_KIND == PANEL_INPUT
    for (int k = 0; k < uNumFrame; k++) {
        lit |= int(overlaps(uFrame[k], c0, c1));
    }
#else
#if !FRAMES
    for (int k = 0; k < uNumTargets; k++) {
        target |= int(overlaps(uTargets[k], c0, c1));
    }
#endif
    for (int r = c0.y; r < c1.y; r++) {
        for (int c = c0.x; c < c1.x; c++) {
            int yh = int((yhat[r * ((uN + 31) >> 5) + (c >> 5)] >> uint(c & 31)) & 1u);
            lit |= yh;
#if FRAMES
            int yt = int((y[r * ((uN + 31) >> 5) + (c >> 5)] >> uint(c & 31)) & 1u);
            target |= yt;
#elif PANEL_KIND == PANEL_ERROR
            int yt = 0;
            for (int k = 0; k < uNumTargets; k++) {
                yt |= int(overlaps(uTargets[k], ivec2(c, r), ivec2(c + 1, r + 1)));
            }
#endif
#if PANEL_KIND == PANEL_ERROR
            miss |= yt & (1 - yh);  // e = y − ŷ > 0
            alarm |= yh & (1 - yt); // e < 0
#endif
        }
    }
#endif

    vec3 col = background;
    // Faint cell grid where cells are at least 6 pixels wide.
    if (cellPx.x >= 6.0) {
        vec2 f = fract(g);
        if (f.x * cellPx.x < 1.0 || f.y * cellPx.y < 1.0) {
            col = gridLine;
        }
    }
    if (PANEL_KIND == PANEL_INPUT && lit != 0) {
        col = dotRed;
    } else if (PANEL_KIND == PANEL_PREDICTION) {
        if (lit != 0) {
            col = predGreen;
        }
#if FRAMES
        // A whole image has no few outlines to draw: a target pixel the
        // prediction missed is grey.
        if (lit == 0 && target != 0) {
            col = 0.45 * targetRing;
        }
#else
        // Outline the true next position with a white ring just outside
        // its cell, 2 pixels wide however small the cell, so a hit reads as
        // green inside white and a miss as an empty ring.
        if (target == 0) {
            // The target's rectangles come as uniforms (a frame is a few
            // rectangles): testing each is far cheaper than searching the
            // y buffer around every pixel.
            float halo = 2.0;
            for (int k = 0; k < uNumTargets; k++) {
                ivec4 r = uTargets[k]; // (row0, col0, row1, col1)
                vec2 lo = vec2(r.y, r.x);
                vec2 hi = vec2(r.w, r.z);
                vec2 d = max(max(lo - g, g - hi), vec2(0.0)) * cellPx;
                if (max(d.x, d.y) <= halo) {
                    col = targetRing;
                }
            }
        }
#endif
    } else if (PANEL_KIND == PANEL_ERROR) {
        if (miss != 0) {
            col = missRed;
        } else if (alarm != 0) {
            col = alarmBlue;
        }
    }
    if (uPick.x >= 0) {
        // The inspector's cell: a yellow ring just outside it.
        vec2 d = max(max(vec2(uPick) - g, g - vec2(uPick + 1)), vec2(0.0)) * cellPx;
        float out_ = max(d.x, d.y);
        if (out_ > 0.0 && out_ <= 2.0) {
            col = vec3(1.0, 0.85, 0.2);
        }
    }
    colour = vec4(col, 1.0);
}
