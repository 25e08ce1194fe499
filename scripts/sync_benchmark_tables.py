#!/usr/bin/env python3
"""Copy the tables the benchmark scripts write (docs/bench_*.md, docs/soak.md, ...) into docs/benchmarks.md.

docs/benchmarks.md explains each benchmark and shows its table; the table itself is the script's output, so it
is pasted between ``<!-- table: NAME.md -->`` and ``<!-- end table -->`` by this script rather than by hand
(test_docs checks the copies are current). Run it after any ``make bench*``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"(<!-- table: (?P<name>[\w.]+) -->\n)(?P<body>.*?)(<!-- end table -->)", re.S)


def render(text: str) -> str:
    """``text`` with every marked block replaced by its file's current content."""
    return BLOCK.sub(lambda m: m.group(1) + (DOCS / m.group("name")).read_text().strip() + "\n" + m.group(4), text)


def main() -> int:
    path = DOCS / "benchmarks.md"
    path.write_text(render(path.read_text()))
    print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
