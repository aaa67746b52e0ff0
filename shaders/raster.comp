// uses: X YHAT BITS BITS2
// raster: once a drawn frame, write column uCol of the spike raster: for
// each of its rows, whether that row's cell fired in the last step, in the
// layer uLayer (0 input, 1 hidden, 2 output ŷ, 3 second hidden layer).
// One invocation a row, so each writes its own word: no atomics. A
// hidden-layer row names a hidden cell, ci = c·n² + i: plane c of the
// spikes' bit set, the planes one after another.

layout(std430, binding = B_RASTER) buffer RasterBuf { uint raster[]; };
layout(std430, binding = B_RASTERCELLS) readonly buffer CellsBuf { uint rasterCells[]; };

uniform int uRows;
uniform int uCols; // a multiple of 32
uniform int uCol;
uniform int uLayer;

// bitOf reads cell c of a spike bit set (common.glsl's layout).
uint spikeBit(uint word, int col) {
    return (word >> uint(col - ((col >> 4) << 4) + 8)) & 1u;
}

void main() {
    int k = int(gl_WorkGroupID.x) * (WG_X * WG_Y) + int(gl_LocalInvocationIndex);
    if (k >= uRows) {
        return;
    }
    int ci = int(rasterCells[k]);
    int plane = ci / (uN * uN);
    int i = ci - plane * uN * uN;
    ivec2 c = ivec2(i % uN, i / uN);
    uint s;
    if (uLayer == 0) {
        s = (x[plainWord(c)] >> plainBit(c)) & 1u;
    } else if (uLayer == 2) {
        s = (yhat[plainWord(c)] >> plainBit(c)) & 1u;
    } else if (uLayer == 3) {
        s = spikeBit(bits2[c.y * wordsPerRow() + (c.x >> 4)], c.x);
    } else {
        s = spikeBit(bits[(plane * uN + c.y) * wordsPerRow() + (c.x >> 4)], c.x);
    }
    int w = k * (uCols >> 5) + (uCol >> 5);
    uint bit = 1u << uint(uCol & 31);
    raster[w] = s != 0u ? raster[w] | bit : raster[w] & ~bit;
}
