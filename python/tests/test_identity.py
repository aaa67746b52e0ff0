"""A run from Python and the command with the same parameters end in
byte-identical checkpoints and states, on every backend."""

import json

import numpy as np
import pytest

import spikecast

BACKENDS = ["ref", "cpu", "gpu"]
PARAMS = dict(n=16, seed=3, eta=0.02, rrec=2)


def flags(params):
    out = []
    for k, v in params.items():
        out += [f"-{k}", str(v).lower() if isinstance(v, bool) else str(v)]
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


@pytest.mark.parametrize("backend", BACKENDS)
def test_checkpoint_bit_identical(tmp_path, command, backend):
    cmd, py = tmp_path / "cmd.ckpt", tmp_path / "py.ckpt"
    rc, out, err = command("-headless", "-quiet", "-backend", backend, "-steps", 300,
                           "-save", cmd, "-state", tmp_path / "cmd.npz", *flags(PARAMS))
    assert rc == 0, err
    with spikecast.Network(backend=backend, **PARAMS) as net:
        assert net.backend == backend
        # Uneven calls: where the steps are split does not matter.
        net.step()
        net.step(99)
        assert net.step(200) == 300
        net.save(py)
        state = net.state
    assert read(py) == read(cmd)
    want = np.load(tmp_path / "cmd.npz")
    assert set(want.files) == set(state)
    for name in want.files:
        if name == "meta":
            continue
        assert state[name].dtype == want[name].dtype, name
        assert state[name].shape == want[name].shape, name
        assert np.array_equal(state[name], want[name]), name


@pytest.mark.parametrize("backend", ["cpu", "gpu"])
def test_resume_bit_identical(tmp_path, command, backend):
    """Python saves, the command resumes; Python resumes the same file:
    the two continuations end in the same bytes."""
    first, cmd, py = tmp_path / "first.ckpt", tmp_path / "cmd.ckpt", tmp_path / "py.ckpt"
    with spikecast.Network(backend=backend, **PARAMS) as net:
        net.step(150)
        net.save(first)
    rc, _, err = command("-headless", "-quiet", "-backend", backend, "-load", first, "-steps", 150, "-save", cmd)
    assert rc == 0, err
    with spikecast.load(first, backend=backend) as net:
        assert net.t == 150
        net.step(150)
        net.save(py)
    assert read(py) == read(cmd)


@pytest.mark.parametrize("backend", ["cpu", "gpu"])
@pytest.mark.parametrize("events", [0, 0.2])
def test_frames_bit_identical(tmp_path, command, backend, events):
    """Frames fed from arrays, in two parts, and the same frames from a
    .npy file through -frames reach the same state."""
    rng = np.random.default_rng(7)
    frames = (rng.random((41, 30, 20)) * 255).astype(np.uint8)
    np.save(tmp_path / "frames.npy", frames)
    rc, _, err = command("-headless", "-quiet", "-backend", backend, "-n", 12, "-events", events,
                         "-frames", tmp_path / "frames.npy", "-steps", 40, "-state", tmp_path / "cmd.npz")
    assert rc == 0, err
    with spikecast.Network(n=12, events=events, frames=True, backend=backend) as net:
        assert net.step(frames=frames[:25]) == 24  # frame 24 is step 23's target
        assert net.step(16, frames=frames[25:]) == 40
        state = net.state
    want = np.load(tmp_path / "cmd.npz")
    for name in want.files:
        if name not in ("meta", "step"):
            assert np.array_equal(state[name], want[name]), name
    assert int(state["step"]) == int(want["step"]) == 40


@pytest.mark.parametrize("backend", ["cpu", "gpu"])
def test_frames_file_bit_identical(tmp_path, command, backend):
    """frames=PATH is -frames PATH: the same checkpoint, fingerprint and
    all; the end of the source is EndOfFrames, at the step it ended."""
    rng = np.random.default_rng(3)
    np.save(tmp_path / "f.npy", rng.random((30, 16, 16)).astype(np.float32))
    src, cmd, py = tmp_path / "f.npy", tmp_path / "cmd.ckpt", tmp_path / "py.ckpt"
    rc, _, err = command("-headless", "-quiet", "-backend", backend, "-n", 8, "-frames", src,
                         "-steps", 20, "-save", cmd)
    assert rc == 0, err
    with spikecast.Network(n=8, frames=src, backend=backend) as net:
        net.step(20)
        net.save(py)
        assert read(py) == read(cmd)
        with pytest.raises(spikecast.EndOfFrames, match="ended after 30 frames"):
            net.step(100)
        assert net.t == 29
        net.save(py)  # still usable


def test_state_of_several_cells_a_pixel(tmp_path, command):
    """With k > 1, net.state has the -state .npz's arrays, shapes and axes:
    the K axis where the model's index puts it."""
    params = dict(n=6, seed=2, k=3, direct=2, eta_bias=0.05, rule="rstdp", horizon=2, target_rate=0.2)
    rc, out, err = command("-headless", "-quiet", "-backend", "ref", "-steps", 30,
                           "-state", tmp_path / "cmd.npz", *flags(params))
    assert rc == 0, err
    with spikecast.Network(backend="ref", **params) as net:
        net.step(30)
        state = net.state
        spikes = net.spikes
    want = np.load(tmp_path / "cmd.npz")
    assert set(want.files) == set(state)
    for name in want.files:
        if name == "meta":
            continue
        assert state[name].shape == want[name].shape, name
        assert np.array_equal(state[name], want[name]), name
    assert state["v"].shape == (3, 6, 6) and state["W_in"].shape == (3, 6, 6, 3, 3)
    # The output reads the second layer (horizon 2), one cell a pixel.
    assert state["W_out"].shape == (6, 6, 5, 5) and state["W_12"].shape == (6, 6, 3, 3, 3)
    assert state["W_direct"].shape == (6, 6, 2, 5, 5)
    axes = json.loads(str(state["meta"]))["axes"]
    assert axes == json.loads(str(want["meta"]))["axes"]
    assert axes["W_rec"] == ["c", "row", "col", "c_pre", "dy", "dx"]
    assert spikes["hidden"].shape == (3, 6, 6)
    assert np.array_equal(spikes["hidden"], state["s"] != 0)
