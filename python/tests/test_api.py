"""The module's API: validation with the command's messages, measures,
spikes, live changes, pictures, several networks, Ctrl-C, errors."""

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import spikecast


def test_version_and_gpus():
    assert isinstance(spikecast.__version__, str) and spikecast.__version__
    gpus = spikecast.list_gpus()
    assert isinstance(gpus, list)
    for g in gpus:
        assert "text" in g


@pytest.mark.parametrize("kw, flag", [
    (dict(rho=2), ["-rho", "2"]),
    (dict(rho="x"), ["-rho", "x"]),
    (dict(n=0), ["-n", "0"]),
    (dict(wout="dense", n=200), ["-wout", "dense", "-n", "200"]),
    (dict(rule="oja"), ["-rule", "oja"]),
    (dict(backend="tpu"), ["-backend", "tpu"]),
])
def test_validation_messages(command, kw, flag):
    rc, _, err = command("-headless", "-steps", 1, *flag)
    assert rc == 2
    with pytest.raises(ValueError) as e:
        spikecast.Network(**kw)
    assert "spikecast: " + str(e.value) == err.strip()


def test_unknown_parameter():
    with pytest.raises(ValueError, match="unknown parameter"):
        spikecast.Network(n=8, nonsense=1)
    with pytest.raises(TypeError):
        spikecast.Network(n=8, rho=[1])


def test_config_from_summary(tmp_path, command):
    rc, out, err = command("-headless", "-quiet", "-backend", "cpu", "-n", 10, "-rho", 0.8, "-seed", 9, "-steps", 5)
    assert rc == 0, err
    (tmp_path / "run.json").write_text(out.splitlines()[-1])
    with spikecast.Network(config=tmp_path / "run.json", eta=0.03) as net:
        p = net.params
        assert (p["n"], p["seed"], p["eta"]) == (10, 9, pytest.approx(0.03))
        assert p["rho"] == pytest.approx(0.8)
        assert net.backend == "cpu"  # the run's backend
    (tmp_path / "bad.json").write_text('{"nonsense": 1}')
    with pytest.raises(ValueError, match="unknown key"):
        spikecast.Network(config=tmp_path / "bad.json")


def test_preset(tmp_path, command):
    rc, out, err = command("-headless", "-quiet", "-backend", "ref", "-n", 8, "-steps", 3,
                           "-rho", 0.5, "-preset", "rich", "-save", tmp_path / "cmd.ckpt")
    assert rc == 0, err
    summary = json.loads(out.splitlines()[-1])
    assert summary["run"]["preset"] == "rich"
    with spikecast.Network(n=8, backend="ref", preset="rich", rho=0.5) as net:
        assert net.params == summary["params"]
        net.step(3)
        net.save(tmp_path / "py.ckpt")
    assert (tmp_path / "py.ckpt").read_bytes() == (tmp_path / "cmd.ckpt").read_bytes()
    (tmp_path / "c.json").write_text('{"preset": "rich", "n": 8}')
    with spikecast.Network(config=tmp_path / "c.json", backend="ref", rho=0.5) as net:
        assert net.params == summary["params"]
    rc, _, err = command("-headless", "-preset", "poor")
    assert rc == 2
    with pytest.raises(ValueError) as e:
        spikecast.Network(preset="poor")
    assert "spikecast: " + str(e.value) == err.strip()


def test_measures_state_spikes():
    with spikecast.Network(n=12, seed=2, backend="cpu", horizon=2) as net:
        net.step(400)
        m = net.measures
        assert m["step"] == 400 and 0 <= m["f1"] <= 1 and 0 < m["hidden_rate"] < 1
        st = net.state
        assert st["v"].shape == (12, 12) and st["v"].dtype == np.float32
        assert st["W_in"].shape[:2] == (12, 12)
        assert json.loads(str(st["meta"]))["n"] == 12
        sp = net.spikes
        assert set(sp) == {"input", "hidden", "output", "hidden2"}
        assert all(a.shape == (12, 12) and a.dtype == bool for a in sp.values())
        assert np.array_equal(sp["hidden"], st["s"] != 0)


def test_set_live():
    with spikecast.Network(n=10, backend="cpu") as net:
        net.step(10)
        net.set(eta=0.05, sigma_noise=0.01)
        assert net.params["eta"] == pytest.approx(0.05)
        assert net.changes == ["10 sigma_noise 0.01", "10 eta 0.05"]  # in declaration order
        with pytest.raises(ValueError, match="-n cannot change"):
            net.set(n=12)
        with pytest.raises(ValueError, match=r"invalid -eta 20: want a number in \[0, 10\]"):
            net.set(eta=20)
        assert net.params["eta"] == pytest.approx(0.05)
        net.step(10)


def test_bad_frames():
    with spikecast.Network(n=8, frames=True, backend="cpu") as net:
        for bad, msg in [
            (np.zeros((3, 4)), "rank 2"),
            (np.zeros((3, 4, 4), dtype=np.int64), "dtype"),
            (np.zeros((3, 0, 4), dtype=np.uint8), "pixels"),
        ]:
            with pytest.raises(ValueError, match=msg):
                net.step(frames=bad)
        with pytest.raises(ValueError, match="need frames up to"):
            net.step(5, frames=np.zeros((3, 8, 8), dtype=bool))
        assert net.t == 0
        net.step(frames=np.ones((3, 8, 8), dtype=np.float32))
        assert net.t == 2
    with spikecast.Network(n=8, backend="cpu") as net:
        with pytest.raises(ValueError, match="frames=True"):
            net.step(1, frames=np.zeros((2, 8, 8), dtype=bool))


@pytest.mark.parametrize("backend", ["cpu", "gpu"])
def test_picture(backend):
    with spikecast.Network(n=16, backend=backend) as net:
        net.step(50)
        img = net.picture(320, 200)
        assert img.shape == (200, 320, 3) and img.dtype == np.uint8
        assert img.std() > 5  # panels, not a blank frame
        talk = net.picture(320, 200, layout="talk", views=["v", "rate"])
        assert talk.shape == (200, 320, 3) and not np.array_equal(img, talk)
        with pytest.raises(ValueError, match="unknown view"):
            net.picture(320, 200, views="nonsense")


def test_several_networks_in_threads():
    """Two networks step at once on two threads (the GIL is released)
    and end as they do one after the other."""
    def run(backend):
        with spikecast.Network(n=12, seed=5, backend=backend) as net:
            net.step(200)
            return net.state["W_in"]

    alone = run("cpu")
    got = {}
    ts = [threading.Thread(target=lambda b=b: got.__setitem__(b, run(b))) for b in ("cpu", "gpu")]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert np.array_equal(got["cpu"], alone) and np.array_equal(got["gpu"], alone)


def test_close_and_context():
    net = spikecast.Network(n=8, backend="ref")
    with net:
        net.step(2)
    with pytest.raises(ValueError, match="closed"):
        net.step(1)
    net.close()  # twice is fine
    assert "closed" in repr(net)


def test_no_gl_is_an_exception():
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    code = ("import spikecast\n"
            "try:\n    spikecast.Network(n=8, backend='gpu', gl='glx')\n"
            "except RuntimeError as e:\n    print('error:', e)\n"
            "print(spikecast.Network(n=8, backend='cpu').step(3))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "error:" in p.stdout and p.stdout.strip().endswith("3")


def test_ctrl_c_leaves_network_usable():
    code = ("import spikecast, sys\n"
            "net = spikecast.Network(n=32, backend='cpu')\n"
            "print('ready', flush=True)\n"
            "try:\n    net.step(10**9)\nexcept KeyboardInterrupt:\n    t = net.t\n"
            "    print('interrupted', t > 0, net.step(10) == t + 10, flush=True)\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    start = time.time()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert time.time() - start < 5, "Ctrl-C took long to be felt"
    assert p.returncode == 0, err
    assert out.strip() == "interrupted True True"


def test_gil_released_while_stepping():
    """Python threads run while a network steps: a thread that records
    the time now and then keeps recording during one long library call
    (with the GIL held it could not run at all until the call ended)."""
    with spikecast.Network(n=48, backend="cpu", workers=1) as net:
        net.step(10)
        ticks = []
        done = threading.Event()

        def count():
            while not done.is_set():
                ticks.append(time.perf_counter())
                time.sleep(0.001)

        t = threading.Thread(target=count)
        t.start()
        time.sleep(0.05)
        start = time.perf_counter()
        spikecast._call(spikecast._lib.sc_step, net._h, 5000, ctypes.byref(ctypes.c_int64()))
        end = time.perf_counter()
        done.set()
        t.join()
        during = [x for x in ticks if start < x < end]
        assert len(during) >= 3, (len(during), end - start)


def test_load_errors(tmp_path):
    with pytest.raises(ValueError, match="invalid -load"):
        spikecast.load(tmp_path / "missing.ckpt")
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="invalid -load"):
        spikecast.load(tmp_path / "junk.ckpt", backend="cpu")


def test_fed_network_saves_and_resumes(tmp_path):
    """A frames=True network's checkpoint resumes fed from arrays, and
    ends where the network that went on without a save ends."""
    rng = np.random.default_rng(1)
    video = rng.random((40, 10, 10)).astype(np.float32)
    with spikecast.Network(n=8, frames=True, backend="cpu") as net:
        net.step(20, frames=video[:21])
        net.save(tmp_path / "fed.ckpt")
        net.step(frames=video[21:])
        want = net.state["W_in"]
    with spikecast.load(tmp_path / "fed.ckpt", backend="ref") as net:
        assert net.t == 20 and net.params["frames"] == "numpy:"
        assert net.step(frames=video[20:]) == 39
        assert np.array_equal(net.state["W_in"], want)
