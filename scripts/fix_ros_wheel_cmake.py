#!/usr/bin/env python3
"""Rewrite the wheel builder's paths baked into the ROS wheels' CMake exports (idempotent).

The PyPI ROS wheels ship ``share/**/*.cmake`` files that name ``/opt/python/cp311-cp311/...``;
CMake's generate step then fails with "Imported target ... includes non-existent path".
This points them at this environment's own include dir and site-packages.

Because this project's .venv sits inside the package's source tree, and CMake refuses exported
include directories inside the source tree ("which is prefixed in the source directory"), numpy's
include dir is reached through a symlink in ~/.cache/edge_ocr_ros/ instead. Run again whenever that
cache was cleared (make build does).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import sysconfig
from pathlib import Path

BUILDER = re.compile(r"/opt/python/cp3\d+-cp3\d+")


def numpy_include_link(prefix: Path) -> str:
    """A path outside the source tree that resolves to this venv's numpy include dir."""
    import numpy

    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "edge_ocr_ros"
    link = cache / f"numpy-include-{hashlib.sha1(str(prefix).encode()).hexdigest()[:10]}"
    cache.mkdir(parents=True, exist_ok=True)
    target = Path(numpy.get_include())
    if link.is_symlink() and Path(os.readlink(link)) != target:
        link.unlink()
    if not link.exists():
        link.symlink_to(target)
    return str(link)


def main() -> int:
    prefix = Path(sys.prefix)
    numpy_include = numpy_include_link(prefix)
    if "--print-numpy-include" in sys.argv:  # for -DPython3_NumPy_INCLUDE_DIR= (rosidl_generator_py finds NumPy itself)
        print(numpy_include)
        return 0
    include = sysconfig.get_paths()["include"]
    purelib = sysconfig.get_paths()["purelib"]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    fixed = 0
    for path in (prefix / "share").rglob("*.cmake"):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        new = BUILDER.sub("@@BUILDER@@", text)
        new = re.sub(r"[^\s\";]*/site-packages/numpy/_core/include", numpy_include, new)
        if new == text:
            continue
        new = new.replace(f"@@BUILDER@@/include/{version}", include)
        new = new.replace(f"@@BUILDER@@/lib/{version}/site-packages", purelib)  # other site-packages paths
        new = new.replace("@@BUILDER@@", sys.prefix)
        path.write_text(new, encoding="utf-8", errors="surrogateescape")
        fixed += 1
    print(f"fix_ros_wheel_cmake: rewrote {fixed} CMake file(s) under {prefix / 'share'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
