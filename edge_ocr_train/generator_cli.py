"""The command line the data generators share: output folder, count, seed and worker processes."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path


def generator_main(doc: str | None, generate: Callable[[Path, int, int, int], None], argv: list[str] | None,
                   count: int, seed: int, what: str) -> None:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--count", type=int, default=count, help=f"number of {what}")
    parser.add_argument("--seed", type=int, default=seed, help="random seed (same seed, same data)")
    parser.add_argument("--workers", type=int, default=2, help="processes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    generate(args.out, args.count, args.seed, args.workers)
