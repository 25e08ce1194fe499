#!/usr/bin/env python3
"""What straightening slanted word crops costs: median ms per crop read by ``OcrPipeline.recognize_crop``
with ``recognizer.straighten_angle`` 0 (off, the default) and 8, float16 and int8 on the CPU, in one run
(the two settings alternate crop by crop, so both see the same machine load).

  python scripts/straighten_cost.py --words ../shared/devset/words
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from edge_ocr_ros import OcrConfig, OcrPipeline
from edge_ocr_ros.runtime.cpu import cpu_info
from edge_ocr_ros.tools.sources import read_image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=Path, required=True, help="a words folder (crops + labels.tsv)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=200, help="crops timed (after 10 warm-up reads)")
    args = parser.parse_args(argv)
    names = [line.split("\t", 1)[0] for line in (args.words / "labels.tsv").read_text(encoding="utf-8").splitlines()
             if "\t" in line][: args.limit]
    images = [read_image(args.words / name) for name in names]
    print(f"Machine: {cpu_info().describe()}; {len(images)} crops of {args.words}; {args.threads} threads\n")
    print("| precision | off: ms per crop p50 | straighten_angle 8: ms per crop p50 | ratio |")
    print("|---|---|---|---|")
    for precision in ("float16", "int8"):
        pipelines = {angle: OcrPipeline.from_config(OcrConfig({"recognizer.straighten_angle": angle, "precision": precision,
                                                                "edgetpu": "off", "num_threads": args.threads}))
                     for angle in (0.0, 8.0)}
        times: dict[float, list[float]] = {0.0: [], 8.0: []}
        for i, image in enumerate(images[:10] + images):
            for angle, pipeline in pipelines.items():
                t0 = time.perf_counter()
                pipeline.recognize_crop(image)
                if i >= 10:
                    times[angle].append((time.perf_counter() - t0) * 1e3)
        off, on = statistics.median(times[0.0]), statistics.median(times[8.0])
        print(f"| {precision} | {off:.1f} | {on:.1f} | {on / off:.1f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
