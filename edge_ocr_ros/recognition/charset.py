"""The recognizer's alphabet, stored in CRNN.tf2's ``table.txt`` format.

One token per line; ``<UNK>`` is the first line and ``<BLK>`` (the CTC blank) the last,
so class ``i`` of the model output is line ``i`` of the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError

__all__ = ["BLANK", "UNK", "Charset"]

UNK = "<UNK>"
BLANK = "<BLK>"


@dataclass(frozen=True)
class Charset:
    """Maps model classes to text and back."""

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.tokens) < 3:
            raise ModelError("charset needs at least <UNK>, one character and <BLK>")
        if self.tokens[0] != UNK or self.tokens[-1] != BLANK:
            raise ModelError(f"charset must start with {UNK} and end with {BLANK} (CRNN.tf2 table.txt format)")
        if len(set(self.tokens)) != len(self.tokens):
            raise ModelError("charset has duplicate tokens")

    @property
    def num_classes(self) -> int:
        """Classes the recognizer outputs: the tokens, <UNK> and the CTC blank included."""
        return len(self.tokens)

    @property
    def blank(self) -> int:
        """Index of the CTC blank (the last class)."""
        return len(self.tokens) - 1

    @property
    def case_insensitive(self) -> bool:
        """True when the alphabet has letters of one case only (labels are then folded to it)."""
        letters = "".join(t for t in self.tokens[1:-1] if t.isalpha())
        return letters.islower() or letters.isupper()

    def decode(self, labels: list[int] | tuple[int, ...]) -> str:
        """Class indices (already collapsed, blanks removed) to text; <UNK> is dropped."""
        return "".join(self.tokens[i] for i in labels if 0 < i < self.blank)

    def encode(self, text: str) -> list[int]:
        """Text to class indices; characters outside the alphabet are skipped (used by training)."""
        if self.case_insensitive:
            letters = "".join(t for t in self.tokens[1:-1] if t.isalpha())
            text = text.lower() if letters.islower() else text.upper()
        index = {t: i for i, t in enumerate(self.tokens)}
        return [index[c] for c in text if c in index and 0 < index[c] < self.blank]

    @classmethod
    def from_characters(cls, characters: str) -> Charset:
        """A charset of single characters, in CRNN.tf2 order (<UNK>, the characters, <BLK>)."""
        return cls((UNK, *characters, BLANK))

    @classmethod
    def load(cls, path: str | Path) -> Charset:
        """Read a CRNN.tf2 ``table.txt`` (one token a line); ModelError if missing or malformed."""
        path = Path(path)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ModelError(f"cannot read charset file {path}: {exc.strerror or exc}") from exc
        tokens = tuple(line for line in lines if line != "")
        try:
            return cls(tokens)
        except ModelError as exc:
            raise ModelError(f"{path}: {exc}") from exc

    def save(self, path: str | Path) -> None:
        """Write it in the same format."""
        Path(path).write_text("\n".join(self.tokens) + "\n", encoding="utf-8")
