"""``edge-ocr bench``: which precision is faster on this CPU, measured here in about a minute.

int8 (the Edge TPU's models run on the CPU) was 2.0-2.4x faster than float16 on a VM with AVX-512 VNNI and
1.08x slower on an AVX2-only AMD EPYC: the answer depends on the CPU (runtime/cpu.py), so a robot measures it
on itself. Both pipelines read the bundled sample signs and the same signs scaled into frames of the
camera's size, after a warm-up, in one run; the report gives medians, the ratio, and the setting to use.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..config import OcrConfig, bundled_share_dir
from ..pipeline import OcrPipeline
from ..runtime.cpu import cpu_info
from .sources import image_files, read_image

__all__ = ["PrecisionTiming", "camera_frames", "sample_images", "speed_check", "speed_report"]
PRECISIONS = ("float16", "int8")


@dataclass(frozen=True)
class PrecisionTiming:
    precision: str
    samples_ms: float  # median pipeline time per bundled sample sign
    frame_ms: float  # median per frame of the camera's size
    words: int  # words read on the samples (the same work is compared)


def sample_images() -> list[np.ndarray]:
    """The bundled sample signs (samples/signs in a checkout, share/edge_ocr_ros/samples/signs installed)."""
    folder = bundled_share_dir("samples", "signs/exit.jpg") / "signs"
    return [read_image(p) for p in image_files(folder)]


def camera_frames(images: list[np.ndarray], width: int, height: int) -> list[np.ndarray]:
    """Each image scaled to fit a width x height frame (aspect kept, on grey): the camera's pixel count."""
    frames = []
    for image in images:
        scale = min(width / image.shape[1], height / image.shape[0])
        w, h = max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))
        frame = np.full((height, width, 3), 127, np.uint8)
        x, y = (width - w) // 2, (height - h) // 2
        frame[y : y + h, x : x + w] = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        frames.append(frame)
    return frames


def _median_ms(pipeline: OcrPipeline, images: list[np.ndarray], repeat: int) -> float:
    times = []
    for image in images:
        pipeline.run(image)  # warm-up: interpreters of this size, caches
        for _ in range(repeat):
            start = time.perf_counter()
            pipeline.run(image)
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def speed_check(config: OcrConfig, width: int, height: int, repeat: int = 3, progress: bool = True) -> list[PrecisionTiming]:
    """Both precisions on the samples and on camera-size frames, same run, same threads (``config``'s)."""
    samples = sample_images()
    frames = camera_frames(samples, width, height)
    rows = []
    for precision in tqdm(PRECISIONS, desc="precisions", unit="precision", disable=not progress):
        pipeline = OcrPipeline.from_config(config.replace_items({"precision": precision, "edgetpu": "off"}))
        words = sum(len(pipeline.run(image).words) for image in samples)
        rows.append(PrecisionTiming(precision, _median_ms(pipeline, samples, repeat), _median_ms(pipeline, frames, repeat),
                                    words))
    return rows


def speed_report(rows: list[PrecisionTiming], width: int, height: int, threads: int) -> dict:
    """The figures, the CPU, and which precision to set (judged on the camera-size frames)."""
    by = {r.precision: r for r in rows}
    ratio = by["float16"].frame_ms / by["int8"].frame_ms
    faster = "int8" if ratio > 1 else "float16"
    return {"cpu": cpu_info().describe(), "threads": threads, "camera": [width, height],
            "timings": [asdict(r) for r in rows], "int8_speedup": round(ratio, 3), "faster": faster,
            "advice": f"precision: {faster} ({max(ratio, 1 / ratio):.2f}x faster than "
                      f"{'float16' if faster == 'int8' else 'int8'} at {width} x {height} on this CPU)"}


def format_report(report: dict) -> str:
    """The report as the table ``edge-ocr bench`` prints."""
    width, height = report["camera"]
    lines = [f"CPU: {report['cpu']}; {report['threads']} thread(s)", "",
             f"| precision | ms per sample sign (median) | ms per {width} x {height} frame (median) | words on the samples |",
             "|---|---|---|---|"]
    lines += [f"| {r['precision']} | {r['samples_ms']:.1f} | {r['frame_ms']:.1f} | {r['words']} |" for r in report["timings"]]
    lines += ["", f"int8 / float16 speed at {width} x {height}: {report['int8_speedup']:.2f}x", report["advice"]]
    return "\n".join(lines)


def default_config(path: Path | None) -> OcrConfig:
    """The user's settings (engine YAML or the node's params file), or the defaults."""
    return OcrConfig.from_yaml(path) if path else OcrConfig()
