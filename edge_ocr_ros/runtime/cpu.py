"""The processor a figure was measured on: model, core count and the vector extensions int8 kernels use.

Which precision runs faster on the CPU depends on these: XNNPACK's int8 kernels gain most from VNNI
(AVX-512 VNNI or AVX-VNNI) on x86 and from the dot-product instructions on ARM. On an AVX2-only AMD EPYC the
int8 pipeline was 1.08x *slower* than float16, against 2.0-2.4x faster on a VM with AVX-512 VNNI. So every
benchmark names its CPU, and ``edge-ocr bench`` measures both precisions on the user's own.
"""

from __future__ import annotations

import functools
import os
import platform
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuInfo", "cpu_info", "cpu_name"]

# /proc/cpuinfo flag -> the name people know, in the order they are listed
X86_EXTENSIONS = {"sse4_2": "SSE4.2", "avx": "AVX", "avx2": "AVX2", "fma": "FMA", "f16c": "F16C", "avx512f": "AVX-512",
                  "avx512_vnni": "AVX-512 VNNI", "avx_vnni": "AVX-VNNI", "avx512_bf16": "AVX-512 BF16",
                  "amx_int8": "AMX-INT8"}
ARM_EXTENSIONS = {"asimd": "NEON", "asimdhp": "FP16", "asimddp": "DOTPROD", "i8mm": "I8MM", "sve": "SVE"}
# what int8 speed hinges on, said even when absent: name -> the extensions that provide it
X86_KEY = {"AVX-512": ("AVX-512",), "VNNI": ("AVX-512 VNNI", "AVX-VNNI")}
ARM_KEY = {"DOTPROD": ("DOTPROD",), "I8MM": ("I8MM",)}


def _cpuinfo_lines() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _field(lines: list[str], *keys: str) -> str:
    for key in keys:
        for line in lines:
            if ":" in line and line.split(":")[0].strip() == key:
                return line.split(":", 1)[1].strip()
    return ""


@functools.cache
def cpu_name() -> str:
    """The processor's model (a Raspberry Pi names its board in /proc/cpuinfo's Model)."""
    return _field(_cpuinfo_lines(), "Model", "model name", "Hardware") or platform.processor() or platform.machine() or "cpu"


@dataclass(frozen=True)
class CpuInfo:
    """What a benchmark table says about its machine."""

    model: str
    architecture: str
    cores: int
    extensions: tuple[str, ...]

    def describe(self) -> str:
        """One line: 'AMD EPYC (x86_64), 2 cores; AVX2, FMA, no AVX-512, no VNNI' (absent key ones as 'no X')."""
        key = X86_KEY if self.architecture in ("x86_64", "AMD64", "i686") else ARM_KEY
        missing = [f"no {name}" for name, given_by in key.items() if not set(given_by) & set(self.extensions)]
        return f"{self.model} ({self.architecture}), {self.cores} cores; " + ", ".join([*self.extensions, *missing])


@functools.cache
def cpu_info() -> CpuInfo:
    """This machine's CPU, from /proc/cpuinfo (flags on x86, Features on ARM)."""
    lines = _cpuinfo_lines()
    flags = set(_field(lines, "flags", "Features").split())
    table = ARM_EXTENSIONS if "asimd" in flags or platform.machine() in ("aarch64", "arm64") else X86_EXTENSIONS
    extensions = tuple(name for flag, name in table.items() if flag in flags)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return CpuInfo(cpu_name(), platform.machine(), cores, extensions)
