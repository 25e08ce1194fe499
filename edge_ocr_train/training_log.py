"""Training curves: a CSV log that survives resume, and a PNG plot of it."""

from __future__ import annotations

import csv
import math
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

    def rows(self) -> list[dict[str, str]]:
        with self.path.open() as f:
            return list(csv.DictReader(f))

    def best(self, field: str, until_step: int) -> float:
        """The highest ``field`` logged at or before ``until_step`` (-inf if none): what a resumed run
        must beat before it replaces the weights it selected earlier. Rows after ``until_step`` belong
        to steps the checkpoint never reached (a run ended between evaluation and checkpoint)."""
        values = [float(r[field]) for r in self.rows() if r.get(field) not in ("", None) and float(r["step"]) <= until_step]
        return max(values, default=-math.inf)

    def plot(self, png: Path, title: str) -> None:
        rows = self.rows()
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
