#!/usr/bin/python3
"""spikecast's network in Brian2 (C++ standalone, 2 OpenMP threads): a peer
benchmark for the CPU backends.

    /usr/bin/python3 bench/brian2/spikecast_brian2.py [--precision double|float32]
        [--n 256,1024] [--steps S] [--threads 2] [--keep DIR] [--profile]
    /usr/bin/python3 bench/brian2/spikecast_brian2.py --precision float32 --check 64 [--steps 2000]

prints steps/s per n with learning on, timed by the standalone binary around
its network loop only (code generation, C++ compilation and synapse creation
excluded). --check N runs the network at n = N beside spikecast's cpu
backend (`go run . -headless -backend cpu`) and compares the two: spike
trains step by step, hidden rate and F1 over the last 100 steps, and the
final state.

The network is docs/MODEL.md's with its defaults: an n×n input frame (one
dot walking the border clockwise, target = the next frame), n×n hidden LIF
cells v ← ρ·v + ((in + rec) + b) + σ·ξ with spike v ≥ θ and reset to 0,
threshold homeostasis θ ← max(θ + η_θ·(s − r*), θ_min), 3×3 W_in from the
input with STDP traces p and q, a 3×3 W_rec from s(t−1) (no self-synapse),
and an n×n output reading a 5×5 local W_out window with ŷ = [u > τ_out],
e = y − ŷ and the delta rule on the weights of the hidden cells that
spiked. The noise ξ is spikecast's counter-based hash (PCG, one key a step,
two hashes a cell, four 16-bit uniforms: docs/MODEL.md §6), as a C++
function, in both modes. The traces decay multiplicatively once a step in
both modes (p ← λ_pre·p + x, q ← λ_post·q + s).

--precision float32 is spikecast's arithmetic as far as Brian2 lets it be
written: float32 state and constants (`prefs.core.default_float_dtype`),
each sum and product as a separate statement in MODEL.md's order and
parenthesisation, no FMA (`-ffp-contract=off`), the noise drawn in float32
exactly as cpuref.NormalKeyed, W_in and W_rec initialised from spikecast's
hash (streams 1 and 2, so the same initial weights), and the passes of
MODEL.md §7 as separate operations in their order (Brian2's `when`/`order`):
integrate (input pixel, p; hidden v, spike, reset; homeostasis), output
(u, ŷ, e; delta rule), learnInput (STDP as spikecast writes it:
Δ = η·((A₊·s)·p − (A₋·q)·x), clipped once, on every synapse of a spiking
cell or a lit pixel; then q). Where it still differs from spikecast:
- a float32 sum over several spikes (u, the recurrent input) runs in the
  order Brian2's OpenMP spike queues hand the synapses over: each thread
  holds a share of the synapses, so with 2 threads a cell's terms do not
  always come in spikecast's ascending slot order, and the two drift apart
  by an ulp here and there (--check says where); with --threads 1 they do,
  and --check 64 --threads 1 finds every spike and the whole final state
  bit for bit spikecast's after 2,000 steps;
- off-grid window slots do not exist (Brian2 stores synapses, not windows);
- the measures ring is not kept; TP/FP/FN and spikes are not counted
  (--check adds monitors for them, outside the timed runs).

--precision double (the default) is the first version of this benchmark,
kept to be measured beside it; it differs from spikecast further:
- arithmetic is double precision, constants and the noise included;
- STDP is event-driven, as Brian2 writes it: on a hidden spike every W_in
  synapse of the cell gains η·A₊·p_pre, on a lit pixel every synapse from it
  loses η·A₋·q_post, each clipped to [0, win_max] on its own (spikecast forms
  η·(pot − dep) and clips once); q is read before its update, as in spikecast;
- W_in, W_rec start from Brian2's uniform generator, not spikecast's hash;
- homeostasis and q run at the end of the step, after learning;
- FMA contraction is left to the compiler (`-O3 -march=native`).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from brian2 import (NeuronGroup, Synapses, Network, SpikeMonitor, defaultclock, device,
                    implementation, check_units, linked_var, ms, prefs, set_device)

DEFAULTS = dict(rho=0.9, bias=0.0, sigma=0.005, target_rate=0.1, tau_out=1.0,
                a_plus=1.0, a_minus=0.5, lambda_pre=0.8, lambda_post=0.8,
                eta=0.01, eta_out=0.05, eta_theta=0.01, theta0=1.0,
                theta_min=0.05, win0=0.5, win_max=1.5, wout_max=4.0,
                wrec0=0.02, seed=1)

HASH = r'''
#include <stdint.h>
#ifndef SC_PCG
#define SC_PCG
static inline uint32_t sc_pcg(uint32_t v) {
    uint32_t s = v * 747796405u + 2891336453u;
    uint32_t w = ((s >> ((s >> 28) + 4u)) ^ s) * 277803737u;
    return (w >> 22) ^ w;
}
#endif
'''


@implementation('cpp', HASH + r'''
static inline double sc_noise(int32_t i, int32_t t) {
    // the step's key is computed once per thread and step, as spikecast does once per step
    static thread_local int32_t kt = -1;
    static thread_local uint32_t key = 0;
    if (t != kt) { kt = t; key = sc_pcg(1u + sc_pcg(3u + sc_pcg((uint32_t)t))); }
    uint32_t h0 = sc_pcg(sc_pcg(2u * (uint32_t)i) + key);
    uint32_t h1 = sc_pcg(sc_pcg(2u * (uint32_t)i + 1u) + key);
    int32_t s = (int32_t)(h0 & 0xffffu) + (int32_t)(h0 >> 16) + (int32_t)(h1 & 0xffffu) + (int32_t)(h1 >> 16);
    return ((double)(s - 131072) / 65536.0) * 1.7320508;
}
''')
@check_units(i=1, t=1, result=1)
def sc_noise(i, t):
    raise NotImplementedError('C++ standalone only')


@implementation('cpp', HASH + r'''
static inline float sc_noise32(int32_t seed, int32_t i, int32_t t) {
    // cpuref.NormalKeyed(NoiseKey(seed, 3, t), i): the key once per thread
    // and step; the four uniforms' sum s·2⁻¹⁶ is exact, and so is
    // (s − 2¹⁷)·2⁻¹⁶ = sum − 2, so one float32 product rounds, as in cpuref
    static thread_local int32_t kt = -1;
    static thread_local uint32_t key = 0;
    if (t != kt) { kt = t; key = sc_pcg((uint32_t)seed + sc_pcg(3u + sc_pcg((uint32_t)t))); }
    uint32_t h0 = sc_pcg(sc_pcg(2u * (uint32_t)i) + key);
    uint32_t h1 = sc_pcg(sc_pcg(2u * (uint32_t)i + 1u) + key);
    int32_t s = (int32_t)(h0 & 0xffffu) + (int32_t)(h0 >> 16) + (int32_t)(h1 & 0xffffu) + (int32_t)(h1 >> 16);
    return ((float)(s - 131072) * (1.0f / 65536.0f)) * 1.7320508f;
}
''')
@check_units(seed=1, i=1, t=1, result=1)
def sc_noise32(seed, i, t):
    raise NotImplementedError('C++ standalone only')


@implementation('cpp', HASH + r'''
static inline float sc_weight0(int32_t seed, int32_t stream, int32_t pre, int32_t post, int32_t n, float scale) {
    // the initial weight of the 3×3 window slot of post that reads pre
    // (docs/MODEL.md §6): W_in = win0·U, W_rec = wrec0·(2U − 1), with
    // U = Uniform(Hash(seed, stream, 0, post·9 + m))
    int32_t m = (pre / n - post / n + 1) * 3 + (pre % n - post % n + 1);
    uint32_t h = sc_pcg((uint32_t)seed + sc_pcg((uint32_t)stream + sc_pcg(0u + sc_pcg((uint32_t)(post * 9 + m)))));
    float u = (float)(h >> 8) * (1.0f / 16777216.0f);
    return stream == 1 ? scale * u : scale * (2.0f * u - 1.0f);
}
''')
@check_units(seed=1, stream=1, pre=1, post=1, n=1, scale=1, result=1)
def sc_weight0(seed, stream, pre, post, n, scale):
    raise NotImplementedError('C++ standalone only')


@implementation('cpp', r'''
static inline int32_t sc_border(int32_t t, int32_t n) {
    // the border walk of docs/MODEL.md §8: the lit cell's index at step t
    if (n == 1) return 0;
    int32_t e = n - 1, per = 4 * e, p = t % per, r, c;
    if (p < e) { r = 0; c = p; }
    else if (p < 2 * e) { r = p - e; c = e; }
    else if (p < 3 * e) { r = e; c = e - (p - 2 * e); }
    else { r = e - (p - 3 * e); c = 0; }
    return r * n + c;
}
''')
@check_units(t=1, n=1, result=1)
def sc_border(t, n):
    raise NotImplementedError('C++ standalone only')


def border(t, n):
    """sc_border in Python, for --check."""
    e = n - 1
    p = t % (4 * e)
    if p < e:
        r, c = 0, p
    elif p < 2 * e:
        r, c = p - e, e
    elif p < 3 * e:
        r, c = e, e - (p - 2 * e)
    else:
        r, c = e - (p - 3 * e), 0
    return r * n + c


def build_double(n):
    """The double-precision network (the header's --precision double)."""
    P = dict(DEFAULTS, n=n, sc_noise=sc_noise, sc_border=sc_border)

    # Input: x (frame t) drives the hidden layer; y is the target t+1; p is
    # the pre-synaptic trace, advanced before learning reads it.
    inp = NeuronGroup(n * n, '''x : 1
                                y : 1
                                p : 1
                                row : integer (constant)
                                col : integer (constant)''',
                      threshold='x > 0.5', reset='', namespace=P)
    inp.row, inp.col = 'i // n', 'i % n'
    inp.run_regularly('''x = int(i == sc_border(t_in_timesteps, n))
                         y = int(i == sc_border(t_in_timesteps + 1, n))
                         p = lambda_pre * p + x''', when='start', order=0)
    inp.thresholder['spike'].when, inp.thresholder['spike'].order = 'start', 1

    hid = NeuronGroup(n * n, '''v : 1
                                theta : 1
                                q : 1
                                qold : 1
                                s : 1
                                I_in : 1
                                I_rec : 1
                                row : integer (constant)
                                col : integer (constant)''',
                      threshold='v >= theta', reset='v = 0; s = 1', namespace=P)
    hid.row, hid.col = 'i // n', 'i % n'
    hid.theta = P['theta0']
    # steps 1–3: integrate the sums left by the synapses, leak, noise
    hid.run_regularly('''v = rho * v + ((I_in + I_rec) + bias) + sigma * sc_noise(i, t_in_timesteps)
                         I_in = 0
                         I_rec = 0
                         s = 0
                         qold = q''', when='groups', order=0)
    # step 8 and the end of step 7: homeostasis and q
    hid.run_regularly('''theta = clip(theta + eta_theta * (s - target_rate), theta_min, 1e30)
                         q = lambda_post * q + s''', when='end', order=10)

    # W_in: 3×3 receptive fields, STDP written event-driven.
    w_in = Synapses(inp, hid, 'w : 1', namespace=P,
                    on_pre={'pre': 'I_in_post += w',
                            'dep': 'w = clip(w - eta * a_minus * qold_post, 0, win_max)'},
                    on_post={'pot': 'w = clip(w + eta * a_plus * p_pre, 0, win_max)'})
    window(w_in, n, 1)
    w_in.w = 'win0 * rand()'
    w_in.pre.when, w_in.pre.order = 'start', 2
    w_in.dep.when = 'after_resets'
    w_in.pot.when = 'after_resets'

    # W_rec: s(t−1) → hidden, 3×3 without the centre, fixed.
    w_rec = Synapses(hid, hid, 'w : 1', on_pre='I_rec_post += w', namespace=P)
    window(w_rec, n, 1, centre=False)
    w_rec.w = 'wrec0 * (2 * rand() - 1)'

    out = NeuronGroup(n * n, '''u : 1
                                yhat : 1
                                err : 1
                                y : 1 (linked)''', namespace=P)
    out.y = linked_var(inp, 'y')
    # steps 4–5: the prediction and its error, after the spikes' sums
    w_out = Synapses(hid, out, 'w : 1', namespace=P,
                     on_pre={'pre': 'u_post += w',
                             'learn': 'w = clip(w + eta_out * err_post, -wout_max, wout_max)'})
    window(w_out, n, 2)
    w_out.learn.when = 'after_resets'
    w_out.learn.order = 5
    out.run_regularly('''yhat = int(u > tau_out)
                         err = y - yhat
                         u = 0''', when='after_synapses', order=0)
    return inp, hid, w_in, w_rec, out, w_out


def build_float32(n, check=False):
    """The float32 network (the header's --precision float32). Each
    statement is one rounded operation in MODEL.md's order; the names of
    the temporaries are those of MODEL.md §7. With check, the output layer
    gets a threshold (ŷ), so that a monitor can record it."""
    P = {k: (np.float32(v) if isinstance(v, float) else v) for k, v in DEFAULTS.items()}
    P.update(n=n, sc_noise32=sc_noise32, sc_border=sc_border, sc_weight0=sc_weight0)
    # MODEL.md §7's order within the step: integrate at start…groups…resets,
    # then after_resets in this order
    o_theta, o_u, o_out, o_learn_out, o_stdp_post, o_stdp_pre, o_q = range(7)

    # integrate, the input pixel: x, y, p (then x's spikes carry W_in to the
    # hidden cells: with one lit pixel a hidden cell sums at most one term)
    inp = NeuronGroup(n * n, '''x : 1
                                y : 1
                                p : 1''',
                      threshold='x > 0.5', reset='', namespace=P)
    inp.run_regularly('''x = int(i == sc_border(t_in_timesteps, n))
                         y = int(i == sc_border(t_in_timesteps + 1, n))
                         lp = lambda_pre * p
                         p = lp + x''', when='start', order=0)
    inp.thresholder['spike'].when, inp.thresholder['spike'].order = 'start', 1

    # integrate, the hidden cell: I = ((in + rec) + b) + ξ, v' = (ρ·v) + I,
    # then Brian2's threshold and reset (s, v ← 0) and homeostasis
    hid = NeuronGroup(n * n, '''v : 1
                                theta : 1
                                q : 1
                                s : 1
                                I_in : 1
                                I_rec : 1''',
                      threshold='v >= theta', reset='v = 0; s = 1', namespace=P)
    hid.theta = P['theta0']
    hid.run_regularly('''inrec = I_in + I_rec
                         I1 = inrec + bias
                         xi = sigma * sc_noise32(seed, i, t_in_timesteps)
                         I = I1 + xi
                         lv = rho * v
                         v = lv + I
                         I_in = 0
                         I_rec = 0
                         s = 0''', when='groups', order=0)
    hid.run_regularly('''ds = s - target_rate
                         dtheta = eta_theta * ds
                         h = theta + dtheta
                         theta = clip(h, theta_min, 1e30)''', when='after_resets', order=o_theta)

    # W_in, learned by learnInput below; its weights are the hash's
    w_in = Synapses(inp, hid, 'w : 1', namespace=P,
                    on_pre={'pre': 'I_in_post += w',
                            # a lit pixel onto a silent cell: pot = (A₊·0)·p = 0
                            'stdp_pre': '''qa = a_minus * q_post
                                           dw = eta * (0 - qa)
                                           gate = 1 - s_post
                                           dwg = gate * dw
                                           w = clip(w + dwg, 0, win_max)'''},
                    # a spiking cell: every synapse, lit or not
                    on_post={'stdp_post': '''pot = a_plus * p_pre
                                             qa = a_minus * q_post
                                             dep = qa * x_pre
                                             dpq = pot - dep
                                             dw = eta * dpq
                                             w = clip(w + dw, 0, win_max)'''})
    window(w_in, n, 1)
    w_in.w = 'sc_weight0(seed, 1, i, j, n, win0)'
    w_in.pre.when, w_in.pre.order = 'start', 2
    w_in.stdp_post.when, w_in.stdp_post.order = 'after_resets', o_stdp_post
    w_in.stdp_pre.when, w_in.stdp_pre.order = 'after_resets', o_stdp_pre

    # W_rec: s(t) summed now into the next step's rec, fixed
    w_rec = Synapses(hid, hid, 'w : 1', on_pre='I_rec_post += w', namespace=P)
    window(w_rec, n, 1, centre=False)
    w_rec.w = 'sc_weight0(seed, 2, i, j, n, wrec0)'

    # output: u from this step's spikes, ŷ, e, then the delta rule on the
    # weights that were summed
    out = NeuronGroup(n * n, '''u : 1
                                yhat : 1
                                err : 1
                                y : 1 (linked)''', namespace=P,
                      threshold='yhat > 0.5' if check else None, reset='' if check else None)
    out.y = linked_var(inp, 'y')
    w_out = Synapses(hid, out, 'w : 1', namespace=P,
                     on_pre={'pre': 'u_post += w',
                             'learn': '''d = eta_out * err_post
                                         w = clip(w + d, -wout_max, wout_max)'''})
    window(w_out, n, 2)
    w_out.pre.when, w_out.pre.order = 'after_resets', o_u
    w_out.learn.when, w_out.learn.order = 'after_resets', o_learn_out
    out.run_regularly('''yhat = int(u > tau_out)
                         err = y - yhat
                         u = 0''', when='after_resets', order=o_out)
    if check:
        # after the run_regularly of the same order, which was added first
        out.thresholder['spike'].when, out.thresholder['spike'].order = 'after_resets', o_out

    # learnInput's end: q ← (λ_post·q) + s, after STDP has read it
    hid.run_regularly('''lq = lambda_post * q
                         q = lq + s''', when='after_resets', order=o_q)
    return inp, hid, w_in, w_rec, out, w_out


def build(n, steps, threads, directory, precision='double', profile=False, check=False):
    """Builds and runs the network; returns the steps/s of its run, and
    with check the groups and monitors to compare."""
    prefs.core.default_float_dtype = np.float32 if precision == 'float32' else np.float64
    set_device('cpp_standalone', directory=directory, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = threads
    prefs.codegen.cpp.extra_compile_args_gcc = ['-O3', '-march=native', '-w']
    if precision == 'float32':
        prefs.codegen.cpp.extra_compile_args_gcc += ['-ffp-contract=off']
    defaultclock.dt = 1 * ms
    if precision == 'float32':
        groups = build_float32(n, check)
    else:
        groups = build_double(n)
    inp, hid, w_in, w_rec, out, w_out = groups
    net = Network(*groups)
    mons = []
    if check:
        mons = [SpikeMonitor(inp), SpikeMonitor(hid), SpikeMonitor(out)]
        net.add(*mons)
    net.run(steps * ms, profile=profile)
    device.build(directory=directory, compile=True, run=True, debug=False)
    if n <= 64:  # a sign of life: spikes, thresholds moving, W_out learned
        print(f'  n={n}: mean θ {hid.theta[:].mean():.4f}, Σ|W_out| {abs(w_out.w[:]).sum():.3f}, '
              f'Σ W_in {w_in.w[:].sum():.2f}, p max {inp.p[:].max():.3f}', flush=True)
    if profile:
        for name, t in sorted(net.profiling_info, key=lambda x: -x[1])[:8]:
            print(f'  {name}: {float(t) * 1e6 / steps:.1f} µs/step', flush=True)
    return steps / device._last_run_time, groups, mons


def window(syn, n, r, centre=True):
    """Connects each source cell to the cells of the radius-r window around
    it, one offset at a time (a condition over all n⁴ pairs would not
    finish at n = 1024)."""
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if not centre and dy == 0 and dx == 0:
                continue
            syn.connect(j=f'k for k in range(i + {dy * n + dx}, i + {dy * n + dx + 1}) '
                          f'if i // n + {dy} >= 0 and i // n + {dy} < n and i % n + {dx} >= 0 and i % n + {dx} < n',
                        namespace={'n': n})


def spikecast_run(n, steps, directory):
    """Runs spikecast's cpu backend for the same network; returns its spike
    records and its final state (the -spikes and -state files)."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    env = dict(os.environ, PATH=os.environ.get('PATH', '') + ':/usr/local/go/bin')
    spikes, state = os.path.join(directory, 'spikes.npy'), os.path.join(directory, 'state.npz')
    subprocess.run(['go', 'run', '.', '-headless', '-backend', 'cpu', '-n', str(n), '-steps', str(steps),
                    '-quiet', '-spikes', spikes, '-state', state],
                   cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    return np.load(spikes), dict(np.load(state))


def measures(trains, n, steps, window=100):
    """Hidden rate and F1 over the last window steps, as MODEL.md §9 pools
    them, from per-step sets of hidden spikes and of ŷ = 1."""
    t0 = max(steps - window, 0)
    spikes = sum(len(trains[1].get(t, ())) for t in range(t0, steps))
    tp = fp = fn = 0
    for t in range(t0, steps):
        yhat, y = trains[2].get(t, set()), border(t + 1, n)
        tp += y in yhat
        fp += len(yhat) - (y in yhat)
        fn += y not in yhat
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return spikes / ((steps - t0) * n * n), f1


def by_step(steps_, cells):
    """{step: set of cells} from parallel arrays."""
    out = {}
    for t, c in zip(steps_, cells):
        out.setdefault(int(t), set()).add(int(c))
    return out


def check(n, steps, threads):
    """Runs the float32 network and spikecast side by side at n and prints
    how close they are."""
    directory = tempfile.mkdtemp(prefix=f'spikecast_brian2_check_n{n}_')
    try:
        _, groups, mons = build(n, steps, threads, directory, 'float32', check=True)
        inp, hid, w_in, w_rec, out, w_out = groups
        b2 = [by_step(np.rint(m.t_[:] / 1e-3).astype(int), m.i[:]) for m in mons]
        rec, st = spikecast_run(n, steps, directory)
        sc = [by_step(rec['step'][rec['layer'] == layer], rec['cell'][rec['layer'] == layer]) for layer in range(3)]
        for layer, name in enumerate(['input x', 'hidden s', 'output ŷ']):
            same = [t for t in range(steps) if b2[layer].get(t, set()) == sc[layer].get(t, set())]
            first = next((t for t in range(steps) if b2[layer].get(t, set()) != sc[layer].get(t, set())), None)
            print(f'{name}: identical at {len(same)}/{steps} steps, first difference at step {first}; '
                  f'spikes {sum(map(len, b2[layer].values()))} (Brian2) vs {sum(map(len, sc[layer].values()))} (spikecast)')
        for who, trains in (('Brian2', b2), ('spikecast', sc)):
            rate, f1 = measures(trains, n, steps)
            print(f'{who}: hidden rate {rate:.6f}, F1 {f1:.4f} (last 100 steps)')
        compare_state(n, st, inp, hid, w_in, w_out)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        device.reinit()
        device.activate()


def compare_state(n, st, inp, hid, w_in, w_out):
    """Prints, per buffer, how many values are bit for bit spikecast's and
    the largest difference."""
    def slots(syn, r):
        # the window slot of each synapse: the source's offset from the target
        i, j = syn.i[:], syn.j[:]
        dy, dx = i // n - j // n + r, i % n - j % n + r
        return j // n, j % n, dy, dx

    win = np.zeros((n, n, 3, 3), np.float32)
    win[slots(w_in, 1)] = w_in.w[:]
    wout = np.zeros((n, n, 5, 5), np.float32)
    wout[slots(w_out, 2)] = w_out.w[:]
    for name, mine in (('p', inp.p[:]), ('v', hid.v[:]), ('theta', hid.theta[:]), ('q', hid.q[:]),
                       ('W_in', win), ('W_out', wout)):
        theirs = st[name].astype(np.float32).reshape(-1)
        mine = np.asarray(mine, np.float32).reshape(-1)
        same = np.count_nonzero(mine.view(np.uint32) == theirs.view(np.uint32))
        print(f'  {name}: {same}/{mine.size} bit-identical, max |Δ| {np.abs(mine - theirs).max():.3g}, '
              f'mean {theirs.mean():.6g} (spikecast) {mine.mean():.6g} (Brian2)')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--precision', default='double', choices=['double', 'float32'],
                    help='double: the first version; float32: spikecast\'s arithmetic (see the header)')
    ap.add_argument('--n', default='256,1024', help='grid sides, comma-separated')
    ap.add_argument('--steps', type=int, default=0, help='steps per run (0: 3,000 at n ≤ 256, 300 above; --check 2,000)')
    ap.add_argument('--threads', type=int, default=2, help='OpenMP threads')
    ap.add_argument('--profile', action='store_true', help='print the costliest code objects')
    ap.add_argument('--keep', default='', help='build in DIR/n<n> and keep it, to rerun its ./main (see BENCHMARKS.md)')
    ap.add_argument('--check', type=int, default=0, metavar='N',
                    help='compare the float32 network at n = N with spikecast\'s cpu backend (go run)')
    args = ap.parse_args()
    if args.check:
        return check(args.check, args.steps or 2000, args.threads)
    for n in [int(v) for v in args.n.split(',')]:
        steps = args.steps or (3000 if n <= 256 else 300)
        if args.keep:
            directory = os.path.join(args.keep, f'n{n}')
        else:
            directory = tempfile.mkdtemp(prefix=f'spikecast_brian2_n{n}_')
        try:
            rate = build(n, steps, args.threads, directory, args.precision, args.profile)[0]
            if args.keep:  # for a rerun of ./main (bench/brian2/sitting.sh)
                with open(os.path.join(directory, 'steps.txt'), 'w') as f:
                    print(steps, file=f)
        finally:
            if not args.keep:
                shutil.rmtree(directory, ignore_errors=True)
            device.reinit()
            device.activate()
        print(f'n={n} precision={args.precision} steps={steps} threads={args.threads}: {rate:.1f} steps/s', flush=True)


if __name__ == '__main__':
    sys.exit(main())
