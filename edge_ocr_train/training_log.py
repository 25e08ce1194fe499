"""Training curves: a CSV log that survives resume, and a PNG plot of it."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


class TrainingLog:
    def __init__(self, path: Path, fields: list[str]) -> None:
        self.path = path
        self.fields = fields
        if not path.exists():
            with path.open("w", newline="") as f:
                csv.writer(f).writerow(fields)

    def append(self, **row: float) -> None:
        with self.path.open("a", newline="") as f:
            csv.writer(f).writerow([row.get(k, "") for k in self.fields])

    def plot(self, png: Path, title: str) -> None:
        with self.path.open() as f:
            rows = list(csv.DictReader(f))
        if not rows:
            return
        steps = [float(r["step"]) for r in rows]
        series = [k for k in self.fields if k != "step"]
        fig, axes = plt.subplots(len(series), 1, figsize=(7, 2.2 * len(series)), sharex=True)
        for ax, key in zip(axes if len(series) > 1 else [axes], series, strict=True):
            pts = [(s, float(r[key])) for s, r in zip(steps, rows, strict=True) if r[key] not in ("", None)]
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="." if len(pts) < 50 else None)
            ax.set_ylabel(key)
            ax.grid(alpha=0.3)
        axes_list = axes if len(series) > 1 else [axes]
        axes_list[-1].set_xlabel("step")
        fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(png, dpi=90)
        plt.close(fig)
