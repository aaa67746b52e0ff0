// view: a 2-D panel's data view, read straight from the storage buffers.
// VIEW_KIND (a #define, one program per view so each reads only its own
// buffers) is one of
//   VIEW_MOSAIC  a weight buffer as one uSide×uSide patch per cell, tiled
//                in grid order (W_in, the local W_out, W_rec, W12);
//   VIEW_MAP     one float per cell (θ, v, p, q, the firing rate);
//   VIEW_RASTER  the spike raster: time on x (newest at the right), the
//                raster's cells on y.
// The mosaic and the map go through the panels' shared zoom (uView), so
// a cell sits at the same place in every panel; the raster has axes of
// its own.
//
// With K > 1 hidden cells a pixel (viz/cells.go), a per-cell buffer holds
// uPlanes planes (cell ci = c·n² + i) of uInner windows a cell; a draw
// shows cell uShow of every pixel, or, when the pixel's tile (uTile) has
// several entries, one entry a sub-cell, row by row. At K = 1 every one
// of these is 1 (uShow 0) and the picture is the one-cell picture.

in vec2 uv;
out vec4 colour;

layout(std430, binding = B_VIEWSRC) readonly buffer SrcBuf { float src[]; };
layout(std430, binding = B_RANGES) readonly buffer RangeBuf { uint ranges[]; };
#if VIEW_KIND == VIEW_RASTER
layout(std430, binding = B_RASTER) readonly buffer RasterBuf { uint raster[]; };
#endif

uniform int uN;
uniform vec2 uPixels;   // panel size in pixels
uniform vec4 uView;     // grid rectangle shown: (col0, row0, cols, rows)
uniform ivec2 uPick;    // pinned cell (col, row), or (−1, −1)
uniform int uSide;      // mosaic patch side
uniform int uRange;     // slot in ranges[] of this view's max |x|
uniform int uSigned;    // 1: a diverging map around 0; 0: sequential from 0
uniform int uBar;       // 1: draw the colour bar (uv.x from 0 to 1) instead
uniform int uRows;      // raster: rows (cells) and time columns
uniform int uCols;
uniform int uHead;      // raster: column of the newest frame
uniform int uFilled;    // raster: columns written so far
uniform ivec2 uBand;    // grid rows [x, y) this draw shows, src[] starting at row x:
                        // a weight buffer larger than a storage block is
                        // drawn a band of rows at a time
uniform ivec2 uPlaneRange; // planes [x, y) this draw shows, src[] starting at plane x
                        // (a band of a K-plane buffer is drawn a plane at a time)
uniform int uSrc0;      // the part's first float in src[] (GL binds at aligned offsets)
uniform int uPlanes;    // the buffer's cell planes (K, or 1)
uniform int uInner;     // its windows a cell, side by side (K, or 1)
uniform int uShow;      // the cell shown, or −1: every entry tiled
uniform ivec2 uTile;    // a grid cell's tile: entries across and down
uniform int uEntries;   // the tile's entries in use

const vec3 background = vec3(0.055, 0.063, 0.082);
const vec3 offGrid    = vec3(0.035, 0.04, 0.05);
const vec3 gap        = vec3(0.02, 0.022, 0.03);
const vec3 pickRing   = vec3(1.0, 0.85, 0.2);
const vec3 tileGap    = vec3(0.10, 0.11, 0.14);

// entryOf returns the plane and the window (x, y) of entry e of a grid
// cell's tile at tile position t: the cell shown, or with a tile one
// entry a sub-cell; W_rec's K×K tile is a row a cell, a column a plane
// it reads.
ivec2 entryOf(int e, ivec2 t) {
    if (uPlanes > 1 && uInner > 1) {
        return uShow >= 0 ? ivec2(uShow, e) : ivec2(t.y, t.x);
    }
    int c = uShow >= 0 && uEntries == 1 ? uShow : e;
    return uPlanes > 1 ? ivec2(c, 0) : ivec2(0, uInner > 1 ? c : 0);
}

// viridis, piecewise linear through five of its colours.
vec3 sequential(float t) {
    t = clamp(t, 0.0, 1.0) * 4.0;
    const vec3 k[5] = vec3[5](vec3(0.267, 0.005, 0.329), vec3(0.231, 0.322, 0.545),
        vec3(0.129, 0.569, 0.549), vec3(0.369, 0.788, 0.384), vec3(0.992, 0.906, 0.145));
    int i = min(int(t), 3);
    return mix(k[i], k[i + 1], t - float(i));
}

// Blue below 0, orange above, the panel's dark background at 0.
vec3 diverging(float t) {
    t = clamp(t, -1.0, 1.0);
    float a = sqrt(abs(t)); // small weights stay visible
    return t < 0.0 ? mix(background, vec3(0.30, 0.60, 1.00), a) : mix(background, vec3(1.00, 0.55, 0.15), a);
}

vec3 shade(float x) {
    float m = max(uintBitsToFloat(ranges[uRange]), 1e-20);
    return uSigned != 0 ? diverging(x / m) : sequential(x / m);
}

void main() {
    if (uBar != 0) {
        float t = uv.x;
        colour = vec4(uSigned != 0 ? diverging(2.0 * t - 1.0) : sequential(t), 1.0);
        return;
    }
    vec2 px = uv * uPixels;
#if VIEW_KIND == VIEW_RASTER
    // Each pixel row covers raster rows [r0, r1): show a spike if any has one.
    float rowsPerPx = float(uRows) / uPixels.y;
    int r0 = int(floor(floor(px.y) * rowsPerPx));
    int r1 = min(max(int(ceil((floor(px.y) + 1.0) * rowsPerPx)), r0 + 1), uRows);
    // and columns [a0, a1), counted from the oldest shown.
    float colsPerPx = float(uCols) / uPixels.x;
    int a0 = int(floor(floor(px.x) * colsPerPx));
    int a1 = min(max(int(ceil((floor(px.x) + 1.0) * colsPerPx)), a0 + 1), uCols);
    vec3 col = background;
    if (uCols - a1 < uFilled) {
        int wpr = uCols >> 5;
        uint hit = 0u;
        for (int a = max(a0, uCols - uFilled); a < a1; a++) {
            int c = (uHead - (uCols - 1 - a) + uCols) % uCols; // a column a frames-ago back
            for (int r = r0; r < r1; r++) {
                hit |= (raster[r * wpr + (c >> 5)] >> uint(c & 31)) & 1u;
            }
        }
        col = hit != 0u ? vec3(0.75, 0.85, 1.0) : vec3(0.075, 0.085, 0.11);
    }
    colour = vec4(col, 1.0);
#else
    vec2 cellPx = uPixels / uView.zw;   // pixels per cell
    vec2 g = uView.xy + px / cellPx;    // grid position (col, row)
    ivec2 c = ivec2(floor(g));
    vec3 col = background;
    bool onGrid = c.x >= 0 && c.y >= 0 && c.x < uN && c.y < uN;
    if (onGrid && (c.y < uBand.x || c.y >= uBand.y)) {
        discard; // another band's draw colours this cell
    }
    // The entry of the pixel's tile under this point, and the position
    // within it (gt: the grid position in entries, its floor the entry).
    vec2 gt = g * vec2(uTile);
    ivec2 t = ivec2(floor(gt)) - c * uTile;
    int e = t.y * uTile.x + t.x;
    ivec2 pw = entryOf(e, t);
    if (onGrid && (pw.x < uPlaneRange.x || pw.x >= uPlaneRange.y)) {
        discard; // another plane's draw colours this entry
    }
    if (onGrid && e >= uEntries) {
        col = offGrid; // a tile's unused corner
    } else if (onGrid) {
        // The cell's index in the bound part of the buffer.
        int i = ((pw.x - uPlaneRange.x) * uN + (c.y - uBand.x)) * uN + c.x;
        vec2 entryPx = cellPx / vec2(uTile); // pixels per entry
#if VIEW_KIND == VIEW_MOSAIC
        ivec2 sub = min(ivec2(fract(gt) * float(uSide)), ivec2(uSide - 1));
        int r = uSide >> 1;
        ivec2 at = c + sub - ivec2(r);
        if (at.x < 0 || at.y < 0 || at.x >= uN || at.y >= uN) {
            col = offGrid; // off-grid slot: stored as 0, never used
        } else {
            col = shade(src[uSrc0 + (i * uInner + pw.y) * uSide * uSide + sub.y * uSide + sub.x]);
        }
        // A dark line between entries where a patch is at least 9 pixels.
        // (The first pixel of each: one pixel a boundary, wherever the
        // boundary falls between pixel centres.)
        ivec2 before = ivec2(floor(gt - 1.0 / entryPx));
        if (entryPx.x >= 9.0 && (before.x != c.x * uTile.x + t.x || before.y != c.y * uTile.y + t.y)) {
            col = gap;
        }
#else
        col = shade(src[uSrc0 + i * uInner + pw.y]);
        // A faint line between the entries of a tile where they are at
        // least 6 pixels.
        ivec2 before = ivec2(floor(gt - 1.0 / entryPx));
        if (uEntries > 1 && entryPx.x >= 6.0 && (before.x != c.x * uTile.x + t.x || before.y != c.y * uTile.y + t.y)) {
            col = tileGap;
        }
#endif
        // With several entries a pixel, a dark line between pixels, a
        // second pixel wide where a pixel is at least 18.
        if (uEntries > 1 && cellPx.x >= 9.0) {
            ivec2 before2 = ivec2(floor(g - (cellPx.x >= 18.0 ? 2.0 : 1.0) / cellPx));
            if (before2.x != c.x || before2.y != c.y) {
                col = gap;
            }
        }
    }
    if (uPick.x >= 0) {
        vec2 d = max(max(vec2(uPick) - g, g - vec2(uPick + 1)), vec2(0.0)) * cellPx;
        float out_ = max(d.x, d.y);
        if (out_ > 0.0 && out_ <= 2.0) {
            col = pickRing;
        }
    }
    colour = vec4(col, 1.0);
#endif
}
