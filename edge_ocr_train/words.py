"""Text to render: Debian word lists plus numbers, room and door codes, and signage words."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

import numpy as np

from edge_ocr_ros.recognition.charset import Charset

DICT_FILES = (Path("/usr/share/dict/american-english"), Path("/usr/share/dict/british-english"))
SIGN_WORDS = (
    "street st avenue ave road rd lane ln drive dr blvd boulevard square plaza exit entrance entry way out in "
    "open closed push pull parking park stop no smoking toilets toilet wc men women ladies gents lift elevator "
    "stairs floor level room rm door gate platform station bus taxi metro subway train tickets ticket info "
    "information reception office lobby hall north south east west left right only one keep clear fire "
    "emergency danger caution warning private staff sale off new cafe coffee bar restaurant hotel bank "
    "pharmacy hospital school police shop store market mall centre center food pizza burger sushi tea "
    "hours mon tue wed thu fri sat sun am pm km mph max min welcome thank you please do not enter free "
    "wifi atm car wash service bakery books fashion shoes kids beauty salon hair gym club pub inn lab dept"
).split()


@lru_cache(maxsize=1)
def dictionary_words(paths: tuple[Path, ...] = DICT_FILES) -> tuple[str, ...]:
    """ASCII letter-only words of the installed Debian word lists (wamerican, wbritish)."""
    words: set[str] = set()
    for path in paths:
        if path.is_file():
            words.update(w for w in path.read_text(encoding="utf-8", errors="ignore").split() if w.isascii() and w.isalpha())
    if not words:  # a machine without word lists still yields trainable text
        words.update(SIGN_WORDS)
    return tuple(sorted(words))


def _case(rng: np.random.Generator, word: str) -> str:
    r = rng.random()
    return word.lower() if r < 0.35 else word.upper() if r < 0.75 else word.capitalize()


def _punctuate(rng: np.random.Generator, word: str) -> str:
    """Punctuation as it sits on signs: a trailing mark, brackets or quotes, a hyphenated pair, a plural 's."""
    r = rng.random()
    if r < 0.35:
        return word + str(rng.choice(list(".,:!?")))
    if r < 0.5:
        return f"({word})" if rng.random() < 0.6 else f"'{word}'"
    if r < 0.7:
        return f"{word}-{_case(rng, str(rng.choice(SIGN_WORDS)))}"
    if r < 0.8:
        return f"{word}'s"
    if r < 0.9:
        return f"{word}{rng.choice(['&', '/', '+'])}{_case(rng, str(rng.choice(SIGN_WORDS)))}"
    return f"{rng.choice(['#', '@'])!s}{word}"


def sample_text(rng: np.random.Generator) -> str:
    """One word as printed, with its case and sign punctuation; ``label_for`` makes the label."""
    r = rng.random()
    if r < 0.55:
        word = _case(rng, str(rng.choice(dictionary_words())))
        return _punctuate(rng, word) if rng.random() < 0.25 else word
    if r < 0.70:
        return _case(rng, str(rng.choice(SIGN_WORDS)))
    if r < 0.80:  # numbers, prices, times
        n = int(rng.integers(0, 10 ** int(rng.integers(1, 6))))
        form = rng.integers(0, 8)
        return [str(n), f"{n / 100:.2f}", f"${n % 1000}", f"{n % 24:02d}:{n % 60:02d}", f"{n % 100}%",
                f"${n / 100:.2f}", f"{n % 10000:,}", f"{n % 13}/{n % 31 + 1}"][form]
    if r < 0.92:  # room, door and platform codes: B204, A-12, 3F, L2, G07
        letter = rng.choice(list(string.ascii_uppercase))
        num = int(rng.integers(0, 1000))
        form = rng.integers(0, 4)
        return [f"{letter}{num}", f"{letter}-{num}", f"{num % 20}{letter}", f"{letter}{num % 100:02d}"][form]
    alphabet = string.ascii_letters + string.digits
    return "".join(rng.choice(list(alphabet), size=int(rng.integers(2, 9))))


def label_of(text: str) -> str:
    """Letters and digits only, lower case: the case- and punctuation-insensitive form (lexicon, scoring)."""
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


def label_for(text: str, charset: Charset) -> str:
    """The training label of a printed text for one alphabet: folded to the alphabet's case when it has
    one case only, punctuation it lacks dropped; empty when a letter or digit cannot be written in it
    (an accented letter, say), so that such a sample is skipped rather than taught wrong."""
    tokens = set(charset.tokens[1:-1])
    if charset.case_insensitive:
        text = text.lower() if "a" in tokens else text.upper()
    if any(c not in tokens for c in text if c.isalnum()):
        return ""
    return "".join(c for c in text if c in tokens)
