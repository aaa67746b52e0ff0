"""spikecast from Python: the same network as the command, bit for bit.

A thin layer over libspikecast.so, the command's Go code built as a C
shared library (capi/), loaded with ctypes. ctypes releases the GIL for
the length of every call into the library, and the library runs its GL
work on a locked OS thread of its own, so a Network may be used from any
Python thread. docs/PYTHON.md describes the API.

    >>> import spikecast
    >>> with spikecast.Network(n=32, seed=1, backend="cpu") as net:
    ...     net.step(1000)
    ...     net.measures["f1"]
"""

import ctypes
import json
import os
import time

import numpy as np

__all__ = ["Network", "load", "list_gpus", "EndOfFrames", "SpikecastError", "__version__"]


class SpikecastError(RuntimeError):
    """A failure of the engine or of GL (no OpenGL 4.3 context, say)."""


class EndOfFrames(EOFError):
    """The frames source ended (a frames=PATH source without loop=True)."""


_KINDS = {1: ValueError, 2: SpikecastError, 3: EndOfFrames}

_c_char_pp = ctypes.POINTER(ctypes.c_char_p)


def _library_path():
    path = os.environ.get("SPIKECAST_LIBRARY")
    if path:
        return path
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "libspikecast.so")


def _open():
    lib = ctypes.CDLL(_library_path())
    i64, i32, vp, cp = ctypes.c_int64, ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p
    out = ctypes.POINTER(ctypes.c_void_p)  # char** the library fills: freed with sc_free
    sigs = {
        "sc_free": (None, [vp]),
        "sc_version": (vp, []),
        "sc_list_gpus": (i32, [out, out]),
        "sc_new": (i32, [cp, ctypes.POINTER(i64), out]),
        "sc_close": (None, [i64]),
        "sc_step": (i32, [i64, i64, ctypes.POINTER(i64), out]),
        "sc_feed": (i32, [i64, cp, ctypes.POINTER(i64), i32, vp, i64, ctypes.POINTER(i64), out]),
        "sc_measures": (i32, [i64, out, out]),
        "sc_info": (i32, [i64, out, out]),
        "sc_set": (i32, [i64, cp, out]),
        "sc_save": (i32, [i64, cp, out]),
        "sc_state": (i32, [i64, out, out]),
        "sc_state_copy": (i32, [i64, i32, vp, i64, out]),
        "sc_picture": (i32, [i64, i32, i32, cp, cp, vp, i64, out]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


_lib = _open()


def _take(p):
    """The library's string at p as str, freed."""
    if not p:
        return None
    try:
        return ctypes.string_at(p).decode("utf-8", "replace")
    finally:
        _lib.sc_free(p)


def _call(fn, *args, result=False):
    """Calls fn(*args[, &out], &err) and raises the error it returns."""
    err = ctypes.c_void_p()
    out = ctypes.c_void_p()
    if result:
        kind = fn(*args, ctypes.byref(out), ctypes.byref(err))
    else:
        kind = fn(*args, ctypes.byref(err))
    text = _take(out) if result else None
    if kind:
        raise _KINDS.get(kind, SpikecastError)(_take(err) or "spikecast: unknown error")
    return text


__version__ = _take(_lib.sc_version())


def _flag_value(name, v):
    """A keyword's value as the command's flag would take it."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, str)):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    raise TypeError(f"parameter {name}: want a number, a string or a bool, not {type(v).__name__}")


def list_gpus():
    """The EGL devices, as -list_gpus lists them: a list of dicts."""
    return json.loads(_call(_lib.sc_list_gpus, result=True))


class Network:
    """One network, on the gpu, cpu or ref backend, as the command runs it.

    Network(n=48, seed=1, backend="auto", preset=None, config=None,
    frames=None, workers=0, gl=None, gpu=None, **params): every parameter
    of the command (spikecast -h) is a keyword named as its flag, checked
    with the command's messages (ValueError). preset is -preset (e.g.
    "rich"): the parameters start from it, and the keywords and config
    override it. config is the -config file (a run's summary, a
    recording's sidecar or a hand-written JSON of flags); keywords
    override it. frames is -frames (a path), or True for a
    network fed NumPy arrays through step(k, frames=a). workers, gl and
    gpu are -workers, -gl and -gpu.
    """

    def __init__(self, n=None, seed=None, backend="auto", *, preset=None, config=None, frames=None,
                 workers=0, gl=None, gpu=None, _load=None, **params):
        if n is not None:
            params["n"] = n
        if seed is not None:
            params["seed"] = seed
        if frames is True:
            params["frames"] = "numpy:"
        elif frames not in (None, False):
            params["frames"] = os.fspath(frames)
        settings = {
            "params": {k: _flag_value(k, v) for k, v in params.items()},
            "backend": backend or "auto",
            "workers": int(workers),
        }
        if preset is not None:
            settings["preset"] = str(preset)
        if config is not None:
            settings["config"] = os.fspath(config)
        if _load is not None:
            settings["load"] = os.fspath(_load)
        if gl is not None:
            settings["gl"] = gl
        if gpu is not None:
            settings["gpu"] = int(gpu)
        self._h = 0
        h = ctypes.c_int64()
        _call(_lib.sc_new, json.dumps(settings).encode(), ctypes.byref(h))
        self._h = h.value
        self._info = json.loads(_call(_lib.sc_info, self._h, result=True))
        self._t = self._info["step"]

    # ---- life ----

    def close(self):
        """Releases the network and its GL context. Safe to call twice."""
        h, self._h = getattr(self, "_h", 0), 0
        if h:
            _lib.sc_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _handle(self):
        if not self._h:
            raise ValueError("the network is closed")
        return self._h

    def __repr__(self):
        if not self._h:
            return "<spikecast.Network closed>"
        return f"<spikecast.Network n={self.params['n']} backend={self.backend} step={self.t}>"

    # ---- stepping ----

    def step(self, k=None, frames=None):
        """Runs k steps (1 by default). With frames, a (T, H, W) array of
        bool, uint8 or float32, the frames are first appended to what a
        frames=True network reads, made binary and scaled as -frames does;
        k then defaults to as many steps as the frames allow (a step t
        reads frames t and t + horizon).

        The GIL is released while the library steps. Ctrl-C raises
        KeyboardInterrupt between two batches of steps, and the network
        stays usable at the step it reached. Returns the step count T.
        """
        h = self._handle()
        if frames is not None:
            k = self._feed(frames, -1 if k is None else int(k))
        k = 1 if k is None else int(k)
        if k < 0:
            raise ValueError(f"invalid step count {k}: want k ≥ 0")
        # Batches of about 50 ms: long enough that a call costs nothing
        # beside its steps, short enough that Ctrl-C is felt at once.
        done, batch, t = 0, 50, ctypes.c_int64(self._t)
        while done < k:
            j = min(batch, k - done)
            start = time.perf_counter()
            try:
                _call(_lib.sc_step, h, j, ctypes.byref(t))
            finally:
                self._t = t.value  # the steps taken, however the call ended
            done += j
            spent = time.perf_counter() - start
            if spent < 0.025:
                batch = min(batch * 2, 1 << 16)
            elif spent > 0.1 and batch > 1:
                batch //= 2
        return self._t

    def _feed(self, frames, k):
        a = np.asarray(frames)
        descr = {np.dtype(bool): "|b1", np.dtype(np.uint8): "|u1"}.get(a.dtype)
        if descr is None and a.dtype.kind == "f" and a.dtype.itemsize == 4:
            a, descr = a.astype("<f4", copy=False), "<f4"
        if descr is None:
            descr = a.dtype.str
        a = np.ascontiguousarray(a)
        shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
        steps = ctypes.c_int64(k)
        _call(_lib.sc_feed, self._handle(), descr.encode(), shape, a.ndim,
              a.ctypes.data, a.nbytes, ctypes.byref(steps))
        return steps.value

    # ---- reading ----

    def _refresh(self):
        if self._info is None:
            self._info = json.loads(_call(_lib.sc_info, self._handle(), result=True))
        return self._info

    @property
    def t(self):
        """The step count T: the steps the network has taken."""
        self._handle()
        return self._t

    @property
    def params(self):
        """Every parameter, by flag name."""
        return dict(self._refresh()["params"])

    @property
    def backend(self):
        """The backend that runs: gpu, cpu or ref."""
        return self._refresh()["backend"]

    @property
    def backend_auto(self):
        """Why backend="auto" chose the backend ("" otherwise)."""
        return self._refresh()["backend_auto"]

    @property
    def renderer(self):
        """What computes the steps: GL_RENDERER, or the CPU engine."""
        return self._refresh()["renderer"]

    @property
    def changes(self):
        """The live changes made with set(), "step flag value" each, the
        lines -changes takes."""
        return list(self._refresh()["changes"] or [])

    @property
    def measures(self):
        """The rolling measures of the last steps: f1, precision, recall,
        hidden_rate, step, and the window's tp, fp, fn and length."""
        return json.loads(_call(_lib.sc_measures, self._handle(), result=True))

    @property
    def state(self):
        """The whole state after the last step: a dict of NumPy arrays
        named, shaped and typed as in the -state .npz, with "step" and
        "meta" as there."""
        h = self._handle()
        desc = json.loads(_call(_lib.sc_state, h, result=True))
        out = {"step": np.array(desc["step"], dtype=np.int64)}
        for i, a in enumerate(desc["arrays"]):
            arr = np.empty(a["shape"], dtype=np.dtype(a["dtype"]))
            _call(_lib.sc_state_copy, h, i, arr.ctypes.data, arr.nbytes)
            out[a["name"]] = arr
        info = self._refresh()
        meta = {"step": desc["step"], "n": info["params"]["n"], "params": info["params"],
                "version": info["version"], "backend": info["backend"],
                "renderer": info["renderer"], "spike_layers": info["spike_layers"],
                "axes": {a["name"]: a["axes"] for a in desc["arrays"] if a["axes"]}}
        out["meta"] = np.array(json.dumps(meta))
        return out

    @property
    def spikes(self):
        """The last step's spikes: a bool (n, n) array per layer, named
        as -spikes_layers names them (input, hidden, output, and hidden2
        with horizon > 1); hidden is (k, n, n) with k > 1 cells a pixel."""
        st = self.state
        out = {}
        for name, key in (("input", "x"), ("hidden", "s"), ("output", "yhat"), ("hidden2", "s2")):
            a = st.get(key)
            if a is not None and a.size > 0:
                out[name] = a != 0
        return out

    def picture(self, width=1280, height=800, layout="four", views=None):
        """What the window would draw now, as an (height, width, 3) uint8
        RGB array: the offscreen renderer of -record. layout is -layout
        (four or talk), views the 2-D panels' views (-panels), a list or a
        comma-separated string. A CPU backend draws on a headless GL
        context made on first use."""
        if views is None:
            views = ""
        elif not isinstance(views, str):
            views = ",".join(views)
        img = np.empty((int(height), int(width), 3), dtype=np.uint8)
        _call(_lib.sc_picture, self._handle(), int(width), int(height), layout.encode(),
              views.encode(), img.ctypes.data, img.nbytes)
        return img

    # ---- changing and keeping ----

    def set(self, **params):
        """Changes parameters from the next step on: those a running
        network can take (the GPU's uniforms: eta, eta_out, sigma_noise,
        target_rate, …), checked as flags; each change is logged in
        changes."""
        m = {k: _flag_value(k, v) for k, v in params.items()}
        _call(_lib.sc_set, self._handle(), json.dumps(m).encode())
        self._info = None

    def save(self, path):
        """Writes a checkpoint in the command's format (-save), which
        load() and the command's -load read."""
        _call(_lib.sc_save, self._handle(), os.fspath(path).encode())


def load(path, backend="auto", *, workers=0, gl=None, gpu=None):
    """Resumes a checkpoint (the command's -load): its parameters and
    state, on the backend asked for."""
    return Network(backend=backend, workers=workers, gl=gl, gpu=gpu, _load=path)
