"""The command line the data generators share: output folder, count, seed and worker processes."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

from .fonts import find_fonts
from .textures import photo_paths

LOG = logging.getLogger(__name__)
# `make training-fonts` installs the packages the shipped models' data was drawn with: 225 fonts and 261
# photos on Debian 12. DejaVu alone is 19 fonts.
FEW_FONTS = 100


def generator_main(doc: str | None, generate: Callable[..., None], argv: list[str] | None,
                   count: int, seed: int, what: str, options: dict[str, dict] | None = None) -> None:
    """Parse the shared options plus ``options`` (flag -> argparse keywords, passed on to ``generate`` by
    keyword) and run ``generate(out, count, seed, workers, ...)``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--count", type=int, default=count, help=f"number of {what}")
    parser.add_argument("--seed", type=int, default=seed, help="random seed (same seed, same data)")
    parser.add_argument("--workers", type=int, default=2, help="processes")
    for flag, keywords in (options or {}).items():
        parser.add_argument(flag, **keywords)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    report_sources()
    extra = {flag.lstrip("-").replace("-", "_"): None for flag in options or {}}
    generate(args.out, args.count, args.seed, args.workers, **{k: getattr(args, k) for k in extra})


def report_sources() -> None:
    """Say what the data will be drawn with: too few fonts or no photos make far less varied data than the
    shipped models saw, and nothing else would show it."""
    fonts, photos = len(find_fonts()), len(photo_paths())
    LOG.info("rendering with %d fonts and %d background photos", fonts, photos)
    if fonts < FEW_FONTS or photos == 0:
        LOG.warning("only %d fonts and %d photos installed; `make training-fonts` (Debian packages, as root) "
                    "installs those the shipped models' data was drawn with (225 and 261 on Debian 12)", fonts, photos)
