// Shared by every compute pass. The Go side prepends #version and the
// #defines (work-group size, binding points, sizes) before this file.
//
// Bit-identical results with package cpuref depend on three things here:
// every float expression that rounds is marked `precise`, so no multiply
// and add are fused into an FMA; sums run over window slots in the same
// ascending order as the reference; and random numbers come from the same
// counter-based hash.

layout(local_size_x = WG_X, local_size_y = WG_Y) in;

// Storage buffers and the parameters' uniforms (uN, uRho, …) are declared
// before this file, generated from the tags of cpuref.State and
// cpuref.Params. GL promises only 16 storage blocks a shader, so each pass
// names the buffers it uses in a "// uses:" line, and Go defines
// USE_<NAME> for each; only those are declared.
// X, Y and ŷ are plain bit sets (bit col & 31 of word row·⌈n/32⌉ + col/32),
// cleared by the step and set with atomicOr by the few cells that are 1:
// on a software renderer a store to every cell costs far more than an
// atomic on the rare ones. The error e = y − ŷ is not stored.
// Spikes as bit sets, row by row, in overlapping words: word w of a row
// holds columns 16w−8 … 16w+23 (bit b = column 16w−8+b), so every column
// is in two words, and any window of radius ≤ 8 (MaxR) around column c
// lies within the one word c/16. ⌈n/16⌉ words a row; bits for columns off
// the grid stay 0. A spiking cell sets its two bits with atomicOr in a set
// the step cleared first, so only the rare spikes write. Passes read a
// cell's window with one load a row instead of one a cell: on a software
// renderer every storage-buffer access costs the same, whatever it holds.

// Window sides and slot counts of W_rec and local W_out (RREC and ROUT
// are #defines: a program is built for one network).
#define REC_SIDE (2 * RREC + 1)
#define REC_SLOTS (REC_SIDE * REC_SIDE)
#define OUT_SIDE (2 * ROUT + 1)
#define OUT_SLOTS (OUT_SIDE * OUT_SIDE)

uniform int uSlot; // ring slot of this step: t % WINDOW

// uRow0 is the first grid row of this dispatch: 0, unless the weights are
// larger than a storage block, when a pass is dispatched a band of rows
// at a time with only the band's weights bound (gpu.Sim.bindBand).
uniform int uRow0;

// cell returns this invocation's grid position (x = column, y = row).
ivec2 cell() {
    return ivec2(gl_GlobalInvocationID.xy) + ivec2(0, uRow0);
}

// A batch (BATCH = 1, gpu.NewBatch) holds NETS networks of one shape in
// every storage buffer, one after another (the ring: slot by slot, each
// slot's NETS counts side by side, so a step clears one range), and a
// dispatch's z dimension is the network. net() is the invocation's
// network: 0 without a batch, a constant the compiler folds.
int net() {
#if BATCH
    return int(gl_WorkGroupID.z);
#else
    return 0;
#endif
}

// netRow returns the row of the whole batch's buffers that holds grid row
// row of this network: the row index of bit sets.
int netRow(int row) {
    return net() * uN + row;
}

// cellIndex returns the index of cell c in the per-cell buffers (and the
// weights' rows), this network's cells after the networks before it.
int cellIndex(ivec2 c) {
    return netRow(c.y) * uN + c.x;
}

// localIndex is cell c's index within its own network (the noise's
// counter, so a network draws the same noise alone or in a batch).
int localIndex(ivec2 c) {
    return c.y * uN + c.x;
}

// The first hidden layer has K cells a pixel (K, a #define; the
// renderers' programs, built for no network in particular, see one
// plane), in K planes of n² cells: cell h of pixel c is at
// ci = h·n² + i, each plane laid out as a layer of one cell a pixel, a
// network's K planes after the networks before it. With K = 1 the
// formulas below are cellIndex's and localIndex's.
#ifndef K
#define K 1
#endif

// hiddenIndex returns the index of cell h of pixel c in the first hidden
// layer's per-cell buffers (v, θ, q).
int hiddenIndex(int h, ivec2 c) {
    return ((net() * K + h) * uN + c.y) * uN + c.x;
}

// localHidden is cell h of pixel c's index within its own network: the
// noise's counter.
int localHidden(int h, ivec2 c) {
    return (h * uN + c.y) * uN + c.x;
}

// ringAt returns the index of field of this step's ring slot.
int ringAt(int field) {
    return (uSlot * NETS + net()) * RING_FIELDS + field;
}

// wrow returns the index of cell i's row of weights in the bound band.
int wrow(int i) {
    return i - uRow0 * uN;
}

// hrow returns the index of hidden cell ci's row of weights in the
// buffers indexed by hidden cell (W_in, Elig, W_rec). With one plane they
// are banded as every weight buffer; with several, a band's cells lie in
// K places of them, so those buffers are bound whole (gpu.weightSlots).
int hrow(int ci) {
#if K == 1
    return wrow(ci);
#else
    return ci;
#endif
}

bool inGrid(ivec2 c) {
    return c.x >= 0 && c.y >= 0 && c.x < uN && c.y < uN;
}

// pcg is the PCG-RXS-M-XS hash, as cpuref.PCG.
uint pcg(uint v) {
    uint state = v * 747796405u + 2891336453u;
    uint word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

uint hash4(uint seed, uint stream, uint step, uint index) {
    return pcg(seed + pcg(stream + pcg(step + pcg(index))));
}

float uniform01(uint h) {
    return float(h >> 8u) * (1.0 / 16777216.0);
}

// normalKeyed is cpuref.NormalKeyed: four 16-bit uniforms from two
// hashes, summed left to right (exactly), centred and scaled.
float normalKeyed(uint key, uint index) {
    uint h0 = pcg(pcg(2u * index) + key);
    uint h1 = pcg(pcg(2u * index + 1u) + key);
    const float unit = 1.0 / 65536.0;
    precise float s = float(h0 & 0xffffu) * unit;
    s = s + float(h0 >> 16u) * unit;
    s = s + float(h1 & 0xffffu) * unit;
    s = s + float(h1 >> 16u) * unit;
    precise float z = (s - 2.0) * 1.7320508;
    return z;
}

// The cell update both hidden layers share, in its two halves (cpuref's
// updateCellCandidate and updateCellCommit): cellCandidate, steps 2–3 up
// to the threshold test, v̂ = (ρ·v) + I, whose candidate spike is
// [v̂ ≥ θ]; and cellCommit, reset and homeostasis (step 8) once the spike
// s is decided (in integrate, by the competition among a pixel's cells),
// v ← 0 if s else v̂ and θ ← max(θ + (η_θ(t)·(s − r*)), θ_min), with the
// step's η_θ(t) and the cell's target rate r*. updateCell is the two with
// s the candidate (integrate2). Every rounded variable is precise. A
// change to the cell's dynamics is an edit here, in cpuref's and in
// cpufast's (docs/MODEL.md §12).
float cellCandidate(float current, float rho, float vm) {
    precise float leaked = rho * vm;
    precise float vNext = leaked + current;
    return vNext;
}

void cellCommit(uint s, float vNext, float eta, float rate, out float vm, inout float th) {
    precise float dt = eta * (float(s) - rate);
    precise float adapted = th + dt;
    vm = s != 0u ? 0.0 : vNext;
    th = max(adapted, uThetaMin);
}

uint updateCell(float current, float rho, float eta, float rate, inout float vm, inout float th) {
    float vNext = cellCandidate(current, rho, vm);
    uint s = vNext >= th ? 1u : 0u;
    cellCommit(s, vNext, eta, rate, vm, th);
    return s;
}

int wordsPerRow() {
    return (uN + 15) >> 4;
}

// WINDOW_BITS defines NAME(h, row, col, r): the bits of columns col−r …
// col+r (r ≤ 8) of one row of plane h of bit set BUF, which holds PLANES
// planes a network, as bit j = column col−r+j; and NAME(row, col, r), the
// same of plane 0. Rows and columns off the grid read 0.
#define WINDOW_BITS(NAME, BUF, PLANES)                              \
uint NAME(int h, int row, int col, int r) {                         \
    if (row < 0 || row >= uN) {                                     \
        return 0u;                                                  \
    }                                                               \
    int w = col >> 4;                                               \
    uint word = BUF[((net() * PLANES + h) * uN + row) * wordsPerRow() + w]; \
    return (word >> uint(col - r - (w << 4) + 8)) & ((2u << uint(2 * r)) - 1u); \
}                                                                   \
uint NAME(int row, int col, int r) {                                \
    return NAME(0, row, col, r);                                    \
}

// SET_SPIKE defines NAME(h, c): marks cell h of pixel c in bit set BUF
// (PLANES planes a network), in the one or two words that hold its
// column.
#define SET_SPIKE(NAME, BUF, PLANES)                                \
void NAME(int h, ivec2 c) {                                         \
    int hi = (c.x + 8) >> 4;                                        \
    int base = ((net() * PLANES + h) * uN + c.y) * wordsPerRow();   \
    if (hi < wordsPerRow()) {                                       \
        atomicOr(BUF[base + hi], 1u << uint(c.x - (hi << 4) + 8));  \
    }                                                               \
    if (hi > 0) {                                                   \
        atomicOr(BUF[base + hi - 1], 1u << uint(c.x - (hi << 4) + 24)); \
    }                                                               \
}

// plainWord and plainBit place cell c in a plain bit set.
int plainWord(ivec2 c) {
    return netRow(c.y) * ((uN + 31) >> 5) + (c.x >> 5);
}

uint plainBit(ivec2 c) {
    return uint(c.x & 31);
}

// SET_BIT defines NAME(c): sets cell c in plain bit set BUF.
#define SET_BIT(NAME, BUF)                                          \
void NAME(ivec2 c) {                                                \
    atomicOr(BUF[plainWord(c)], 1u << plainBit(c));                 \
}

// PLAIN_WINDOW defines NAME(row, col, r): the bits of columns col−r …
// col+r (r ≤ 8) of one row of plain bit set BUF, as bit j = column
// col−r+j, from the one or two words that hold them. Rows and columns off
// the grid read 0.
#define PLAIN_WINDOW(NAME, BUF)                                     \
uint NAME(int row, int col, int r) {                                \
    if (row < 0 || row >= uN) {                                     \
        return 0u;                                                  \
    }                                                               \
    int wpr = (uN + 31) >> 5;                                       \
    int base = netRow(row) * wpr;                                   \
    int c0 = col - r;                                               \
    int w = c0 >> 5; /* −1 left of the grid */                      \
    uint sh = uint(c0 & 31);                                        \
    uint lo = w >= 0 ? BUF[base + w] : 0u;                          \
    uint hi = w + 1 < wpr && sh + uint(2 * r) >= 32u ? BUF[base + w + 1] : 0u; \
    uint bits = (lo >> sh) | (sh != 0u ? hi << (32u - sh) : 0u);    \
    return bits & ((2u << uint(2 * r)) - 1u);                       \
}

#ifdef USE_X
SET_BIT(setX, x)
#endif
#ifdef USE_Y
SET_BIT(setY, y)
#endif
#ifdef USE_YHAT
SET_BIT(setYHat, yhat)
#endif
#ifdef USE_X
PLAIN_WINDOW(xWindow, x)
#endif
#ifdef USE_XPREV
PLAIN_WINDOW(xPrevWindow, xPrev)
#endif
#ifdef USE_BITSPREV
WINDOW_BITS(prevWindow, bitsPrev, K)
#endif
#ifdef USE_BITS
WINDOW_BITS(curWindow, bits, K)
SET_SPIKE(setSpike, bits, K)
#endif
#ifdef USE_BITS2
SET_SPIKE(setSpike2, bits2, 1)
#endif

// The step's inputs: the noise key, the threshold adaptation rate of
// the step η_θ(t) (cpuref.Params.EtaThetaAt, computed on the host) and
// the rectangles of the frames (below; unused with a frame source). One
// network takes them as uniforms. A batch has them in one buffer, written
// each step and bound twice: as a uniform block of two headers a network,
// stepHeads[2·net] = (noise key, second layer's noise key, rectangles
// now, rectangles next) and stepHeads[2·net + 1] = (the network's first
// rectangle, η_θ(t) as float bits, unused, unused), and as the storage
// buffer of the rectangles, each network's next frame's after its
// frame's.
#if BATCH
layout(std140, binding = B_STEP) uniform StepBlock { ivec4 stepHeads[2 * NETS]; };
layout(std430, binding = B_STEP) restrict readonly buffer RectBuf { ivec4 stepRects[]; };
ivec4 stepHead;  // stepHeads[2·net], set by loadNetwork
ivec4 stepHead1; // stepHeads[2·net + 1]
#define stepRect0 stepHead1.x
#define uNumNow stepHead.z
#define uNumNext stepHead.w

// loadNetwork reads this invocation's network's parameters and step
// inputs once, into the variables the passes name (uRho, uNumNow, …).
void loadNetwork() {
    loadParams();
    stepHead = stepHeads[2 * net()];
    stepHead1 = stepHeads[2 * net() + 1];
}

// etaTheta is η_θ(t), the step's threshold adaptation rate.
float etaTheta() {
    return intBitsToFloat(stepHead1.y);
}

ivec4 rectNow(int k) {
    return stepRects[stepRect0 + k];
}

ivec4 rectNext(int k) {
    return stepRects[stepRect0 + uNumNow + k];
}

// noiseKey is cpuref.NoiseKey(seed, the layer's noise stream, step).
uint noiseKey(int layer) {
    return uint(stepHead[layer]);
}
#else
uniform ivec4 uNow[MAX_RECTS];
uniform int uNumNow;
uniform ivec4 uNext[MAX_RECTS];
uniform int uNumNext;
uniform uint uNoiseKey; // the pass's layer's: integrate's or integrate2's
uniform float uEtaThetaStep; // η_θ(t)

float etaTheta() {
    return uEtaThetaStep;
}

ivec4 rectNow(int k) {
    return uNow[k];
}

ivec4 rectNext(int k) {
    return uNext[k];
}

uint noiseKey(int layer) {
    return uNoiseKey;
}

// loadNetwork: one network's parameters and inputs are uniforms.
void loadNetwork() {
}
#endif

// The frames of the step as lit rectangles, (row0, col0, row1, col1),
// half-open: X_t (uNow) and the target X_{t+k} (uNext). Passes test
// pixels against them instead of reading X and Y.

bool inRect(ivec2 c, ivec4 r) {
    return c.y >= r.x && c.x >= r.y && c.y < r.z && c.x < r.w;
}

// span returns the bits [max(lo, 0), min(hi, 3)) of a 3-bit row or column
// of the patch.
uint span(int lo, int hi) {
    lo = max(lo, 0);
    hi = min(hi, 3);
    return lo < hi ? (1u << uint(hi)) - (1u << uint(lo)) : 0u;
}

// patchBox returns bit m set when slot m of the 3×3 patch around c lies in
// rectangle r (row0, col0, row1, col1; half-open): the patch rows and
// columns it covers as 3-bit masks; spreading the rows to bits 0, 3, 6 and
// multiplying by the columns lays the columns out on each covered row (no
// carries).
uint patchBox(ivec2 c, ivec4 r) {
    uint rows = span(r.x - c.y + 1, r.z - c.y + 1);
    uint cols = span(r.y - c.x + 1, r.w - c.x + 1);
    return ((rows & 1u) | ((rows & 2u) << 2) | ((rows & 4u) << 4)) * cols;
}

#if FRAMES && defined(USE_FRAMES)
// A frame source (-frames): frames t and t+k as plain bit sets, one after
// the other, uploaded by the step (FRAMES is a #define); in a batch, each
// network's pair after the network's before. Passes read a pixel's bit
// instead of testing rectangles.
layout(std430, binding = B_FRAMES) readonly buffer FramesBuf { uint frames[]; };

bool litIn(ivec2 c, int num, bool next) {
    int frame = 2 * net() + (next ? 1 : 0);
    int w = (frame * uN + c.y) * ((uN + 31) >> 5) + (c.x >> 5);
    return ((frames[w] >> plainBit(c)) & 1u) != 0u;
}

// patchMask returns bit m set when slot m of the 3×3 patch around c is a
// lit pixel of X_t (slot m at row offset m/3 − 1, column offset m%3 − 1).
uint patchMask(ivec2 c) {
    uint mask = 0u;
    for (int dy = -1, m = 0; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++, m++) {
            ivec2 q = c + ivec2(dx, dy);
            if (inGrid(q) && litIn(q, 0, false)) {
                mask |= 1u << uint(m);
            }
        }
    }
    return mask;
}
#else
bool litIn(ivec2 c, int num, bool next) {
    for (int k = 0; k < num; k++) {
        if (inRect(c, next ? rectNext(k) : rectNow(k))) {
            return true;
        }
    }
    return false;
}

// patchMask returns bit m set when slot m of the 3×3 patch around c is a
// lit pixel of X_t. Rectangles are clipped to the grid, so a lit pixel is
// on it.
uint patchMask(ivec2 c) {
    uint mask = 0u;
    for (int k = 0; k < uNumNow; k++) {
        mask |= patchBox(c, rectNow(k));
    }
    return mask;
}
#endif
