"""Builds the spikecast wheel around a libspikecast.so built beforehand
(make python). The library does not depend on Python's ABI, so the wheel
is tagged py3-none-<platform>: any Python 3 on this platform loads it."""

import os

from setuptools import setup
from setuptools.dist import Distribution


class BinaryDistribution(Distribution):
    """A distribution with a native library: its files go to platlib."""

    def has_ext_modules(self):
        return True


try:
    from wheel.bdist_wheel import bdist_wheel

    class platform_wheel(bdist_wheel):
        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass = {"bdist_wheel": platform_wheel}
except ImportError:  # no wheel package: an sdist or a plain install
    cmdclass = {}

setup(version=os.environ.get("SPIKECAST_VERSION", "0.0.0"), cmdclass=cmdclass, distclass=BinaryDistribution)
