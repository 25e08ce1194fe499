"""How alike two readings of a sign are, and how well a query names a landmark.

A sign read from a moving robot comes out with the letters a recognizer confuses by shape ("R00M 2O4" for
"ROOM 204"), with or without its punctuation and in either case. Texts are therefore compared on a folded
key: letters and digits only, lower case, and each group of look-alike characters mapped to one character
(o and 0; i, l and 1; s and 5; b and 8; z and 2). The similarity of two keys is one minus their edit
distance over the longer key's length.
"""

from __future__ import annotations

from ..recognition.lexicon import edit_distance

__all__ = ["PART_WEIGHT", "fold", "is_part", "query_score", "similarity"]

_LOOK_ALIKE = str.maketrans({"o": "0", "i": "1", "l": "1", "s": "5", "b": "8", "z": "2"})
PART_WEIGHT = 0.9  # a query naming some of a landmark's words ("204" for "room 204") scores at most this


def fold(text: str) -> str:
    """The key two readings of one sign share: letters and digits, lower case, look-alikes merged."""
    return "".join(c for c in text.lower() if c.isalnum()).translate(_LOOK_ALIKE)


def similarity(a: str, b: str) -> float:
    """1 for readings with the same key, down to 0 for nothing in common."""
    ka, kb = fold(a), fold(b)
    if not ka and not kb:
        return 1.0
    return 1.0 - edit_distance(ka, kb) / max(len(ka), len(kb))


def _spans(text: str) -> list[str]:
    """Every run of consecutive words of ``text`` shorter than the whole."""
    words = text.split()
    return [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)
            if j - i < len(words)]


def is_part(part: str, whole: str) -> bool:
    """``part`` reads as one or more consecutive words of ``whole`` ("204" of "room 204")."""
    key = fold(part)
    return bool(key) and any(fold(span) == key for span in _spans(whole))


def query_score(query: str, text: str, exact: bool = False) -> float:
    """How well ``query`` names a landmark reading ``text``, in [0, 1]. Exact: 1 when the letters and digits
    agree (case and punctuation ignored), else 0. Fuzzy: the similarity of the whole texts, or of the query
    and the best run of the text's words (at most ``PART_WEIGHT``), whichever is higher."""
    if exact:
        plain = "".join(c for c in query.lower() if c.isalnum())
        return 1.0 if plain and plain == "".join(c for c in text.lower() if c.isalnum()) else 0.0
    parts = [PART_WEIGHT * similarity(query, span) for span in _spans(text)]
    return max([similarity(query, text), *parts])
