"""Shared helpers of the spikecast Python tests: the command to compare
with (the repository's ./spikecast, or $SPIKECAST_BIN) and a runner."""

import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def command():
    """Runs the spikecast command with args; returns (rc, stdout, stderr)."""
    exe = os.environ.get("SPIKECAST_BIN") or os.path.join(ROOT, "spikecast")
    if not os.access(exe, os.X_OK):
        pytest.fail(f"no spikecast command at {exe}: run make build, or set SPIKECAST_BIN")

    def run(*args, cwd=None):
        p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)
        return p.returncode, p.stdout, p.stderr

    return run
