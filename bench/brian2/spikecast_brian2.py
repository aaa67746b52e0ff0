#!/usr/bin/python3
"""spikecast's network in Brian2 (C++ standalone, 2 OpenMP threads): a peer
benchmark for the CPU backends.

    /usr/bin/python3 bench/brian2/spikecast_brian2.py [--n 256,1024] [--steps S] [--threads 2]

prints steps/s per n with learning on, timed by the standalone binary around
its network loop only (code generation and C++ compilation excluded).

The network is docs/MODEL.md's with its defaults: an n×n input frame (one
dot walking the border clockwise, target = the next frame), n×n hidden LIF
cells v ← ρ·v + ((in + rec) + b) + σ·ξ with spike v ≥ θ and reset to 0,
threshold homeostasis θ ← max(θ + η_θ·(s − r*), θ_min), 3×3 W_in from the
input with STDP traces p and q, a 3×3 W_rec from s(t−1) (no self-synapse),
and an n×n output reading a 5×5 local W_out window with ŷ = [u > τ_out],
e = y − ŷ and the delta rule on the weights of the hidden cells that
spiked. The noise ξ is spikecast's counter-based hash (PCG, four 16-bit
uniforms), as a C++ function.

Where it differs from spikecast (same work per step, not the same bits):
- arithmetic is double precision, so it does not match spikecast bit for bit;
- STDP is event-driven, as Brian2 writes it: on a hidden spike every W_in
  synapse of the cell gains η·A₊·p_pre, on a lit pixel every synapse from it
  loses η·A₋·q_post, each clipped to [0, win_max] on its own (spikecast forms
  η·(pot − dep) and clips once); q is read before its update, as in spikecast;
- W_in, W_rec start from Brian2's uniform generator, not spikecast's hash;
- off-grid window slots do not exist (Brian2 stores synapses, not windows);
- the measures ring is not kept; TP/FP/FN are not counted.
"""

import argparse
import os
import shutil
import sys
import tempfile

from brian2 import (NeuronGroup, Synapses, Network, defaultclock, device,
                    implementation, check_units, linked_var, ms, prefs, set_device)

DEFAULTS = dict(rho=0.9, bias=0.0, sigma=0.005, target_rate=0.1, tau_out=1.0,
                a_plus=1.0, a_minus=0.5, lambda_pre=0.8, lambda_post=0.8,
                eta=0.01, eta_out=0.05, eta_theta=0.01, theta0=1.0,
                theta_min=0.05, win0=0.5, win_max=1.5, wout_max=4.0,
                wrec0=0.02, seed=1)

HASH = r'''
#include <stdint.h>
static inline uint32_t sc_pcg(uint32_t v) {
    uint32_t s = v * 747796405u + 2891336453u;
    uint32_t w = ((s >> ((s >> 28) + 4u)) ^ s) * 277803737u;
    return (w >> 22) ^ w;
}
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


def build(n, steps, threads, directory, profile=False):
    """Builds and runs the network; returns the steps/s of its run."""
    set_device('cpp_standalone', directory=directory, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = threads
    prefs.codegen.cpp.extra_compile_args_gcc = ['-O3', '-march=native', '-w']
    defaultclock.dt = 1 * ms
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

    net = Network(inp, hid, w_in, w_rec, out, w_out)
    net.run(steps * ms, profile=profile)
    device.build(directory=directory, compile=True, run=True, debug=False)
    if n <= 64:  # a sign of life: spikes, thresholds moving, W_out learned
        print(f'  n={n}: mean θ {hid.theta[:].mean():.4f}, Σ|W_out| {abs(w_out.w[:]).sum():.3f}, '
              f'Σ W_in {w_in.w[:].sum():.2f}, p max {inp.p[:].max():.3f}', flush=True)
    if profile:
        for name, t in sorted(net.profiling_info, key=lambda x: -x[1])[:8]:
            print(f'  {name}: {float(t) * 1e6 / steps:.1f} µs/step', flush=True)
    return steps / device._last_run_time


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', default='256,1024', help='grid sides, comma-separated')
    ap.add_argument('--steps', type=int, default=0, help='steps per run (0: 3,000 at n ≤ 256, 300 above)')
    ap.add_argument('--threads', type=int, default=2, help='OpenMP threads')
    ap.add_argument('--profile', action='store_true', help='print the costliest code objects')
    ap.add_argument('--keep', default='', help='build in DIR/n<n> and keep it, to rerun its ./main (see BENCHMARKS.md)')
    args = ap.parse_args()
    for n in [int(v) for v in args.n.split(',')]:
        steps = args.steps or (3000 if n <= 256 else 300)
        if args.keep:
            directory = os.path.join(args.keep, f'n{n}')
        else:
            directory = tempfile.mkdtemp(prefix=f'spikecast_brian2_n{n}_')
        try:
            rate = build(n, steps, args.threads, directory, args.profile)
            if args.keep:  # for a rerun of ./main (bench/brian2/sitting.sh)
                with open(os.path.join(directory, 'steps.txt'), 'w') as f:
                    print(steps, file=f)
        finally:
            if not args.keep:
                shutil.rmtree(directory, ignore_errors=True)
            device.reinit()
            device.activate()
        print(f'n={n} steps={steps} threads={args.threads}: {rate:.1f} steps/s', flush=True)


if __name__ == '__main__':
    sys.exit(main())
