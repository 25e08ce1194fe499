"""Write the engine's default lexicon: the Debian word lists (wamerican, wbritish) plus signage words.

Example:
  python -m edge_ocr_train.make_lexicon --out models/lexicon.txt.gz

Words are folded like training labels (lower case, letters and digits only: "don't" -> "dont").
The word lists are SCOWL-derived (Copyright 2000-2019 Kevin Atkinson and others; free to use, copy,
modify and distribute with that notice), which the file's header repeats.
"""

from __future__ import annotations

import argparse
import gzip
import logging
from pathlib import Path

from .words import DICT_FILES, SIGN_WORDS, label_of

LOG = logging.getLogger(__name__)
HEADER = """# edge_ocr_ros default lexicon: recognised texts one edit away from these words may be snapped to them.
# Made by `python -m edge_ocr_train.make_lexicon` from Debian's wamerican and wbritish word lists
# (SCOWL: Copyright 2000-2019 by Kevin Atkinson and others. Permission to use, copy, modify, distribute
# and sell these word lists, the associated scripts, the output created from the scripts, and its
# documentation for any purpose is hereby granted without fee, provided that the above copyright notice
# appears in all copies and that both that copyright notice and this permission notice appear in
# supporting documentation.) plus signage words of edge_ocr_train/words.py.
"""


def lexicon_words(paths: tuple[Path, ...] = DICT_FILES) -> list[str]:
    words = set(SIGN_WORDS)
    for path in paths:
        if path.is_file():
            words.update(label_of(w) for w in path.read_text(encoding="utf-8", errors="ignore").split()
                         if w.isascii() and w.replace("'", "").isalpha())
    words.discard("")
    return sorted(words)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("models/lexicon.txt.gz"), help="output word list (.txt or .txt.gz)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if not any(p.is_file() for p in DICT_FILES):
        raise SystemExit("no Debian word list found: apt-get install wamerican wbritish")
    words = lexicon_words()
    text = HEADER + "\n".join(words) + "\n"
    data = text.encode("utf-8")
    if args.out.suffix == ".gz":
        data = gzip.compress(data, mtime=0)  # no time stamp: the same words give the same file
    args.out.write_bytes(data)
    LOG.info("wrote %d words to %s (%d bytes)", len(words), args.out, args.out.stat().st_size)


if __name__ == "__main__":
    main()
