"""What stepping from Python costs, against the command (BENCHMARKS.md).

    .venv/bin/python python/bench/step_cost.py [--backend cpu] [--n 256]

Prints two comparisons, each the median of --repeats alternating runs:
the time of one step(1) call against that of a step inside step(10000),
and step(10000) against the command running the same 10,000 steps (its
summary's steps_per_s, which like step() times the stepping alone, not
the start).
"""

import argparse
import json
import os
import statistics
import subprocess
import time

import spikecast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="cpu")
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--calls", type=int, default=2000, help="step(1) calls timed")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--command", default=os.environ.get("SPIKECAST_BIN") or os.path.join(ROOT, "spikecast"))
    a = ap.parse_args()

    one, inside, py_rate, cmd_rate = [], [], [], []
    for _ in range(a.repeats):
        with spikecast.Network(n=a.n, backend=a.backend) as net:
            net.step(a.steps)  # the same steps as the command: the rate depends on the activity
            net.measures  # waits for the GPU
            start = time.perf_counter()
            net.step(a.steps)
            net.measures
            long = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(a.calls):
                net.step(1)
            net.measures
            short = time.perf_counter() - start
        one.append(short / a.calls)
        inside.append(long / a.steps)
        with spikecast.Network(n=a.n, backend=a.backend) as net:
            start = time.perf_counter()
            net.step(a.steps)
            net.measures
            py_rate.append(a.steps / (time.perf_counter() - start))
        out = subprocess.run([a.command, "-headless", "-quiet", "-backend", a.backend, "-n", str(a.n),
                              "-steps", str(a.steps)], capture_output=True, text=True, check=True).stdout
        cmd_rate.append(json.loads(out.splitlines()[-1])["steps_per_s"])

    med = statistics.median
    print(f"backend {a.backend}, n={a.n}, {a.repeats} runs each (medians)")
    print("  runs, Python steps/s:", " ".join(f"{r:.0f}" for r in py_rate))
    print("  runs, command steps/s:", " ".join(f"{r:.0f}" for r in cmd_rate))
    print(f"  step(1) call:                {med(one) * 1e6:9.1f} µs")
    print(f"  a step inside step({a.steps}): {med(inside) * 1e6:9.1f} µs"
          f"  (a call adds {(med(one) - med(inside)) * 1e6:.1f} µs)")
    print(f"  step({a.steps}) from Python:  {med(py_rate):9.0f} steps/s")
    print(f"  the command, -steps {a.steps}: {med(cmd_rate):9.0f} steps/s"
          f"  (Python at {100 * med(py_rate) / med(cmd_rate):.1f}%)")


if __name__ == "__main__":
    main()
