// uses:
// viewRange: the largest |x| of a float buffer (a view's colour scale),
// into ranges[uSlot] as float bits. For x ≥ 0 the order of a float's bits
// as a uint is its order as a float, so atomicMax finds it; each work
// group reduces its part in shared memory first and adds one atomic.

layout(std430, binding = B_VIEWSRC) readonly buffer SrcBuf { float src[]; };
layout(std430, binding = B_RANGES) buffer RangeBuf { uint ranges[]; };

uniform uint uSrc0; // the part's first float in src[] (GL binds at aligned offsets)
uniform uint uLen;  // its floats
uniform int uRangeSlot;

#define ITEMS 16
shared float part[WG_X * WG_Y];

void main() {
    uint lid = gl_LocalInvocationIndex;
    uint base = gl_WorkGroupID.x * uint(WG_X * WG_Y * ITEMS) + lid;
    float m = 0.0;
    for (uint k = 0u; k < uint(ITEMS); k++) {
        uint j = base + k * uint(WG_X * WG_Y);
        if (j < uLen) {
            m = max(m, abs(src[uSrc0 + j]));
        }
    }
    part[lid] = m;
    barrier();
    for (uint s = uint(WG_X * WG_Y) / 2u; s > 0u; s >>= 1) {
        if (lid < s) {
            part[lid] = max(part[lid], part[lid + s]);
        }
        barrier();
    }
    if (lid == 0u) {
        atomicMax(ranges[uRangeSlot], floatBitsToUint(part[0]));
    }
}
